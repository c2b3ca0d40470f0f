// Many machines: eight lab installs at once (install --hosts --all --concurrency 8) against one
// of them alone (--only web1), measured in the same run, process start to exit (both include
// discovery's whole search). The installers are netns hosts laid out for --layout mounted; each
// nixos-install stand-in spends ~2 s waiting (lines and pauses), as a real install waits on its
// downloads: the work is I/O bound, so eight should take little longer than one. Then the
// many-machines wizard installs the eight in a terminal, each streaming output: its peak RSS.
//
// Run alone: node scripts/bench/fleet.mjs [--runs N]
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { shellLine, TmuxTerminal } from '../tmux-driver.mjs';

const cli = new URL('../../dist/cli.js', import.meta.url).pathname;
const id = 'nbbf';
const machines = 8;
const goalRatio = 1.5;
/** The stand-in's pretend download: this many lines, this far apart. */
const installLines = 20;
const lineDelayMs = 100;
/** The wizard's run: every machine streams this many lines, this far apart, into its own feed. */
const wizardLines = 1000;
const wizardLineDelayMs = 2;
const wizardRssGoalMiB = 200;
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

function run(argv, options = {}) {
  const result = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...options });
  if (result.status !== 0) throw new Error(`${argv.join(' ').slice(0, 160)} (exit ${result.status}): ${result.stderr.slice(-800)}`);
  return result;
}
const lab = (...args) => run([process.execPath, cli, 'lab', ...args]).stdout;
/** argv run on the lab's laptop, in root's home (without CI: the wizard draws nothing under it). */
const onLaptop = (argv) => [process.execPath, cli, 'lab', 'shell', '--id', id, '--', 'env', '-C', '/root', '-u', 'CI', 'HOME=/root', ...argv];
const inLaptop = (argv, options) => run(onLaptop(argv), options);

/** Wall time of one install command, and the largest resident set of the tool, in MiB. */
function timed(args) {
  const started = performance.now();
  const result = inLaptop(['/usr/bin/time', '-f', 'maxrss-kib %M', process.execPath, cli, 'install', ...args]);
  const ms = performance.now() - started;
  const summary = result.stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line))
    .find((e) => e.type === 'hosts-summary');
  if (!summary || summary.exitCode !== 0) throw new Error(`install ${args.join(' ')} did not install every machine: ${JSON.stringify(summary)}`);
  return { ms, rssMiB: Number(/maxrss-kib (\d+)/.exec(result.stderr)?.[1] ?? 0) / 1024 };
}

const setStandIn = (installers, lines, delayMs) => {
  for (const i of installers) {
    lab(
      'shell',
      '--id',
      id,
      '--installer',
      String(i.index),
      '--',
      'sh',
      '-c',
      `echo ${lines} > /run/lab/nixos-install.lines && echo ${delayMs} > /run/lab/nixos-install.delay-ms`,
    );
  }
};

/**
 * The many-machines wizard (nixos-bootstrap --hosts) in an 80×24 tmux terminal, driven as a person
 * would (Enter on the list, the number typed), all machines streaming at once: its peak RSS.
 */
async function wizardRun(common) {
  const terminal = new TmuxTerminal('nbbf-wizard', 'fleet');
  const rssFile = '/root/wizard-rss';
  const wizard = ['/usr/bin/time', '-o', rssFile, '-f', 'maxrss-kib %M', process.execPath, cli, ...common, '--concurrency', String(machines)];
  const shell = `${shellLine(wizard)}; echo "[wizard exit $?]"; sleep 600`;
  try {
    const started = performance.now();
    terminal.start(onLaptop(['TERM=xterm-256color', 'sh', '-c', shell]));
    await terminal.waitFor(new RegExp(`${machines} marked`), 'every machine found and marked');
    await terminal.press('Enter');
    await terminal.waitFor(new RegExp(`Type ${machines} to install them`), 'the plans', 60_000);
    await terminal.type(String(machines));
    await terminal.press('Enter');
    const end = await terminal.waitFor(/\[wizard exit \d+\]/, 'the end', 120_000);
    const ms = performance.now() - started;
    if (!end.includes('[wizard exit 0]')) throw new Error(`the wizard did not install every machine:\n${end}`);
    const rss = inLaptop(['cat', rssFile]).stdout;
    return { ms, rssMiB: Number(/maxrss-kib (\d+)/.exec(rss)?.[1] ?? 0) / 1024 };
  } finally {
    terminal.stop();
  }
}

export async function benchFleet({ runs = 3 } = {}) {
  lab('down', '--id', id);
  lab('up', '--id', id, '--installers', String(machines), '--mounted-layout');
  try {
    const state = JSON.parse(lab('status', '--id', id, '--json'));
    const hosts = state.installers.map((i) => ({ mac: i.mac, fingerprint: i.hostKeyFingerprint, flake: `github:me/fleet#web${i.index}` }));
    inLaptop(['sh', '-c', 'cat > hosts.json'], { input: JSON.stringify({ hosts }) });
    setStandIn(state.installers, installLines, lineDelayMs);
    const common = ['--hosts', 'hosts.json', '--layout', 'mounted', '--age-key', 'none', '--finish', 'none', '--yes', '--json'];
    const one = [];
    const all = [];
    for (let r = 0; r < runs; r += 1) {
      one.push(timed([...common, '--only', 'web1']));
      all.push(timed([...common, '--all', '--concurrency', String(machines)]));
    }
    const oneMs = median(one.map((s) => s.ms));
    const allMs = median(all.map((s) => s.ms));
    setStandIn(state.installers, wizardLines, wizardLineDelayMs);
    const wizard = await wizardRun(['--hosts', 'hosts.json', '--layout', 'mounted', '--age-key', 'none', '--finish', 'none']);
    return {
      'one machine alone, install --hosts --only (reference)': { ms: Math.round(oneMs), rssMiB: Math.round(Math.max(...one.map((s) => s.rssMiB))) },
      [`${machines} machines at once, --concurrency ${machines}`]: {
        ms: Math.round(allMs),
        ratio: allMs / oneMs,
        goal: `<= ${goalRatio.toFixed(1)}x`,
        met: allMs / oneMs <= goalRatio ? 'yes' : 'NO',
        rssMiB: Math.round(Math.max(...all.map((s) => s.rssMiB))),
      },
      [`wizard (--hosts): ${machines} machines streaming ${wizardLines} lines each, peak RSS`]: {
        rssMiB: Math.round(wizard.rssMiB),
        goalMiB: wizardRssGoalMiB,
        met: wizard.rssMiB <= wizardRssGoalMiB ? 'yes' : 'NO',
        ms: Math.round(wizard.ms),
      },
    };
  } finally {
    lab('down', '--id', id);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const runs = process.argv.includes('--runs') ? Number(process.argv[process.argv.indexOf('--runs') + 1]) : undefined;
  process.stdout.write(`${JSON.stringify(await benchFleet(runs ? { runs } : {}), null, 2)}\n`);
}
