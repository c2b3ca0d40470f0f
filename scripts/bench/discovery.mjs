// Discovery benchmark, in the lab: how soon `nixos-bootstrap discover --json` lists its first
// installer compared with `avahi-resolve -n bootstrap.local` on the same laptop, and how soon it
// has listed (and verified) every installer. Uses the BUILT cli (npm run build first).
//
//   import { benchDiscovery } from './bench/discovery.mjs';
//   const figures = await benchDiscovery();                 // own lab 'nbb': 8 installers, 8 links
//   const figures = await benchDiscovery({ labId: 'nbl' }); // a lab that is already up
//
// Run alone: node scripts/bench/discovery.mjs [--lab ID] [--runs N]
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const defaultCli = `${root}dist/cli.js`;

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
function timedRun(anchorPid, argv, env = {}) {
  const full = ['nsenter', '-t', String(anchorPid), '-m', '-u', '-n', '--', 'env', 'HOME=/root', ...Object.entries(env).map(([k, v]) => `${k}=${v}`), ...argv];
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
 * @param {object} [options]
 * @param {string} [options.labId]      use this lab (already up); default: bring up 'nbb' and remove it after
 * @param {number} [options.installers] installers in the own lab (default 8, each on its own link)
 * @param {number} [options.runs]       measured runs of each command (default 5)
 * @param {string} [options.cli]        path of the built cli (default dist/cli.js)
 * @param {(line: string) => void} [options.log]
 * @returns {Promise<Record<string, Record<string, number>>>} figures by label: { ms, ratio, … }
 */
export async function benchDiscovery(options = {}) {
  const cli = options.cli ?? defaultCli;
  const runs = options.runs ?? 5;
  const log = options.log ?? (() => {});
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run 'npm run build' first`);
  const ownLab = options.labId === undefined;
  const labId = options.labId ?? 'nbb';
  if (ownLab) {
    cliSync(cli, ['lab', 'down', '--id', labId]);
    log(`discovery bench: bringing up lab '${labId}' with ${options.installers ?? 8} installers…`);
    cliSync(cli, ['lab', 'up', '--id', labId, '--installers', String(options.installers ?? 8)]);
  }
  try {
    const state = JSON.parse(cliSync(cli, ['lab', 'status', '--id', labId, '--json']));
    if (!state) throw new Error(`lab '${labId}' is not up`);
    const anchor = state.laptop.anchorPid;
    const expected = new Set(state.installers.map((i) => i.hostKeyFingerprint));
    const total = expected.size;
    const timeoutS = 2;

    // The laptop's avahi has seen no query for the name yet: its first answer may need the network.
    const avahiFirst = await timedRun(anchor, ['avahi-resolve', '-n', 'bootstrap.local']);
    if (avahiFirst.code !== 0 || !avahiFirst.lines.length) throw new Error(`avahi-resolve failed: ${avahiFirst.stderr.trim()}`);

    const nodeStart = [];
    for (let run = 0; run < runs; run += 1) nodeStart.push((await timedRun(anchor, [process.execPath, '-e', 'console.log(0)'])).lines[0].atMs);
    const first = [];
    const all = [];
    const firstAnswer = [];
    const avahi = [];
    for (let run = 0; run < runs; run += 1) {
      const resolved = await timedRun(anchor, ['avahi-resolve', '-n', 'bootstrap.local']);
      if (resolved.code !== 0 || !resolved.lines.length) throw new Error(`avahi-resolve failed: ${resolved.stderr.trim()}`);
      avahi.push(resolved.lines[0].atMs);

      const found = await timedRun(anchor, [process.execPath, cli, 'discover', '--json', '--timeout', String(timeoutS)], { NB_DISCOVERY_TRACE: '1' });
      if (found.code !== 0) throw new Error(`discover exited ${found.code}: ${found.stderr.trim()}`);
      const listed = found.lines.map((line) => JSON.parse(line.text).fingerprint);
      const missing = [...expected].filter((fp) => !listed.includes(fp));
      if (missing.length || listed.length !== total) {
        throw new Error(`discover listed ${listed.length} entries for ${total} installers (missing ${missing.join(', ') || 'none'})`);
      }
      first.push(found.lines[0].atMs);
      all.push(found.lines[total - 1].atMs);
      // Trace times count from the process start; spawn-to-line times include ~1 ms more.
      const answered = /^([\d.]+) seen mdns /m.exec(found.stderr);
      if (answered) firstAnswer.push(Number(answered[1]));
      log(`  run ${run + 1}: first ${found.lines[0].atMs.toFixed(0)} ms, all ${total} ${found.lines[total - 1].atMs.toFixed(0)} ms; avahi-resolve ${resolved.lines[0].atMs.toFixed(0)} ms`);
    }
    // The wizard's case: node is already running when discovery starts.
    const inProcess = [];
    for (let run = 0; run < runs; run += 1) {
      const measured = await timedRun(anchor, [process.execPath, '--import', `${root}node_modules/tsx/dist/loader.mjs`, `${root}scripts/bench/discover-in-process.ts`]);
      if (measured.code !== 0 || !measured.lines.length) throw new Error(`in-process discovery failed: ${measured.stderr.trim()}`);
      inProcess.push(JSON.parse(measured.lines[0].text));
    }
    const firstMs = median(first);
    const avahiMs = median(avahi);
    const nodeMs = median(nodeStart);
    const allMs = median(all);
    return {
      'avahi-resolve -n bootstrap.local (reference)': { ms: round(avahiMs), firstCallMs: round(avahiFirst.lines[0].atMs) },
      'node -e 0 on the laptop (reference)': { ms: round(nodeMs) },
      'discover --json: first installer listed': { ms: round(firstMs), ratio: firstMs / avahiMs, minusNodeStartMs: round(firstMs - nodeMs) },
      // The part comparable to what avahi-resolve does (a name → an address, no SSH), counted
      // from discover's process start; -1 if the trace was missing.
      'discover --json: first mDNS answer read': firstAnswer.length ? { ms: round(median(firstAnswer)), ratio: median(firstAnswer) / avahiMs } : { ms: -1 },
      'discover() in a running process: first mDNS answer': { ms: round(median(inProcess.map((m) => m.firstAnswerMs))), ratio: median(inProcess.map((m) => m.firstAnswerMs)) / avahiMs },
      'discover() in a running process: first installer listed (host key verified)': { ms: round(median(inProcess.map((m) => m.firstListedMs))), ratio: median(inProcess.map((m) => m.firstListedMs)) / avahiMs },
      [`discover --json: all ${total} installers listed and verified`]: { ms: round(allMs), maxMs: round(Math.max(...all)), targetMs: 1500, ratio: Math.max(...all) / 1500 },
    };
  } finally {
    if (ownLab) cliSync(cli, ['lab', 'down', '--id', labId]);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const value = (flag) => (args.includes(flag) ? args[args.indexOf(flag) + 1] : undefined);
  const figures = await benchDiscovery({
    labId: value('--lab'),
    runs: value('--runs') ? Number(value('--runs')) : undefined,
    log: (line) => process.stderr.write(`${line}\n`),
  });
  process.stdout.write(`${JSON.stringify(figures, null, 2)}\n`);
}
