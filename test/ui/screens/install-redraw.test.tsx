// The install screen under a flood: lines land in the feed at whatever rate they come, the
// screen is drawn on its own timer (debug frames: one per React render, none throttled away).
import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RunOutcome } from '../../../source/core/install/runner.js';
import type { Plan } from '../../../source/core/plan/types.js';
import { feedIntervalMs } from '../../../source/ui/hooks/use-feed.js';
import { InstallFeed } from '../../../source/ui/run/install-feed.js';
import type { InstallHandle } from '../../../source/ui/run/install-session.js';
import { mountWizard, plainLines } from '../helpers/wizard.js';

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

const phases = [{ id: 'install' as const, title: 'Install NixOS' }];
const plan = {
  choices: { flake: { uri: 'github:me/nixos-config', host: 'web' } },
  disk: { path: '/dev/sda', sizeBytes: 1e12, description: '/dev/sda (test)' },
  phases: phases.map((phase) => ({ ...phase, commands: [], destroys: [] })),
  warnings: [],
} as unknown as Plan;

/** A run the test feeds by hand: the screen sees only its feed. It ends when stopped. */
function handTypedRun(feed: InstallFeed): InstallHandle {
  let stop: (outcome: RunOutcome) => void = () => {};
  return {
    feed,
    logPath: '/nonexistent/web.log',
    startedAt: Date.now(),
    abort: () => stop({ status: 'aborted', message: 'stopped by the test' }),
    aborting: false,
    settled: false,
    outcome: new Promise<RunOutcome>((resolve) => (stop = resolve)),
    attempt: 1,
    retry() {
      throw new Error('not in this test');
    },
  };
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('50k lines in a second are drawn at the redraw rate (~10 frames a second), never once per line; render measures do not pile up', async () => {
  const feed = new InstallFeed(phases);
  const ui = mountWizard({
    argv: ['root@192.0.2.1'],
    state: { step: 'install', plan, install: { phase: 'running', logPath: '/nonexistent/web.log' } },
    runtime: (runtime) => {
      runtime.install = handTypedRun(feed);
    },
    columns: 80,
    rows: 24,
  });
  cleanup = ui.cleanup;
  feed.push({ type: 'run-start', phases });
  feed.push({ type: 'phase-start', id: 'install', title: 'Install NixOS', index: 0, total: 1 });
  await ui.waitFor('Install NixOS');

  performance.clearMeasures();
  const framesBefore = ui.frames.length;
  const started = performance.now();
  const lines = 50_000;
  // 50 lines at a time, as chunks of output arrive, spread over about a second.
  for (let line = 1; line <= lines; line += 50) {
    feed.push({ type: 'output', id: 'install', stream: 'stdout', lines: Array.from({ length: 50 }, (_, i) => `copying path ${line + i}`) });
    await pause(1);
  }
  const elapsedMs = performance.now() - started;
  const frames = ui.frames.length - framesBefore;
  const ticks = Math.ceil(elapsedMs / feedIntervalMs);
  assert.ok(elapsedMs >= 500, `the flood took only ${Math.round(elapsedMs)} ms: too short to measure a rate`);
  assert.ok(frames <= ticks + 2, `${frames} frames in ${Math.round(elapsedMs)} ms for ${lines} lines (the timer ticked ${ticks} times)`);

  // React's development build (these tests) records a measure per component render; they must
  // not pile up in Node's timeline for as long as the install screen is up.
  const measures = performance.getEntriesByType('measure').length;
  assert.ok(measures < 100, `${measures} render measures kept after ${frames} frames`);

  // The next tick shows where the run is: the count and the newest lines, the tail within the screen.
  const frame = await ui.waitFor(`copying path ${lines}`);
  assert.match(frame, new RegExp(`${lines} lines of output`));
  const shown = plainLines(frame).filter((text) => text.includes('copying path'));
  assert.ok(shown.length > 3 && shown.length < 24, `${shown.length} tail lines`);
  assert.equal(shown.at(-1)!.trim(), `copying path ${lines}`);
});
