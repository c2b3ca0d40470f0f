// Discovery benchmark, in the lab: how soon an installer is listed with its host key verified,
// against the chain a user types by hand on the same laptop in the same run:
//   avahi-resolve -6 -n bootstrap.local   → an address
//   ssh-keyscan ADDRESS%IFACE             → its host key
// (each timed from its process start to its first line of output, the two added). Measured
// with 8 installers (one link each) and with 1, runs interleaved: chain, CLI, in-process.
// Uses the BUILT cli (npm run build first).
//
//   import { benchDiscovery } from './bench/discovery.mjs';
//   const figures = await benchDiscovery();                              // own labs 'nbb' (8) and 'nbb1' (1)
//   const figures = await benchDiscovery({ labIds: { 8: 'pa8', 1: 'pa1' } }); // labs already up
//
// Run alone: node scripts/bench/discovery.mjs [--lab8 ID] [--lab1 ID] [--runs N]
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const defaultCli = `${root}dist/cli.js`;
const defaultLabIds = { 8: 'nbb', 1: 'nbb1' };
const allListedGoalMs = 1500;
/**
 * Pause before each measured command: the installers' sshd are still closing the previous
 * command's connections (ssh-keyscan opens five, one per key type), and no command should pay
 * for the one before it.
 */
const pauseMs = 300;
const pause = () => new Promise((resolve) => setTimeout(resolve, pauseMs));

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const round = (ms) => Math.round(ms * 10) / 10;

function cliSync(cli, args) {
  const result = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`nixos-bootstrap ${args.join(' ')} failed (${result.status}): ${result.stderr.trim()}`);
  return result.stdout;
}

/** Spawns argv inside the lab laptop; resolves with each stdout line's arrival time (ms since spawn). */
function timedRun(anchorPid, argv) {
  const full = ['nsenter', '-t', String(anchorPid), '-m', '-u', '-n', '--', 'env', 'HOME=/root', ...argv];
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(full[0], full.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    const lines = [];
    let partial = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      partial += chunk;
      for (let end = partial.indexOf('\n'); end >= 0; end = partial.indexOf('\n')) {
        lines.push({ atMs: performance.now() - started, text: partial.slice(0, end) });
        partial = partial.slice(end + 1);
      }
    });
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, lines, stderr, totalMs: performance.now() - started }));
  });
}

/**
 * The in-process harness, bundled like dist/cli.js (esbuild, same externals): the figure is the
 * shipped code's, not that of a TypeScript loader (whose worker thread makes every fork slower).
 */
async function bundleHarness() {
  const { build } = await import('esbuild');
  const outdir = join(root, 'node_modules', '.cache', 'nixos-bootstrap', 'discover-in-process');
  rmSync(outdir, { recursive: true, force: true });
  const { bundleOptions } = await import('../bundle-options.mjs');
  await build({ ...bundleOptions, entryPoints: [join(root, 'scripts', 'bench', 'discover-in-process.ts')], outdir, outExtension: { '.js': '.mjs' } });
  return join(outdir, 'discover-in-process.mjs');
}

/** What a user types: resolve the name, then read the host key of that address on its link. */
async function byHandChain(lab) {
  const resolved = await timedRun(lab.anchor, ['avahi-resolve', '-6', '-n', 'bootstrap.local']);
  const address = resolved.lines[0]?.text.split(/\s+/)[1];
  if (resolved.code !== 0 || !address) throw new Error(`avahi-resolve failed: ${resolved.stderr.trim()}`);
  // avahi-resolve prints no interface: the user adds the one the installer is on.
  const iface = (lab.installers.find((i) => i.eui64Address === address) ?? lab.installers[0]).laptopInterface;
  const scanned = await timedRun(lab.anchor, ['ssh-keyscan', `${address}%${iface}`]);
  const key = scanned.lines.find((line) => !line.text.startsWith('#'));
  if (!key) throw new Error(`ssh-keyscan ${address}%${iface} printed no key: ${scanned.stderr.trim()}`);
  return { avahiMs: resolved.lines[0].atMs, keyscanMs: key.atMs, ms: resolved.lines[0].atMs + key.atMs };
}

/** Where a run without the code cache keeps the one it writes (removed before each such run). */
const coldCacheDir = '/root/.cache/nb-bench-cold';

/** `cold`: as the first run after an install or update, before the code cache is written. */
async function cliRun(lab, cli, { cold = false } = {}) {
  if (cold) await timedRun(lab.anchor, ['rm', '-rf', coldCacheDir]);
  const env = cold ? ['env', `XDG_CACHE_HOME=${coldCacheDir}`] : [];
  const found = await timedRun(lab.anchor, [...env, process.execPath, cli, 'discover', '--json', '--timeout', '2']);
  if (found.code !== 0) throw new Error(`discover exited ${found.code}: ${found.stderr.trim()}`);
  const listed = found.lines.map((line) => JSON.parse(line.text).fingerprint);
  const missing = [...lab.fingerprints].filter((fp) => !listed.includes(fp));
  if (missing.length || listed.length !== lab.fingerprints.size) {
    throw new Error(`discover listed ${listed.length} entries for ${lab.fingerprints.size} installers (missing ${missing.join(', ') || 'none'})`);
  }
  return { firstMs: found.lines[0].atMs, allMs: found.lines.at(-1).atMs };
}

async function inProcessRun(lab, harness) {
  const measured = await timedRun(lab.anchor, [process.execPath, harness]);
  if (measured.code !== 0 || !measured.lines.length) throw new Error(`in-process discovery failed: ${measured.stderr.trim()}`);
  return JSON.parse(measured.lines[0].text);
}

/**
 * @param {object} [options]
 * @param {Record<number, string>} [options.labIds] labs already up, by installer count (8 and 1);
 *                                  default: bring up 'nbb' (8) and 'nbb1' (1), remove them after
 * @param {number} [options.runs]   measured runs of each command per lab (default 5)
 * @param {string} [options.cli]    path of the built cli (default dist/cli.js)
 * @param {(line: string) => void} [options.log]
 * @returns {Promise<Record<string, Record<string, number | string>>>} figures by label: { ms, ratio, goal, … }
 */
export async function benchDiscovery(options = {}) {
  const cli = options.cli ?? defaultCli;
  const runs = options.runs ?? 5;
  const log = options.log ?? (() => {});
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run 'npm run build' first`);
  const counts = [8, 1];
  const own = counts.filter((n) => options.labIds?.[n] === undefined);
  const ids = { ...defaultLabIds, ...options.labIds };
  try {
    for (const n of own) {
      cliSync(cli, ['lab', 'down', '--id', ids[n]]);
      log(`discovery bench: bringing up lab '${ids[n]}' with ${n} installer${n === 1 ? '' : 's'}…`);
      cliSync(cli, ['lab', 'up', '--id', ids[n], '--installers', String(n)]);
    }
    const labs = counts.map((n) => {
      const state = JSON.parse(cliSync(cli, ['lab', 'status', '--id', ids[n], '--json']));
      if (!state) throw new Error(`lab '${ids[n]}' is not up`);
      if (state.installers.length !== n) throw new Error(`lab '${ids[n]}' has ${state.installers.length} installers, not ${n}`);
      return { n, anchor: state.laptop.anchorPid, installers: state.installers, fingerprints: new Set(state.installers.map((i) => i.hostKeyFingerprint)) };
    });
    const harness = await bundleHarness();

    const nodeStart = [];
    const samples = new Map(
      labs.map((lab) => [lab, { chain: [], avahi: [], keyscan: [], cliFirst: [], cliCold: [], cliAll: [], inProcess: [], firstAnswer: [] }]),
    );
    for (const lab of labs) {
      // The laptop's avahi has seen no query for the name yet: its first answer may need the network.
      await byHandChain(lab);
      // Likewise the CLI's code cache: the first run writes it (its own figure below).
      await cliRun(lab, cli);
    }
    for (let run = 0; run < runs; run += 1) {
      nodeStart.push((await timedRun(labs[0].anchor, [process.execPath, '-e', 'console.log(0)'])).lines[0].atMs);
      for (const lab of labs) {
        const s = samples.get(lab);
        await pause();
        const chain = await byHandChain(lab);
        await pause();
        const ours = await cliRun(lab, cli);
        await pause();
        const inProcess = await inProcessRun(lab, harness);
        await pause();
        const cold = await cliRun(lab, cli, { cold: true });
        s.chain.push(chain.ms);
        s.avahi.push(chain.avahiMs);
        s.keyscan.push(chain.keyscanMs);
        s.cliFirst.push(ours.firstMs);
        s.cliCold.push(cold.firstMs);
        s.cliAll.push(ours.allMs);
        s.inProcess.push(inProcess.firstListedMs);
        s.firstAnswer.push(inProcess.firstAnswerMs);
        log(
          `  run ${run + 1}, ${lab.n} installer${lab.n === 1 ? '' : 's'}: chain ${chain.ms.toFixed(0)} ms (avahi-resolve ${chain.avahiMs.toFixed(0)} + ssh-keyscan ${chain.keyscanMs.toFixed(0)}); ` +
            `in-process first ${inProcess.firstListedMs.toFixed(0)} ms; CLI first ${ours.firstMs.toFixed(0)} ms (without its code cache ${cold.firstMs.toFixed(0)}), all ${ours.allMs.toFixed(0)} ms`,
        );
      }
    }

    const nodeMs = median(nodeStart);
    const figures = { 'node -e 0 on the laptop (reference)': { ms: round(nodeMs) } };
    const goal = (ms, reference, limit) => ({
      ms: round(ms),
      ratio: ms / reference,
      goal: `<= ${limit.toFixed(1)}x`,
      met: ms / reference <= limit ? 'yes' : 'NO',
    });
    for (const lab of labs) {
      const s = samples.get(lab);
      const of = `${lab.n} installer${lab.n === 1 ? '' : 's'}`;
      const chainMs = median(s.chain);
      figures[`by-hand chain, ${of} (reference)`] = { ms: round(chainMs), avahiResolveMs: round(median(s.avahi)), sshKeyscanMs: round(median(s.keyscan)) };
      figures[`discover() in-process: first verified, ${of}`] = goal(median(s.inProcess), chainMs, 1);
      figures[`discover() in-process: first mDNS answer, ${of}`] = {
        ms: round(median(s.firstAnswer)),
        ratioToAvahiResolve: median(s.firstAnswer) / median(s.avahi),
      };
      figures[`discover --json: first listed, ${of}`] = { ...goal(median(s.cliFirst), chainMs, 1), minusNodeStartMs: round(median(s.cliFirst) - nodeMs) };
      figures[`discover --json: first listed, ${of}, first run (no code cache yet)`] = { ms: round(median(s.cliCold)), ratio: median(s.cliCold) / chainMs };
      if (lab.n > 1) {
        const worst = Math.max(...s.cliAll);
        figures[`discover --json: all ${lab.n} listed and verified`] = {
          ms: round(median(s.cliAll)),
          maxMs: round(worst),
          goalMs: allListedGoalMs,
          met: worst <= allListedGoalMs ? 'yes' : 'NO',
        };
      }
    }
    return figures;
  } finally {
    for (const n of own) cliSync(cli, ['lab', 'down', '--id', ids[n]]);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const value = (flag) => (args.includes(flag) ? args[args.indexOf(flag) + 1] : undefined);
  const labIds = {};
  if (value('--lab8')) labIds[8] = value('--lab8');
  if (value('--lab1')) labIds[1] = value('--lab1');
  const figures = await benchDiscovery({
    labIds,
    runs: value('--runs') ? Number(value('--runs')) : undefined,
    log: (line) => process.stderr.write(`${line}\n`),
  });
  process.stdout.write(`${JSON.stringify(figures, null, 2)}\n`);
}
