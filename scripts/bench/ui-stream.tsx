// Bench harness (run by scripts/bench/ui.mjs inside the lab laptop, in an 80×24 tmux pane):
// streams a file of lines from a lab installer through the wizard's REAL install screen — SSH
// session, runner, log file, feed, Ink — and writes the figures as JSON.
// As in a real install, the flood comes in a later phase: the screen is already up (a short
// first phase runs while Ink draws its first frames), so the timed part is the streaming, not
// Ink's start-up, which the first-frame figure measures.
// Usage: node --import tsx scripts/bench/ui-stream.tsx TARGET REMOTE_FILE OUT_JSON
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { render } from 'ink';
import type { Plan } from '../../source/core/plan/types.js';
import { connect } from '../../source/core/ssh/session.js';
import { parseTarget } from '../../source/core/ssh/target.js';
import { App } from '../../source/ui/App.js';
import { startInstall } from '../../source/ui/run/install-session.js';
import { WizardRuntime } from '../../source/ui/runtime.js';
import { realServices } from '../../source/ui/services.js';
import { initialState } from '../../source/ui/state/wizard-state.js';
import { parseWizardFlags } from '../../source/ui/wizard-options.js';

const [targetText, remoteFile, outFile] = process.argv.slice(2);
if (!targetText || !remoteFile || !outFile) {
  process.stderr.write('usage: ui-stream.tsx TARGET REMOTE_FILE OUT_JSON\n');
  process.exit(2);
}
// Journal and log go to a scratch state directory, not the lab home's.
const scratch = mkdtempSync(join(tmpdir(), 'nb-bench-state-'));
process.env.XDG_STATE_HOME = scratch;

// Count what reaches the terminal.
let screenBytes = 0;
const write = process.stdout.write.bind(process.stdout);
process.stdout.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
  screenBytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
  return write(chunk, ...rest);
}) as typeof process.stdout.write;

const target = parseTarget(targetText);
const started = performance.now();
const session = await connect(target, { recordHostKey: false });
const connectedMs = performance.now() - started;
const preset = parseWizardFlags([targetText], {});
/** Long enough for the screen's first frames before the lines start. */
const readySeconds = 0.5;
const plan: Plan = {
  choices: {
    disk: '',
    layout: { kind: 'mounted', luks: null },
    labels: { efi: 'boot', root: 'nixos', swap: 'swap' },
    mkdirs: [],
    postMount: [],
    tmpstore: false,
    hostKey: null,
    flake: { uri: 'bench', host: 'bench' },
    install: { mode: 'flake', repoPath: '/mnt/nix-config' },
    ageKey: null,
    finish: 'none',
  },
  disk: null,
  phases: [
    { id: 'mount', title: 'Get ready', commands: [{ run: `sleep ${readySeconds}` }], destroys: [] },
    { id: 'install', title: 'Stream the lines', commands: [{ run: `cat ${remoteFile}` }], destroys: [] },
  ],
  warnings: [],
};
// Frames Ink drew and the time it spent drawing them: the screen must redraw at a fixed rate,
// not once per line.
let frames = 0;
let frameMs = 0;
// The timed part starts with the streaming phase (its phase-start event), as the runner emits it.
let streamStarted = 0;
let cpuAtStart = process.cpuUsage();
let framesAtStart = 0;
let frameMsAtStart = 0;
const services: typeof realServices = {
  ...realServices,
  runPlan: (options) =>
    realServices.runPlan({
      ...options,
      emit: (event) => {
        if (event.type === 'phase-start' && event.id === 'install') {
          streamStarted = performance.now();
          cpuAtStart = process.cpuUsage();
          framesAtStart = frames;
          frameMsAtStart = frameMs;
        }
        options.emit(event);
      },
    }),
};
const runtime = new WizardRuntime(services);
runtime.adoptSession(target, session);
const handle = await startInstall({ plan, session, target, secrets: {}, services });
runtime.install = handle;
const state = {
  ...initialState(preset, { layout: true, flake: plan.choices.flake, ageKey: { info: null, report: null } }),
  step: 'install' as const,
  plan,
  install: { phase: 'running' as const, logPath: handle.logPath },
};
const instance = render(<App runtime={runtime} initial={state} onExit={() => {}} />, {
  exitOnCtrlC: false,
  patchConsole: false,
  onRender: ({ renderTime }) => {
    frames++;
    frameMs += renderTime;
  },
});
const outcome = await handle.outcome;
const runMs = performance.now() - streamStarted;
const cpu = process.cpuUsage(cpuAtStart);
const runFrames = frames - framesAtStart;
const runFrameMs = frameMs - frameMsAtStart;
// Let the Done frame render, then leave.
await new Promise((resolve) => setTimeout(resolve, 150));
instance.unmount();
const lines = handle.feed.snapshot(0).lines;
await runtime.dispose();
writeFileSync(
  outFile,
  `${JSON.stringify({
    outcome: outcome.status,
    lines,
    connectMs: Math.round(connectedMs),
    runMs: Math.round(runMs),
    totalMs: Math.round(connectedMs + runMs),
    screenBytes,
    cpuMs: Math.round((cpu.user + cpu.system) / 1000),
    frames: runFrames,
    framesPerSecond: Math.round((runFrames / (runMs / 1000)) * 10) / 10,
    frameMs: Math.round(runFrameMs),
    peakRssMiB: Math.round((process.resourceUsage().maxRSS / 1024) * 10) / 10,
    // React's development build costs CPU and memory per render: say which one was measured.
    react: process.env.NODE_ENV === 'production' ? 'production' : 'development',
  })}\n`,
);
rmSync(scratch, { recursive: true, force: true });
process.exit(0);
