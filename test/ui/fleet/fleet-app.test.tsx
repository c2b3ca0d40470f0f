// The many-machines wizard on a fake LAN with a stand-in for each machine's install (the engine
// itself is install --hosts's, tested in the lab): what is marked, what waits for the typed
// confirmation, how many run at once, and what Ctrl-C leaves undone.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { render } from 'ink-testing-library';
import type { Candidate } from '../../../source/core/discovery/candidate.js';
import type { Discovery } from '../../../source/core/discovery/discover.js';
import { ExitCode } from '../../../source/core/exit-codes.js';
import type { PhaseId, Plan } from '../../../source/core/plan/types.js';
import { readMachines, type Machine, type MachineResult } from '../../../source/headless/install-hosts.js';
import { parseFleetRequest, type FleetRequest } from '../../../source/headless/install-options.js';
import { FleetApp } from '../../../source/ui/fleet/FleetApp.js';
import { FleetRun, type RunMachine } from '../../../source/ui/fleet/fleet-run.js';
import { ThemeContext, plainTheme } from '../../../source/ui/theme.js';
import { candidate, FakeDiscovery } from '../helpers/fakes.js';
import { keys, plainLines, resize } from '../helpers/wizard.js';

const dir = mkdtempSync(join(tmpdir(), 'nb-fleet-ui-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const mac = (n: number) => `52:54:00:47:00:${n.toString(16).padStart(2, '0')}`;
const installerOf = (n: number) => candidate(n, { mac: mac(n) });

/** web1…webN by MAC (installers 1…N of the fake LAN); installer N+1 is in no entry. */
async function fleetOf(extra: string[] = [], count = 3): Promise<{ fleet: FleetRequest; machines: Machine[] }> {
  const file = join(dir, 'hosts.json');
  const hosts = Array.from({ length: count }, (_, i) => ({ mac: mac(i + 1), flake: `github:me/fleet#web${i + 1}` }));
  writeFileSync(file, JSON.stringify({ hosts }));
  const fleet = parseFleetRequest(['--hosts', file, '--layout', 'mounted', ...extra], true)!;
  return { fleet, machines: await readMachines(fleet) };
}

const planFor = (host: string, disk = '/dev/sda'): Plan =>
  ({
    choices: { flake: { uri: 'github:me/fleet', host } },
    disk: { path: disk, byId: `/dev/disk/by-id/ata-${host}-${disk.slice(5)}`, sizeBytes: 20e9, description: `${disk}, 20.0 GB QEMU HARDDISK` },
    phases: [],
    warnings: host === 'web2' ? ['the console keymap is us'] : [],
  }) as unknown as Plan;

/** Two eligible disks on every machine: the recommendation can be changed at review. */
const diskRecord = {
  reason: 'the largest eligible disk',
  note: null,
  candidates: [
    { path: '/dev/sda', description: '/dev/disk/by-id/ata-A (20 GB, sata; empty)', eligible: true, why: [], external: false, contents: [] },
    { path: '/dev/sdb', description: '/dev/disk/by-id/ata-B (40 GB, sata; holds ext4)', eligible: true, why: [], external: false, contents: ['ext4'] },
    { path: '/dev/sdc', description: '/dev/disk/by-id/usb-C (8 GB, usb; boot medium)', eligible: false, why: ['boot medium'], external: true, contents: [] },
  ],
};

/**
 * Each machine as the engine drives it: a note, its disk, its plan held until confirmed, then
 * two phases with output; `release(host)` lets a running machine finish.
 */
function standIn() {
  const running = new Set<string>();
  const finishers = new Map<string, () => void>();
  let most = 0;
  const confirmed: string[] = [];
  const planned: string[] = [];
  const run: RunMachine = async (machine, _installer, _fleet, stop, { reporter, confirm }) => {
    const host = machine.host;
    const disk = machine.request.disk ?? '/dev/sda';
    planned.push(`${host} ${disk}`);
    reporter!.note(`Installing on ${host}`);
    reporter!.record('disk', diskRecord, `Disk: ${disk}`);
    try {
      await confirm!(planFor(host, disk));
    } catch (error) {
      return { host, exitCode: ExitCode.aborted, status: 'aborted', message: (error as Error).message };
    }
    if (stop.aborted) return { host, exitCode: ExitCode.aborted, status: 'aborted', message: 'stopped (Ctrl-C) before anything was written' };
    confirmed.push(`${host} ${disk}`);
    running.add(host);
    most = Math.max(most, running.size);
    const phases = [
      { id: 'mount' as PhaseId, title: 'Mount the new system under /mnt' },
      { id: 'install' as PhaseId, title: 'Install NixOS' },
    ];
    reporter!.event({ type: 'run-start', phases });
    reporter!.event({ type: 'phase-start', id: phases[0]!.id, title: phases[0]!.title, index: 0, total: 2 });
    reporter!.event({ type: 'phase-done', id: phases[0]!.id, elapsedMs: 5 });
    reporter!.event({ type: 'phase-start', id: phases[1]!.id, title: phases[1]!.title, index: 1, total: 2 });
    reporter!.event({ type: 'output', id: phases[1]!.id, stream: 'stdout', lines: [`building the system of ${host}`] });
    await new Promise<void>((resolve) => finishers.set(host, resolve));
    reporter!.event({ type: 'phase-done', id: phases[1]!.id, elapsedMs: 5 });
    running.delete(host);
    const result: MachineResult = { host, exitCode: ExitCode.ok, status: 'installed', ran: true, logFile: `/logs/${host}.log` };
    return result;
  };
  return {
    run,
    running,
    confirmed,
    planned,
    most: () => most,
    release: (host: string) => finishers.get(host)?.(),
  };
}

function mount(fleet: FleetRequest, machines: Machine[], runMachine: RunMachine, size = { columns: 120, rows: 30 }) {
  const lan = new FakeDiscovery();
  const installers = Array.from({ length: machines.length + 1 }, (_, i) => installerOf(i + 1));
  for (const installer of installers) lan.add(installer);
  let exited: (value: { code: number; farewell?: string }) => void = () => {};
  const end = new Promise<{ code: number; farewell?: string }>((resolve) => (exited = resolve));
  const trusted = new Set(installers.map((c) => c.fingerprint!));
  const app = render(
    <ThemeContext.Provider value={plainTheme}>
      <FleetApp
        fleet={fleet}
        machines={machines}
        trusted={trusted}
        search={async () => lan as unknown as Discovery}
        discoverOptions={{}}
        startRun={(chosen: { machine: Machine; installer: Candidate }[]) => new FleetRun(chosen, fleet, runMachine)}
        onExit={(code, farewell) => exited({ code, ...(farewell !== undefined ? { farewell } : {}) })}
      />
    </ThemeContext.Provider>,
  );
  resize(app.stdout, size.columns, size.rows);
  const frame = () => plainLines(app.lastFrame() ?? '').join('\n');
  return {
    app,
    lan,
    end,
    frame,
    async waitFor(check: RegExp, timeoutMs = 5000): Promise<string> {
      const deadline = Date.now() + timeoutMs;
      while (!check.test(frame())) {
        if (Date.now() > deadline) assert.fail(`timed out waiting for ${String(check)}; last frame:\n${frame()}`);
        await pause(10);
      }
      return frame();
    },
    async press(...sequence: string[]) {
      for (const key of sequence) {
        await pause(30);
        app.stdin.write(key);
      }
    },
  };
}

/** The wizard over a LAN whose search has ended: each hosts entry's installer answered, and one more. */
async function wizardOnEndedSearch(argv: string[], count?: number, size?: { columns: number; rows: number }) {
  const { fleet, machines } = await fleetOf(argv, count);
  const machine = standIn();
  const ui = mount(fleet, machines, machine.run, size);
  ui.lan.end();
  return { machine, machines, ui };
}

/** Every machine's install through FleetRun, each on its own installer, without the screens. */
const fleetRunOf = (fleet: FleetRequest, machines: Machine[], run: RunMachine) =>
  new FleetRun(
    machines.map((machine, i) => ({ machine, installer: installerOf(i + 1) })),
    fleet,
    run,
  );

test('marked machines are planned at once, wait for the typed number, then install two at a time; the fourth installer is never offered', async () => {
  const { fleet, machines } = await fleetOf(['--concurrency', '2']);
  const machine = standIn();
  const ui = mount(fleet, machines, machine.run);
  await ui.waitFor(/Looking for the 3 machines/);
  ui.lan.end();
  const found = await ui.waitFor(/3 of 3 machines found/);
  assert.match(found, /\[x\] web1/);
  assert.match(found, /\[x\] web3/);
  assert.match(found, /not in .*hosts\.json: 52:54:00:47:00:04 4444AbCdEf… bootstrap-4\.local/);
  assert.doesNotMatch(found, /\[.\] +- /, 'an installer without an entry has no mark');

  await ui.press(keys.enter);
  const review = await ui.waitFor(/Type 3 to install them:/);
  assert.match(review, /web2 +✔ \/dev\/sda, 20\.0 GB QEMU HARDDISK \(the largest eligible disk; 2 eligible, d chooses\) ! 1 warning/);
  assert.match(review, /Installing 3 machines will erase 3 disks, as listed above\./);
  assert.deepEqual(machine.confirmed, [], 'nothing runs before the confirmation');

  await ui.press('2', keys.enter);
  await ui.waitFor(/Type 3 to install them: 2\s*\n.*you typed '2'/);
  assert.deepEqual(machine.confirmed, []);
  await ui.press(keys.backspace, '3', keys.enter);
  const installing = await ui.waitFor(/○ 1 waiting for a free slot: web3/);
  assert.match(installing, /web1 .* 1\/2 Install NixOS/);
  assert.match(installing, /building the system of web1/, 'the focused machine shows its output');
  await ui.press(keys.tab);
  await ui.waitFor(/── web2 ─+\n(.*\n)*\s+building the system of web2/);

  machine.release('web1');
  await ui.waitFor(/✔ web1 +installed/);
  await ui.waitFor(/web3 .* 1\/2 Install NixOS/);
  machine.release('web2');
  machine.release('web3');
  const { code, farewell } = await ui.end;
  assert.equal(code, ExitCode.ok);
  assert.equal(machine.most(), 2, 'never more than --concurrency at once');
  assert.match(farewell!, /^3 of 3 machines installed:\n {2}web1 +installed +log \/logs\/web1\.log/);
  ui.app.unmount();
});

test('Space unmarks a machine and --only pre-marks; Ctrl-C before the confirmation installs nothing', async () => {
  const { machine, ui } = await wizardOnEndedSearch(['--only', 'web1,web2']);
  const found = await ui.waitFor(/2 marked/);
  assert.match(found, /\[ \] web3/);
  await ui.press(' ');
  await ui.waitFor(/\[ \] web1/);
  await ui.press(keys.enter);
  await ui.waitFor(/Installing 1 machine will erase 1 disk, as listed above\.\nType 1 to install it:/);
  await ui.press(keys.ctrlC);
  const { code, farewell } = await ui.end;
  assert.equal(code, ExitCode.aborted);
  assert.deepEqual(machine.confirmed, []);
  assert.match(farewell!, /0 of 1 machines installed:\n {2}web2 +aborted +not installed: quit before the confirmation\nNothing was installed\.$/);
  assert.doesNotMatch(farewell!, /--resume/, 'nothing ran: nothing to resume');
  ui.app.unmount();
});

test('Ctrl-C while installing: the queued machine never starts, the running one is asked to stop', async () => {
  const { machine, ui } = await wizardOnEndedSearch(['--concurrency', '1', '--only', 'web1,web2']);
  await ui.waitFor(/2 marked/);
  // ↓ and Space in one chunk: Space marks the row ↓ moved to (web2 stays marked, web3 gets its mark).
  ui.app.stdin.write(`${keys.down}${keys.down} `);
  await ui.waitFor(/3 marked/);
  await ui.press(' ');
  await ui.waitFor(/2 marked/);
  await ui.press(keys.enter);
  await ui.waitFor(/Type 2 to install them/);
  await ui.press('2', keys.enter);
  await ui.waitFor(/○ 1 waiting for a free slot: web2/);
  await ui.press(keys.ctrlC);
  await ui.waitFor(/Stopping after the running commands; waiting machines never start/);
  machine.release('web1');
  const { code, farewell } = await ui.end;
  assert.equal(code, ExitCode.aborted);
  assert.deepEqual(machine.confirmed, ['web1 /dev/sda']);
  assert.match(farewell!, /web2 +aborted +stopped \(Ctrl-C\) before anything was written/);
  ui.app.unmount();
});

test('20 machines in 80×24: every row is reachable, none is dropped, and every screen fits the terminal', async () => {
  const { machine, ui, machines } = await wizardOnEndedSearch([], 20, { columns: 80, rows: 24 });
  const fits = (frame: string) => assert.ok(frame.split('\n').length <= 23, `${frame.split('\n').length} lines:\n${frame}`);
  let frame = await ui.waitFor(/20 of 20 machines found \(21 installers answered\); 20 marked/);
  fits(frame);
  assert.match(frame, /↓ \d+ more/);
  const seen = new Set<string>();
  for (let i = 0; i < 20; i++) {
    frame = ui.frame();
    fits(frame);
    for (const [, host] of frame.matchAll(/\[x\] (web\d+)/g)) seen.add(host!);
    await ui.press(keys.down);
  }
  assert.equal(seen.size, 20, `rows never shown: ${machines.map((m) => m.host).filter((h) => !seen.has(h))}`);
  await ui.press(keys.enter);
  frame = await ui.waitFor(/Type 20 to install them:/);
  fits(frame);
  assert.match(frame, /^20 plans ready of 20$/m);
  // → reads the highlighted machine whole, a page at a time.
  await ui.press(keys.right);
  frame = await ui.waitFor(/^web1 · installer 52:54:00:47:00:01/m);
  fits(frame);
  await ui.press(keys.left, keys.ctrlC);
  assert.equal((await ui.end).code, ExitCode.aborted);
  assert.deepEqual(machine.confirmed, []);
  ui.app.unmount();
});

test('review: → reads all a machine said (warnings first), d plans it again on another disk, x leaves one out', async () => {
  const { machine, ui } = await wizardOnEndedSearch(['--concurrency', '3']);
  await ui.waitFor(/3 marked/);
  await ui.press(keys.enter);
  let frame = await ui.waitFor(/Type 3 to install them:/);
  assert.match(frame, /web1 +✔ \/dev\/sda, 20\.0 GB QEMU HARDDISK \(the largest eligible disk; 2 eligible, d chooses\)/);
  assert.match(frame, /web2 .* ! 1 warning/);

  await ui.press(keys.down, keys.right);
  frame = await ui.waitFor(/^web2 · /m);
  assert.match(frame, /Warnings:\n +! the console keymap is us\n/);
  assert.match(frame, /Installing on web2\nDisk: \/dev\/sda/);
  await ui.press(keys.left, 'd');
  frame = await ui.waitFor(/Plan web2 on which disk\?/);
  assert.match(frame, /ata-A \(20 GB, sata; empty\) \(planned on now\)\n.*ata-B \(40 GB, sata; holds ext4\)/);
  assert.doesNotMatch(frame, /usb-C/, 'an ineligible disk is not offered');
  // ↓ and Enter in one chunk (tmux, SSH): Enter takes the row ↓ moved to.
  ui.app.stdin.write(`${keys.down}${keys.enter}`);
  await ui.waitFor(/web2 +✔ \/dev\/sdb, 20\.0 GB/);

  await ui.press(keys.down, 'x');
  frame = await ui.waitFor(/web3 +left out: not installed/);
  assert.match(frame, /Type 2 to install them:/);
  await ui.press('2', keys.enter);
  await ui.waitFor(/building the system of web1/);
  machine.release('web1');
  machine.release('web2');
  const { code, farewell } = await ui.end;
  assert.equal(code, ExitCode.ok, 'leaving a machine out is a choice, not a failure');
  assert.deepEqual(machine.planned, ['web1 /dev/sda', 'web2 /dev/sda', 'web3 /dev/sda', 'web2 /dev/sdb']);
  assert.deepEqual(machine.confirmed.sort(), ['web1 /dev/sda', 'web2 /dev/sdb']);
  assert.match(farewell!, /^2 of 3 machines installed:\n/);
  assert.match(farewell!, /web3 +left out +left out at review/);
  ui.app.unmount();
});

test('Ctrl-C twice while installing: the wizard ends at once with where every machine stands', async () => {
  const { machine, ui } = await wizardOnEndedSearch(['--only', 'web1']);
  await ui.waitFor(/1 marked/);
  await ui.press(keys.enter);
  await ui.waitFor(/Type 1 to install it/);
  await ui.press('1', keys.enter);
  await ui.waitFor(/building the system of web1/);
  await ui.press(keys.ctrlC);
  await ui.waitFor(/Ctrl-C quit at once/);
  await ui.press(keys.ctrlC);
  const { code, farewell } = await ui.end;
  assert.equal(code, ExitCode.aborted);
  assert.match(farewell!, /web1 +aborted +quit while stopping\nContinue the stopped ones with:\n {2}nixos-bootstrap install --hosts \S+ --only web1 --resume/);
  assert.match(farewell!, /Quit while stopping: a machine stopped mid-run may still have \/mnt mounted or LUKS open\.$/);
  machine.release('web1');
  ui.app.unmount();
});

test('FleetRun: a machine stuck planning is left out at once (its install is told to stop), and a left-out machine never runs, even if its old attempt ends late', async () => {
  const { fleet, machines } = await fleetOf(['--concurrency', '2'], 2);
  const stopped: string[] = [];
  const wrote: string[] = [];
  const run: RunMachine = async (machine, _installer, _fleet, stop, { confirm }) => {
    if (machine.host === 'web1') {
      // Stuck probing until told to stop; then it takes a while to close its session.
      await new Promise<void>((resolve) => stop.addEventListener('abort', () => resolve(), { once: true }));
      stopped.push(machine.host);
      await pause(50);
      return { host: machine.host, exitCode: ExitCode.refused, status: 'refused', message: 'probe stopped' };
    }
    try {
      await confirm!(planFor(machine.host, machine.request.disk ?? '/dev/sda'));
    } catch (error) {
      await pause(50);
      return { host: machine.host, exitCode: ExitCode.aborted, status: 'aborted', message: (error as Error).message };
    }
    wrote.push(`${machine.host} ${machine.request.disk ?? '/dev/sda'}`);
    return { host: machine.host, exitCode: ExitCode.ok, status: 'installed', ran: true };
  };
  const fleetRun = fleetRunOf(fleet, machines, run);
  await pause(20);
  assert.equal(fleetRun.planned, false, 'web1 is still planning');
  fleetRun.exclude('web1');
  assert.equal(fleetRun.planned, true, 'leaving out the stuck machine lets the confirmation be asked');
  // web2 planned again on another disk, then left out before its new plan is made.
  fleetRun.chooseDisk('web2', '/dev/sdb');
  fleetRun.exclude('web2');
  fleetRun.chooseDisk('web2', '/dev/sdc');
  fleetRun.confirm();
  const results = await fleetRun.results;
  assert.deepEqual(
    results.map((r) => [r.host, r.status]),
    [
      ['web1', 'left out'],
      ['web2', 'left out'],
    ],
  );
  await pause(120);
  assert.deepEqual(stopped, ['web1'], "the stuck machine's install was told to stop");
  assert.deepEqual(wrote, [], 'nothing left out ran');
});

test('FleetRun: a machine left out while its plan waits for the confirmation ends at once, not when the others are confirmed', async () => {
  const { fleet, machines } = await fleetOf(['--concurrency', '2'], 2);
  const ended: string[] = [];
  const run: RunMachine = async (machine, _installer, _fleet, _stop, { confirm }) => {
    try {
      await confirm!(planFor(machine.host, '/dev/sda'));
    } catch (error) {
      ended.push(`${machine.host}: ${(error as Error).message}`);
      return { host: machine.host, exitCode: ExitCode.aborted, status: 'aborted', message: (error as Error).message };
    }
    return { host: machine.host, exitCode: ExitCode.ok, status: 'installed', ran: true };
  };
  const fleetRun = fleetRunOf(fleet, machines, run);
  await pause(20);
  assert.equal(fleetRun.planned, true);
  fleetRun.exclude('web1');
  await pause(20);
  // Its install (session, probe) is released now, while web2 still waits for the number.
  assert.deepEqual(ended, ['web1: not installed: left out at review']);
  fleetRun.confirm();
  assert.deepEqual(
    (await fleetRun.results).map((r) => [r.host, r.status]),
    [
      ['web1', 'left out'],
      ['web2', 'installed'],
    ],
  );
});
