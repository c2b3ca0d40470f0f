// The install and done screens over the REAL runner, log file and journal, with plans whose
// commands run on this machine (where: 'local') instead of a target's disks.
import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { render } from 'ink';
import type { PlannedPhase, Plan } from '../../../source/core/plan/types.js';
import type { Session } from '../../../source/core/ssh/types.js';
import { App } from '../../../source/ui/App.js';
import { WizardRuntime } from '../../../source/ui/runtime.js';
import { realServices, type WizardServices } from '../../../source/ui/services.js';
import { initialState } from '../../../source/ui/state/wizard-state.js';
import { ThemeContext, colorTheme } from '../../../source/ui/theme.js';
import { parseWizardFlags } from '../../../source/ui/wizard-options.js';
import { scratchStateHome } from '../helpers/state-home.js';
import { idleSession, passphrase, readyForReview, target } from '../helpers/ready.js';
import { fakeServices, keys, mountWizard, plainLines } from '../helpers/wizard.js';

const work = scratchStateHome('nb-ui-install-');
let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

const local = (id: PlannedPhase['id'], title: string, run: string, interruptible = false): PlannedPhase => ({
  id,
  title,
  commands: [{ run, where: 'local', ...(interruptible ? { interruptible } : {}) }],
  destroys: [],
});

function services(phases: PlannedPhase[]): Partial<WizardServices> {
  return {
    plan: async (_facts, choices): Promise<Plan> => ({
      choices,
      disk: { path: '/dev/sda', sizeBytes: 1e12, description: '/dev/sda (test)' },
      phases,
      warnings: [],
    }),
    startJournal: realServices.startJournal,
    runPlan: realServices.runPlan,
  };
}

let keyFiles = 0;
async function mountAtReview(phases: PlannedPhase[], size = { columns: 80, rows: 24 }, session?: Session) {
  const ready = await readyForReview(join(work, `web${++keyFiles}.agekey`));
  const prepare = (runtime: WizardRuntime) => {
    ready.prepare(runtime);
    if (session) runtime.adoptSession(target, session);
  };
  const ui = mountWizard({ argv: ['root@192.0.2.1'], state: ready.state, runtime: prepare, services: services(phases), ...size });
  cleanup = ui.cleanup;
  await ui.waitFor('Type sda');
  return ui;
}

/** The live part of a debug frame: from the header line on (finished phases are above it). */
const livePart = (frame: string) => {
  const lines = plainLines(frame);
  const header = lines.findIndex((line) => line.includes('› Install ›') || line.includes('· Install') || line.includes('› Done'));
  return lines.slice(Math.max(0, header));
};

test('phases tick off with times, the log tail stays within the terminal, everything lands in the log; Done says what next', async () => {
  const ui = await mountAtReview([
    local('partition', 'Partition the disk', 'seq 1 3000'),
    local('format', 'Create filesystems', 'for i in 1 2 3 4 5; do echo "mkfs step $i"; sleep 0.05; done'),
    local('install', 'Install NixOS', 'for i in $(seq 1 30); do echo "copying path $i of 30"; sleep 0.03; done'),
  ]);
  await ui.type('sda');
  await ui.press(keys.enter);
  let frame = await ui.waitFor(/copying path \d+ of 30/);
  assert.match(frame, /✔ Partition the disk\s+\d+\.\d s/);
  assert.match(frame, /Installing web on \/dev\/sda/);
  frame = await ui.waitFor('Installed web on /dev/sda', 20_000);
  assert.equal(frame.match(/✔ Partition the disk/g)?.length, 1, 'a finished phase is printed once');
  assert.match(frame, /✔ Create filesystems/);
  assert.match(frame, /✔ Install NixOS/);
  assert.match(frame, /nixos-rebuild switch --flake github:me\/nixos-config#web\s+--target-host\s+root@192\.0\.2\.1/);
  assert.match(frame, /Age key\s+.*web\d+\.agekey \(keep it safe\) →\s+\/etc\/age\/web\.agekey on web/);
  const logPath = /Log\s+(\S+)\n\s+(\S+\.log)/.exec(frame)?.slice(1).join('') ?? /Log\s+(\S+\.log)/.exec(frame)![1]!;
  const log = readFileSync(logPath, 'utf8');
  assert.match(log, /\| 3000\n/);
  assert.match(log, /\| copying path 30 of 30\n/);
  assert.ok(!log.includes(passphrase), 'no secret in the log');

  // Bounded: no frame's live part is taller than the terminal (24 rows, minus Ink's last line).
  const tallest = Math.max(...ui.frames.map((f) => livePart(f).length));
  assert.ok(tallest <= 23, `a frame had a live part of ${tallest} lines`);
  // 3000+ lines, yet the screen was redrawn on the timer, not per line.
  assert.ok(ui.frames.length < 400, `${ui.frames.length} renders for ~3040 lines`);

  await ui.press(keys.enter);
  assert.equal((await ui.exited).code, 0);
});

test('a failed phase: its last lines, nothing rebooted, how to resume; exit 1', async () => {
  const ui = await mountAtReview([
    local('partition', 'Partition the disk', 'echo partitioned'),
    local('format', 'Create filesystems', 'echo "mkfs.ext4: No space left on device" >&2; exit 1'),
    local('install', 'Install NixOS', 'echo never'),
  ]);
  await ui.type('sda');
  await ui.press(keys.enter);
  const frame = await ui.waitFor('Nothing was rebooted', 10_000);
  assert.match(frame, /✖ Create filesystems\s+failed/);
  assert.match(frame, /'Create filesystems' failed\./);
  assert.match(frame, /│ mkfs\.ext4: No space left on device/);
  assert.match(frame, /nixos-bootstrap install --resume root@192\.0\.2\.1 --luks-passphrase-file FILE/);
  assert.doesNotMatch(frame, /never/);
  await ui.press(keys.enter);
  assert.equal((await ui.exited).code, 1);
});

test('a failed phase can be retried in place once fixed: phases the target proves done are skipped; exit 0', async () => {
  const fixed = join(work, 'disk-fixed');
  // The target answers only the done check of the partition phase (a resume asks it).
  const checks: string[] = [];
  const session: Session = { ...idleSession(), exec: async (command) => (checks.push(command), { code: 0, stdout: '', stderr: '' }) };
  const ui = await mountAtReview(
    [
      { ...local('partition', 'Partition the disk', 'echo partitioned'), doneCheck: 'sgdisk --verify /dev/sda' },
      local(
        'format',
        'Create filesystems',
        `test -e ${fixed} || { seq -f 'mkfs.ext4: line %g' 1 12; echo "mkfs.ext4: No space left on device" >&2; exit 1; }; echo formatted`,
      ),
      local('install', 'Install NixOS', 'echo installed'),
    ],
    undefined,
    session,
  );
  await ui.type('sda');
  await ui.press(keys.enter);
  let frame = await ui.waitFor('Nothing was rebooted', 10_000);
  assert.match(frame, /press r to retry from 'Create filesystems'/);
  assert.match(frame, /│ mkfs\.ext4: No space left on device/);
  const failedScreen = livePart(frame);
  assert.ok(failedScreen.length <= 23, `the failed screen is ${failedScreen.length} lines tall:\n${failedScreen.join('\n')}`);
  assert.match(frame, /r retry/);
  assert.deepEqual(checks, [], 'a first run checks nothing');
  writeFileSync(fixed, '');
  await ui.press('r');
  frame = await ui.waitFor('Installed web on /dev/sda', 10_000);
  assert.deepEqual(checks, ['sgdisk --verify /dev/sda']);
  assert.match(
    frame,
    /✔ Partition the disk[\s\S]*✖ Create filesystems[\s\S]*- Partition the disk\s+skipped: done in an earlier/,
    "the first run's rows stay above the retry's",
  );
  assert.equal(frame.match(/Partition the disk/g)?.length, 2, "each run's rows are printed once");
  assert.match(frame, /✔ Create filesystems/);
  assert.match(frame, /✔ Install NixOS/);
  const log = readFileSync(ui.runtime.install!.logPath, 'utf8');
  assert.match(log, /No space left on device[\s\S]*\| formatted\n[\s\S]*\| installed\n/, 'both runs in one log, in order');
  assert.equal(log.match(/\| partitioned\n/g)?.length, 1, 'the partition phase ran once');
  await ui.press(keys.enter);
  assert.equal((await ui.exited).code, 0);
  assert.ok(existsSync(fixed));
});

test('Ctrl-C asks once (any other key goes on); a second Ctrl-C stops after cleanup and exits 130', async () => {
  const ui = await mountAtReview([
    local('partition', 'Partition the disk', 'echo ok'),
    local('install', 'Install NixOS', 'echo "building the system"; sleep 30', true),
  ]);
  await ui.type('sda');
  await ui.press(keys.enter);
  await ui.waitFor('building the system', 10_000);
  await ui.press(keys.ctrlC);
  await ui.waitFor('Stop the install?');
  await ui.press('x');
  await ui.waitFor((frame) => !frame.includes('Stop the install?') && frame.includes('Install NixOS'));
  assert.equal(ui.runtime.install!.aborting, false, 'another key leaves the run alone');
  await ui.press(keys.ctrlC);
  await ui.waitFor('Stop the install?');
  const started = Date.now();
  await ui.press(keys.ctrlC);
  const frame = await ui.waitFor("Stopped during 'Install NixOS'", 10_000);
  assert.ok(Date.now() - started < 5000, 'the interruptible command was stopped, not waited for');
  assert.match(frame, /Continue later with:/);
  assert.match(frame, /✖ Install NixOS\s+stopped/);
  assert.equal((await ui.exited).code, 130);
});

test('Ctrl-C before the install quits at once (exit 130)', async () => {
  const ui = mountWizard({ services: { discover: async () => new Promise(() => {}) } });
  cleanup = ui.cleanup;
  await ui.waitFor('Searching');
  await ui.press(keys.ctrlC);
  assert.equal((await ui.exited).code, 130);
});

/** A terminal as Ink sees it: a TTY of a fixed size, counting what is written. */
class FakeTerminal extends EventEmitter {
  isTTY = true;
  columns = 80;
  rows = 24;
  written = '';
  write = (data: string) => {
    this.written += data;
    return true;
  };
}
class FakeKeyboard extends EventEmitter {
  isTTY = true;
  private data: string | null = null;
  setEncoding() {}
  setRawMode() {}
  ref() {}
  unref() {}
  resume() {}
  pause() {}
  read = () => {
    const { data } = this;
    this.data = null;
    return data;
  };
  type(data: string) {
    this.data = data;
    this.emit('readable');
  }
}

test('on a real (non-debug) terminal, 20k streamed lines never make Ink clear the screen or repaint scrollback', async () => {
  const ready = await readyForReview(join(work, 'tty.agekey'));
  const terminal = new FakeTerminal();
  const keyboard = new FakeKeyboard();
  const runtime = new WizardRuntime({ ...fakeServices(), ...services([local('install', 'Install NixOS', 'seq 1 20000')]) } as WizardServices);
  ready.prepare(runtime);
  let exitCode: number | undefined;
  const instance = render(
    <ThemeContext.Provider value={colorTheme}>
      <App
        runtime={runtime}
        initial={{ ...initialState(parseWizardFlags(['root@192.0.2.1'], {}), { layout: false, flake: null, ageKey: null }), ...ready.state }}
        onExit={(code) => (exitCode = code)}
      />
    </ThemeContext.Provider>,
    { stdout: terminal as unknown as NodeJS.WriteStream, stdin: keyboard as unknown as NodeJS.ReadStream, exitOnCtrlC: false, patchConsole: false },
  );
  const waitFor = async (check: () => boolean, what: string, timeoutMs = 20_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!check()) {
      if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  try {
    await waitFor(() => terminal.written.includes('Type sda'), 'the review');
    for (const char of 'sda\r') {
      await new Promise((resolve) => setTimeout(resolve, 30));
      keyboard.type(char);
    }
    await waitFor(() => terminal.written.includes('Installed web on /dev/sda'), 'the end of the run');
    const log = readFileSync(runtime.install!.logPath, 'utf8');
    assert.match(log, /\| 20000\n/);
    assert.ok(!terminal.written.includes('\u001B[2J'), 'Ink cleared the terminal (live area reached its height)');
    assert.ok(!terminal.written.includes('\u001B[3J'), 'Ink erased the scrollback');
    // What reaches the terminal depends on time and screen size, not on the number of lines.
    assert.ok(terminal.written.length < 600_000, `${terminal.written.length} bytes written for 20k lines`);
    keyboard.type('\r');
    await waitFor(() => exitCode !== undefined, 'the exit');
    assert.equal(exitCode, 0);
  } finally {
    instance.unmount();
    await runtime.dispose();
  }
});
