// Ctrl-C / SIGTERM during an install: the running command is stopped only if it is safe to stop
// (nixos-install), the mounts and the LUKS mapping this run made are undone, the message says
// where it stopped and how to resume, the exit code is 130 — and --resume then finishes.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { LabHandle, startLab, stopLab } from './lab-fixture.js';
import { records, resetVm, spawnCli } from './vm-lab.js';

const id = 'nba';
const work = '/root/work';
const passphrase = 'abort test passphrase';
let lab: LabHandle;

before(async () => {
  lab = await startLab({ id, installers: [], vm: {} });
  const setup = await lab.laptop(['bash', '-c', `mkdir -p ${work} && printf '%s' '${passphrase}' > ${work}/pass`]);
  assert.equal(setup.exitCode, 0, setup.stderr);
});
after(async () => {
  await stopLab(lab, id);
});

test('SIGTERM during nixos-install: cleaned up, exit 130, resumable', async () => {
  await resetVm(lab);
  await lab.vmSsh('echo 200 > /run/lab/nixos-install.lines; echo 100 > /run/lab/nixos-install.delay-ms');
  let cliPid: number | undefined;
  const args = [
    'install',
    `root@${lab.vmAddress()}`,
    '--flake',
    'github:me/c#web',
    '--luks',
    '--luks-passphrase-file',
    `${work}/pass`,
    '--luks-iter-time',
    '200',
    '--age-key',
    'none',
    '--finish',
    'none',
    '--yes',
    '--json',
  ];
  const run = spawnCli(
    lab,
    args,
    (record) => {
      if (cliPid === undefined && record.type === 'output' && record.id === 'install' && String(record.line).includes('lab-package-3')) {
        cliPid = findCli();
        process.kill(cliPid, 'SIGTERM');
      }
    },
    work,
  );
  const result = await run;
  assert.ok(cliPid, 'never reached the install');
  assert.equal(result.exitCode, 130, result.stderr);
  const events = records(result.stdout);
  const aborted = events.find((e) => e.type === 'aborted')!;
  assert.equal(aborted.id, 'install');
  assert.match(String(aborted.message), /stopped during 'Install NixOS'.*nixos-bootstrap install --resume/);
  assert.ok(!events.some((e) => e.type === 'phase-done' && e.id === 'install'));
  // This run's mounts and mapping are gone; nothing else was done after the abort.
  // (By process name: a pattern match on command lines would find this very check.)
  const state = await lab.vmSsh(
    'findmnt -n /mnt || echo unmounted; cryptsetup status cryptroot >/dev/null 2>&1 && echo open || echo closed; swapon --show --noheadings | wc -l; grep -lx nixos-install /proc/[0-9]*/comm 2>/dev/null | wc -l',
  );
  assert.equal(state.stdout, 'unmounted\nclosed\n0\n0\n');
  await lab.vmSsh('rm -f /run/lab/nixos-install.lines /run/lab/nixos-install.delay-ms');
  const resumed = await lab.cli(['install', '--resume', `root@${lab.vmAddress()}`, '--luks-passphrase-file', `${work}/pass`, '--json'], { cwd: work });
  assert.equal(resumed.exitCode, 0, resumed.stderr);
  const again = records(resumed.stdout);
  assert.deepEqual(
    again.filter((e) => e.type === 'phase-skip').map((e) => e.id),
    ['partition', 'luks-format', 'format'],
  );
  assert.deepEqual(
    again.filter((e) => e.type === 'phase-done').map((e) => e.id),
    ['luks-open', 'mount', 'install', 'finish'],
  );
});

/** The CLI's pid: the node process running dist/cli.js install inside the lab (env and nsenter exec it in place). */
function findCli(): number {
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      if (cmdline.some((a) => a.endsWith('dist/cli.js')) && cmdline.includes('install') && !cmdline.includes('--resume')) return Number(pid);
    } catch {
      // gone
    }
  }
  throw new Error('the CLI process was not found');
}
