// Issue 7's finish: --host-key gives the new system its SSH host key (trusted before first boot),
// and --finish reboot --wait waits for the machine to come back and reads its key. In the lab the
// VM reboots into the installer again (its disk holds only the stand-in's install), which is what
// happens on real hardware when the USB stick stays in: the tool must say so.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { LabHandle, startLab, stopLab } from './lab-fixture.js';
import { records } from './vm-lab.js';

const id = 'nbr';
const work = '/root/work';
let lab: LabHandle;

before(async () => {
  lab = await startLab({ id, installers: [], vm: { allowReboot: true } });
  const setup = await lab.laptop(['bash', '-c', `mkdir -p ${work} && ssh-keygen -q -t ed25519 -N '' -C web-host-key -f ${work}/web_host_key`]);
  assert.equal(setup.exitCode, 0, setup.stderr);
});
after(async () => {
  await stopLab(lab, id);
});

test('--host-key is installed and trusted; --finish reboot --wait reports who came back', async () => {
  const publicKey = readFileSync(`${lab.state.laptop.home}/work/web_host_key.pub`, 'utf8').trim();
  const privateKey = readFileSync(`${lab.state.laptop.home}/work/web_host_key`, 'utf8');
  const newFingerprint = (await lab.laptop(['ssh-keygen', '-l', '-E', 'sha256', '-f', `${work}/web_host_key.pub`])).stdout.split(' ')[1];
  const run = await lab.cli(
    [
      'install',
      `root@${lab.vmAddress()}`,
      '--flake',
      'github:me/c#web',
      '--age-key',
      'none',
      '--host-key',
      `${work}/web_host_key`,
      '--finish',
      'reboot',
      '--wait',
      '--wait-timeout',
      '120',
      '--yes',
      '--json',
    ],
    { cwd: work, timeoutMs: 300_000 },
  );
  assert.equal(run.exitCode, 0, run.stderr + run.stdout.slice(-2000));
  const events = records(run.stdout);
  assert.ok(events.some((e) => e.type === 'phase-done' && e.id === 'host-key'));
  const trusted = events.find((e) => e.type === 'host-key-trusted')!;
  assert.deepEqual(trusted.names, ['web', 'web.local']);
  assert.equal(trusted.fingerprint, newFingerprint);
  const known = (await lab.laptop(['cat', '/root/.config/nixos-bootstrap/known_hosts'])).stdout;
  const blob = publicKey.split(' ')[1]!;
  assert.ok(known.includes(`web ssh-ed25519 ${blob}`) && known.includes(`web.local ssh-ed25519 ${blob}`), known);

  const rebooted = events.find((e) => e.type === 'rebooted')!;
  assert.equal(rebooted.fingerprint, lab.state.vm!.hostKeyFingerprint, 'the VM boots the installer again');
  assert.equal(rebooted.sameAsInstaller, true);
  assert.equal(rebooted.matchesHostKey, false);
  assert.match(run.stdout + run.stderr, /"sameAsInstaller":true/);

  // The key pair on the installed system, after the reboot.
  const onDisk = await lab.vmSsh(
    'mount /dev/vda3 /mnt && stat -c "%a %n" /mnt/etc/ssh/ssh_host_ed25519_key /mnt/etc/ssh/ssh_host_ed25519_key.pub && cat /mnt/etc/ssh/ssh_host_ed25519_key; umount /mnt',
  );
  assert.equal(onDisk.exitCode, 0, onDisk.stderr);
  assert.match(onDisk.stdout, /^600 \/mnt\/etc\/ssh\/ssh_host_ed25519_key\n644 \/mnt\/etc\/ssh\/ssh_host_ed25519_key\.pub\n/);
  assert.ok(onDisk.stdout.includes(privateKey.trim()));
  const keyBody = privateKey.split('\n')[1]!;
  assert.ok(!run.stdout.includes(keyBody) && !run.stderr.includes(keyBody), 'the private host key was printed');
});
