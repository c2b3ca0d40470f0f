// Issue 9, promise 3: faults during an install on the VM installer. Each fault gives a clear
// message naming the phase, no reboot, nothing half-written presented as done, and --resume
// finishes the install correctly. The cut-and-resume case runs ten times, at rotating phases.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { execa } from 'execa';
import { LabHandle, startLab, stopLab } from './lab-fixture.js';
import { diskDigest } from './disk-digest.js';
import { cutFromLaptop, records, resetVm, spawnCli, vmBootId, type NdjsonRecord } from './vm-lab.js';

const id = 'nbf';
const work = '/root/work';
let lab: LabHandle;
let recipient: string;
let identity: string;
let bootMediumDigest: string;

before(async () => {
  lab = await startLab({ id, installers: [], vm: {} });
  const setup = await lab.laptop(['bash', '-c', `mkdir -p ${work} && age-keygen -o ${work}/host.agekey 2>/dev/null && age-keygen -y ${work}/host.agekey`]);
  assert.equal(setup.exitCode, 0, setup.stderr);
  recipient = setup.stdout.trim();
  identity = readFileSync(`${lab.state.laptop.home}/work/host.agekey`, 'utf8');
  bootMediumDigest = diskDigest(lab.state.vm!.disks.find((d) => d.role === 'boot-medium')!.image);
});
after(async () => {
  // The boot medium was never written, whatever failed (promise 2).
  if (lab) assert.equal(diskDigest(lab.state.vm!.disks.find((d) => d.role === 'boot-medium')!.image), bootMediumDigest);
  await stopLab(lab, id);
});

const installArgs = () => [
  'install',
  `root@${lab.vmAddress()}`,
  '--flake',
  'github:me/c#web',
  '--age-key',
  `${work}/host.agekey`,
  '--swap',
  '128M',
  '--finish',
  'none',
  '--yes',
  '--json',
];

const titles: Record<string, string> = {
  partition: 'Partition the disk',
  format: 'Create filesystems',
  mount: 'Mount the new system under /mnt',
  install: 'Install NixOS',
  'age-key': 'Hand off the age key to the new system',
};

/** Runs an install and injects `fault` once `trigger` matches an event; returns the outcome. */
async function installWithFault(trigger: (record: NdjsonRecord) => boolean, fault: () => Promise<void>) {
  let fired: Promise<void> | undefined;
  const result = await spawnCli(
    lab,
    installArgs(),
    (record) => {
      if (!fired && trigger(record)) fired = fault();
    },
    work,
  );
  assert.ok(fired, 'the fault was never injected');
  await fired;
  return { result, events: records(result.stdout) };
}

/** What a finished install leaves: partitions, filesystems, the stand-in's record and the key. */
async function assertInstalled(): Promise<void> {
  const check = await lab.vmSsh(
    [
      'sgdisk -p /dev/vda | grep -cE " (bios|boot|swap|nixos)$"',
      'mount /dev/vda4 /mnt && stat -c "%a %U" /mnt/etc/age /mnt/etc/age/web.agekey && cat /mnt/etc/nixos-install.lab-stand-in && cat /mnt/etc/age/web.agekey; umount /mnt',
    ].join('; '),
  );
  assert.equal(check.exitCode, 0, check.stderr);
  assert.match(check.stdout, /^4\n700 root\n600 root\nlab stand-in install of github:me\/c#web\n/);
  const written = check.stdout.match(/AGE-SECRET-KEY-1[0-9A-Z]+/)?.[0];
  assert.ok(written && identity.includes(written), 'the key on the new system is not the one handed off');
}

async function journalCompleted(): Promise<string[]> {
  const text = await lab.laptop(['bash', '-c', 'cat /root/.local/state/nixos-bootstrap/runs/*.json']);
  return (JSON.parse(text.stdout) as { completed: string[] }).completed;
}

/** After a failed run: the phase is named, nothing rebooted, the failed phase is not recorded as done; then resume. */
async function assertFailedThenResume(events: NdjsonRecord[], exitCode: number, expectedPhase: string | string[], bootId: string): Promise<void> {
  assert.equal(exitCode, 1, `expected the run to fail; events: ${JSON.stringify(events.slice(-3))}`);
  const failed = events.find((e) => e.type === 'phase-failed')!;
  assert.ok([expectedPhase].flat().includes(String(failed.id)), `failed in ${failed.id}, expected ${expectedPhase}`);
  assert.ok(String(failed.message).startsWith(`${titles[String(failed.id)]} failed: `), String(failed.message));
  assert.ok(!(await journalCompleted()).includes(String(failed.id)), `${failed.id} recorded as done after failing`);
  assert.equal(await vmBootId(lab), bootId, 'the installer rebooted');
  assert.ok(!events.some((e) => e.type === 'command' && /poweroff|reboot/.test(String(e.command))), 'a power command ran after a failure');
  const resumed = await lab.cli(['install', '--resume', `root@${lab.vmAddress()}`, '--json'], { cwd: work });
  assert.equal(resumed.exitCode, 0, resumed.stderr + resumed.stdout.slice(-1500));
  const again = records(resumed.stdout);
  assert.ok(
    again.some((e) => e.type === 'phase-done' && e.id === failed.id),
    `the resume did not redo ${failed.id}`,
  );
  await assertInstalled();
}

/** Polls the VM's sshd until a login works again (it restarts in the background). */
async function waitForSshd(timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const probe = await lab.vmSsh('true');
    if (probe.exitCode === 0) return;
    assert.ok(Date.now() < deadline, `sshd did not come back: ${probe.stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const onCommand = (phase: string, pattern: RegExp) => (r: NdjsonRecord) => r.type === 'command' && r.id === phase && pattern.test(String(r.command));
const onInstallOutput = (r: NdjsonRecord) => r.type === 'output' && r.id === 'install' && String(r.line).includes('lab-package-5');
const slowInstall = () => lab.vmSsh('echo 40 > /run/lab/nixos-install.lines; echo 100 > /run/lab/nixos-install.delay-ms');

test('connection cut during partitioning', async () => {
  await resetVm(lab);
  const bootId = await vmBootId(lab);
  const { result, events } = await installWithFault(onCommand('partition', /sgdisk -n/), () => cutFromLaptop(lab));
  await assertFailedThenResume(events, result.exitCode, 'partition', bootId);
});

test('connection cut during nixos-install', async () => {
  await resetVm(lab);
  await slowInstall();
  const bootId = await vmBootId(lab);
  const { result, events } = await installWithFault(onInstallOutput, () => cutFromLaptop(lab));
  await assertFailedThenResume(events, result.exitCode, 'install', bootId);
});

test('connection cut during the key hand-off: no half-written key is presented as done', async () => {
  await resetVm(lab);
  const bootId = await vmBootId(lab);
  const { result, events } = await installWithFault(onCommand('age-key', /cat > /), () => cutFromLaptop(lab));
  const left = await lab.vmSsh('ls -a /mnt/etc/age 2>/dev/null; test -e /mnt/etc/age/web.agekey && age-keygen -y /mnt/etc/age/web.agekey 2>/dev/null; true');
  // Either the key is not in place, or it is there whole: never a partial file under its name.
  if (left.stdout.includes('web.agekey\n')) assert.match(left.stdout, new RegExp(recipient));
  await assertFailedThenResume(events, result.exitCode, 'age-key', bootId);
});

test('sshd restarted during nixos-install', async () => {
  await resetVm(lab);
  await slowInstall();
  const bootId = await vmBootId(lab);
  // The restart runs detached: killing the sessions also ends the one that asked for it, and that
  // must not stop sshd from coming back. Then wait until it answers, as a user's retry would.
  const restartScript =
    'kill "$(cat /run/sshd.pid)"; for d in /proc/[0-9]*; do read -r -d "" c < "$d/cmdline" 2>/dev/null; case "$c" in "sshd: root"*) kill -9 "${d#/proc/}";; esac; done; /usr/sbin/sshd -r -E /run/sshd.log';
  const restart = async () => {
    await lab.vmSsh(`setsid -f bash -c '${restartScript}' </dev/null >/dev/null 2>&1`);
    await waitForSshd();
  };
  const { result, events } = await installWithFault(onInstallOutput, restart);
  await assertFailedThenResume(events, result.exitCode, 'install', bootId);
});

test("the installer's link down for 5 s during nixos-install", async () => {
  await resetVm(lab);
  await slowInstall();
  const bootId = await vmBootId(lab);
  const laptopNs = lab.state.laptop.netns;
  const tap = lab.state.vm!.tap;
  const flap = async () => {
    await execa('ip', ['-n', laptopNs, 'link', 'set', tap, 'down']);
    await new Promise((resolve) => setTimeout(resolve, 5000));
    await execa('ip', ['-n', laptopNs, 'link', 'set', tap, 'up']);
  };
  const { result, events } = await installWithFault(onInstallOutput, flap);
  // The run may ride the outage out (TCP retransmits, the session reconnects between commands),
  // or stop in the install; either way the result must be a correct install.
  if (result.exitCode === 0) {
    assert.ok(events.some((e) => e.type === 'run-done'));
    await assertInstalled();
  } else {
    await assertFailedThenResume(events, result.exitCode, ['install', 'age-key', 'finish'], bootId);
  }
});

const rotation: [string, RegExp][] = [
  ['partition', /sgdisk --zap-all/],
  ['format', /mkfs\.ext4/],
  ['mount', /mount \/dev/],
  ['install', /nixos-install/],
  ['age-key', /cat > /],
];

test('cut and resume, ten times, at rotating phases', async () => {
  for (let round = 0; round < 10; round += 1) {
    const [phase, pattern] = rotation[round % rotation.length]!;
    await resetVm(lab);
    if (phase === 'install') await slowInstall();
    const bootId = await vmBootId(lab);
    const { result, events } = await installWithFault(onCommand(phase, pattern), () => cutFromLaptop(lab));
    await assertFailedThenResume(events, result.exitCode, phase, bootId).catch((error: Error) => {
      throw new Error(`round ${round + 1} (cut in ${phase}): ${error.message}`);
    });
  }
});
