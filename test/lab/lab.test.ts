// Issue 2's promise: the lab is a real installer reachable from the laptop namespace, and
// `lab down` leaves nothing behind.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { LabHandle, assertLabGone, sshOptions, startLab, stopLab } from './lab-fixture.js';

const id = 'nbt';
let lab: LabHandle;

before(async () => {
  lab = await startLab({ id, installers: [{ ipv4: true }] });
});
after(async () => {
  await stopLab(lab, id);
});

test('ssh root@fe80::47%<if> from the laptop reaches an installer (VARIANT_ID=installer)', async () => {
  const result = await lab.ssh(1, 'grep ^VARIANT_ID= /etc/os-release; hostname');
  assert.equal(result.exitCode, 0, result.stderr);
  assert.equal(result.stdout, 'VARIANT_ID=installer\nbootstrap\n');
});

test('ssh root@bootstrap.local resolves through mDNS (nss-mdns + avahi) to the same installer', async () => {
  const result = await lab.laptop(['ssh', ...sshOptions, 'root@bootstrap.local', 'cat /etc/hostname']);
  assert.equal(result.exitCode, 0, result.stderr);
  assert.equal(result.stdout.trim(), 'bootstrap');
  const resolved = await lab.laptop(['avahi-resolve', '-4', '-n', 'bootstrap.local']);
  assert.match(resolved.stdout, /^bootstrap\.local\s+10\.47\.1\.2$/m);
});

test('the installer sees only its lab disks, and GPT can be written to the internal one', async () => {
  const internal = lab.installerState(1).disks.find((d) => d.role === 'internal')!;
  const listed = await lab.ssh(1, 'lsblk -dn -o NAME');
  const expected = lab
    .installerState(1)
    .disks.map((d) => d.device.replace('/dev/', ''))
    .sort();
  assert.deepEqual(listed.stdout.trim().split('\n').sort(), expected);
  const gpt = await lab.ssh(1, `sgdisk -n1:1M:+64M -t1:EF00 -c1:boot -n2:0:0 -t2:8300 -c2:nixos ${internal.device} && sgdisk -p ${internal.device}`);
  assert.equal(gpt.exitCode, 0, gpt.stderr);
  assert.match(gpt.stdout, /^\s+1\s+2048\s+\d+\s.*EF00\s+boot$/m);
  assert.match(gpt.stdout, /^\s+2\s+\d+\s+\d+\s.*8300\s+nixos$/m);
  // The bytes really landed in the lab's image file, not somewhere else.
  const fromHost = await lab.laptop(['sgdisk', '-p', internal.image]);
  assert.match(fromHost.stdout, /EF00\s+boot/);
});

test("the installer's boot medium is mounted at /iso, and /mnt is private to the installer", async () => {
  const iso = await lab.ssh(1, 'findmnt -n -o SOURCE /iso; mount -t tmpfs probe /mnt && findmnt -n -o TARGET /mnt');
  const boot = lab.installerState(1).disks.find((d) => d.role === 'boot-medium')!;
  assert.equal(iso.stdout, `${boot.device}\n/mnt\n`);
  const onLaptop = await lab.laptop(['findmnt', '-n', '/mnt']);
  assert.equal(onLaptop.stdout, '', 'a mount made on the installer is visible on the laptop');
});

test('the nixos-install stand-in records its call, refuses an unmounted root and a local flake without flake.nix', async () => {
  const refused = await lab.ssh(1, 'umount /mnt 2>/dev/null; nixos-install --flake /cfg#web --root /mnt');
  assert.notEqual(refused.exitCode, 0);
  assert.match(refused.stderr, /\/mnt is not a mount point/);
  const noFlake = await lab.ssh(1, 'mount -t tmpfs root /mnt && nixos-install --flake /cfg#web --root /mnt');
  assert.notEqual(noFlake.exitCode, 0);
  assert.match(noFlake.stderr, /path '\/cfg' does not contain a 'flake\.nix'/);
  const ok = await lab.ssh(
    1,
    'mkdir -p /cfg && echo "{ }" > /cfg/flake.nix && nixos-install --flake /cfg#web --root /mnt --no-root-passwd && cat /mnt/etc/nixos-install.lab-stand-in',
  );
  assert.equal(ok.exitCode, 0, ok.stderr);
  assert.match(ok.stdout, /installation finished!/);
  assert.match(ok.stdout, /lab stand-in install of \/cfg#web/);
  const argv = lab.readInstallerFile(1, '/run/lab/calls/nixos-install.2/cmdline').split('\0');
  assert.deepEqual(argv.slice(-6, -1), ['--flake', '/cfg#web', '--root', '/mnt', '--no-root-passwd']);
});

test('lab up twice is a clear message, and lab down with nothing up is too', async () => {
  const twice = await lab.cli(['lab', 'up', '--id', id]);
  assert.equal(twice.exitCode, 2);
  assert.match(twice.stderr, new RegExp(`lab '${id}' is already up`));
  const nothing = await lab.cli(['lab', 'down', '--id', 'nbnone']);
  assert.equal(nothing.exitCode, 0);
  assert.match(nothing.stdout, /lab 'nbnone' is not up: nothing to remove/);
});

test('lab up and lab down through the CLI leave nothing behind', async () => {
  const cliLab = 'nbtc';
  const up = await lab.cli(['lab', 'up', '--id', cliLab, '--installers', '2']);
  try {
    assert.equal(up.exitCode, 0, up.stderr);
    assert.match(up.stdout, /installer 2: bootstrap\.local/);
    const status = await lab.cli(['lab', 'status', '--id', cliLab, '--json']);
    assert.equal(JSON.parse(status.stdout).installers.length, 2);
  } finally {
    const down = await lab.cli(['lab', 'down', '--id', cliLab]);
    assert.equal(down.exitCode, 0, down.stderr);
  }
  await assertLabGone(cliLab);
});

test('poweroff and reboot on a netns installer are recorded, never run (they share this kernel)', async () => {
  const result = await lab.ssh(1, 'poweroff; reboot -f; /usr/sbin/poweroff; cat /run/lab/calls/power');
  assert.equal(result.exitCode, 0, result.stderr);
  assert.equal(result.stdout, 'poweroff \nreboot -f\npoweroff \n');
});
