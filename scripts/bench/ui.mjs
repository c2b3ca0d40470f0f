// Wizard benchmarks (issue 8), on the built CLI and a lab of its own (root, Linux):
//   - time to --help (main and the wizard's own), median of runs;
//   - time to the wizard's first frame in a real pseudo-terminal, on the lab's laptop;
//   - log throughput: 200k lines from a lab installer through the install screen (real SSH,
//     runner, log file, Ink in an 80×24 tmux pane) vs `ssh … cat` of the same file, the two
//     interleaved run by run (the machine is shared: both see the same load); peak RSS, frames.
// Usage: node scripts/bench/ui.mjs [--lines N] [--runs N] [--stream-runs N] [--lab-id ID]
//   (prints JSON; npm run build first)
// The lead's scripts/bench.mjs imports benchUi() and gets the same figures.
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { shellLine, TmuxTerminal } from '../tmux-driver.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const cli = join(root, 'dist', 'cli.js');
const defaultLabId = 'nbwbench';
const remoteFile = '/tmp/nb-bench-lines.txt';
const sshOptions = ['-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR'];

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};
const round = (ms) => Math.round(ms * 10) / 10;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function timeRun(argv) {
  const started = performance.now();
  const result = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${argv.join(' ')} failed: ${result.stderr}`);
  return performance.now() - started;
}

function labCli(args) {
  return execFileSync(process.execPath, [cli, 'lab', ...args], { encoding: 'utf8' });
}

/** The goal of issue 19: the install screen streams at ≥ 0.8 of raw ssh's throughput. */
const goalRatio = 1.25;
const goalPeakRssMiB = 120;
/** Issue 19: the wizard's first frame within 2× a bare `node -e 0` started the same way. */
const firstFrameGoalRatio = 2.0;

/** argv that runs a command on the lab's laptop as the wizard's user would (HOME is the lab home). */
const onLaptop = (state, argv) => [
  'nsenter',
  '-t',
  String(state.laptop.anchorPid),
  '-m',
  '-u',
  '-n',
  '--',
  'env',
  '-u',
  'SSH_AUTH_SOCK',
  '-u',
  'XDG_CONFIG_HOME',
  '-u',
  'XDG_STATE_HOME',
  '-u',
  'CI',
  'HOME=/root',
  'USER=root',
  'TERM=xterm-256color',
  'LANG=C.UTF-8',
  ...argv,
];

/** From spawn to exit of `argv` in a pseudo-terminal on the lab's laptop, as firstFrameMs runs the wizard. */
function inTerminalMs(state, argv) {
  const command = shellLine(onLaptop(state, argv));
  const started = performance.now();
  const result = spawnSync('script', ['-qfec', command, '/dev/null'], { stdio: 'ignore', env: { ...process.env, COLUMNS: '80', LINES: '24' } });
  if (result.status !== 0) throw new Error(`${argv.join(' ')} exited with ${result.status} in the terminal`);
  return performance.now() - started;
}

/**
 * From spawn to the first frame of the wizard (its header) in a pseudo-terminal (`script`),
 * on the lab's laptop so that the discovery it starts stays inside the lab.
 */
async function firstFrameMs(state) {
  const argv = onLaptop(state, [process.execPath, cli, '--timeout', '1']);
  const command = shellLine(argv);
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn('script', ['-qfec', command, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, COLUMNS: '80', LINES: '24' } });
    let seen = '';
    let done = false;
    const timer = setTimeout(() => finish(new Error(`no first frame within 20 s: ${JSON.stringify(seen.slice(-300))}`)), 20_000);
    function finish(error, value) {
      if (done) return;
      done = true;
      clearTimeout(timer);
      child.stdin.write('\u0003'); // Ctrl-C: the wizard quits (exit 130)
      setTimeout(() => child.kill('SIGKILL'), 2000).unref();
      if (error) reject(error);
      else resolve(value);
    }
    child.stdout.on('data', (chunk) => {
      seen += chunk.toString('utf8');
      if (/Discover/.test(seen) && /Searching/.test(seen)) finish(undefined, performance.now() - started);
    });
    child.on('exit', () => finish(new Error(`the wizard exited before its first frame: ${JSON.stringify(seen.slice(-300))}`)));
  });
}

/** Wall time of `ssh root@installer cat FILE > /dev/null` from the laptop. */
function rawSshMs(state, target) {
  return timeRun(onLaptop(state, ['sh', '-c', `ssh ${sshOptions.join(' ')} ${target} cat ${remoteFile} > /dev/null`]));
}

/**
 * The harness, bundled like dist/cli.js (esbuild, same externals), so the figures (RSS above
 * all) are those of the shipped code, not of a TypeScript loader.
 */
async function bundleHarness() {
  const { build } = await import('esbuild');
  const outdir = join(root, 'node_modules', '.cache', 'nixos-bootstrap', 'ui-stream');
  rmSync(outdir, { recursive: true, force: true });
  const { bundleOptions } = await import('../bundle-options.mjs');
  // Bundled as dist/ is, so the measured screen is the shipped one.
  await build({ ...bundleOptions, entryPoints: [join(root, 'scripts', 'bench', 'ui-stream.tsx')], outdir, outExtension: { '.js': '.mjs' } });
  return join(outdir, 'ui-stream.mjs');
}

async function streamThroughUi(state, target, harness, tmuxSocket) {
  const work = mkdtempSync(join(tmpdir(), 'nb-bench-ui-'));
  const out = join(work, 'result.json');
  const terminal = new TmuxTerminal(tmuxSocket, 'bench');
  try {
    const argv = onLaptop(state, [process.execPath, harness, target, remoteFile, out]);
    terminal.start(['sh', '-c', `${shellLine(argv)}; sleep 30`]);
    const deadline = Date.now() + 180_000;
    while (!existsSync(out)) {
      if (Date.now() > deadline) throw new Error(`the UI stream did not finish within 180 s; the pane shows:\n${terminal.screen()}`);
      await sleep(100);
    }
    await sleep(50);
    return JSON.parse(readFileSync(out, 'utf8'));
  } finally {
    terminal.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

export async function benchUi({ lines = 200_000, runs = 5, streamRuns = 5, labId = defaultLabId } = {}) {
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run npm run build first`);
  const tmuxSocket = `${labId}-bench`;
  const helpMs = median(Array.from({ length: runs * 2 }, () => timeRun([process.execPath, cli, '--help'])));
  const wizardHelpMs = median(Array.from({ length: runs * 2 }, () => timeRun([process.execPath, cli, '--flake', '.#web', '--help'])));

  spawnSync(process.execPath, [cli, 'lab', 'down', '--id', labId]);
  labCli(['up', '--id', labId]);
  try {
    const state = JSON.parse(labCli(['status', '--id', labId, '--json']));
    const installer = state.installers[0];
    const target = `root@fe80::47%${installer.laptopInterface}`;
    // The lines: like nixos-install's, ~90 bytes each, in the installer's RAM.
    execFileSync('nsenter', [
      '-t',
      String(installer.anchorPid),
      '-m',
      '-u',
      '-n',
      '--',
      'sh',
      '-c',
      `seq -f "copying path '/nix/store/%032g-lab-package' from 'https://cache.nixos.org'..." 1 ${lines} > ${remoteFile}`,
    ]);

    // The reference goes through the same pseudo-terminal and namespace entry as the wizard,
    // interleaved with it: the ratio is the wizard's own start-up, not the harness's.
    const frames = [];
    const bareNode = [];
    for (let i = 0; i < runs * 2; i++) {
      bareNode.push(await inTerminalMs(state, [process.execPath, '-e', '0']));
      frames.push(await firstFrameMs(state));
    }

    const harness = await bundleHarness();
    rawSshMs(state, target); // warm up: caches on both ends
    // Interleaved, so that a burst of load elsewhere on the machine hits both sides alike.
    const raw = [];
    const ui = [];
    for (let i = 0; i < streamRuns; i++) {
      raw.push(rawSshMs(state, target));
      ui.push(await streamThroughUi(state, target, harness, tmuxSocket));
    }
    const incomplete = ui.find((run) => run.outcome !== 'done' || run.lines !== lines);
    if (incomplete) throw new Error(`the UI run did not stream every line: ${JSON.stringify(incomplete)}`);
    const rawMs = median(raw);
    const mid = [...ui].sort((a, b) => a.totalMs - b.totalMs)[Math.floor(ui.length / 2)];
    const ratio = Math.round((mid.totalMs / rawMs) * 100) / 100;
    // The goal holds for every run, not only the median one.
    const maxPeakRssMiB = Math.max(...ui.map((run) => run.peakRssMiB));
    const firstFrameRatio = median(frames) / median(bareNode);
    return {
      helpMs: round(helpMs),
      wizardHelpMs: round(wizardHelpMs),
      firstFrame: {
        ms: round(median(frames)),
        nodeMs: round(median(bareNode)),
        ratio: Math.round(firstFrameRatio * 100) / 100,
        goalRatio: firstFrameGoalRatio,
        goalMet: firstFrameRatio <= firstFrameGoalRatio ? 'yes' : 'no',
      },
      throughput: {
        lines,
        runs: streamRuns,
        uiMs: mid.totalMs,
        uiConnectMs: mid.connectMs,
        uiStreamMs: mid.runMs,
        rawSshCatMs: round(rawMs),
        // Medians of the same interleaved runs; the goal is met at ≤ 1.25× (≥ 0.8 of raw throughput).
        ratio,
        goalRatio,
        shareOfRaw: Math.round((rawMs / mid.totalMs) * 100) / 100,
        linesPerSecond: Math.round(lines / (mid.runMs / 1000)),
        // Frames Ink drew while the lines streamed (the phase change adds one or two to the timer's).
        frames: mid.frames,
        framesPerSecond: median(ui.map((run) => run.framesPerSecond)),
        screenBytes: mid.screenBytes,
        peakRssMiB: median(ui.map((run) => run.peakRssMiB)),
        maxPeakRssMiB,
        goalPeakRssMiB,
        goalMet: ratio <= goalRatio && maxPeakRssMiB <= goalPeakRssMiB ? 'yes' : 'no',
        react: mid.react,
      },
    };
  } finally {
    spawnSync(process.execPath, [cli, 'lab', 'down', '--id', labId]);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const flag = (name, fallback) => {
    const index = process.argv.indexOf(name);
    return index > 0 ? process.argv[index + 1] : fallback;
  };
  const figures = await benchUi({
    lines: Number(flag('--lines', 200_000)),
    runs: Number(flag('--runs', 5)),
    streamRuns: Number(flag('--stream-runs', 5)),
    labId: flag('--lab-id', defaultLabId),
  });
  process.stdout.write(`${JSON.stringify(figures, null, 2)}\n`);
}
