// The VM installer's building blocks that need no VM: the cpio writer (checked with GNU cpio),
// the ISO 9660 boot medium (checked with blkid), the qemu command line and the per-lab config.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { writeCpio } from '../../source/lab/vm/cpio-newc.js';
import { configEntries } from '../../source/lab/vm/config-archive.js';
import { bootMediumLabel } from '../../source/lab/vm/guest-files.js';
import { qemuArgs, type QemuLayout } from '../../source/lab/vm/qemu-command.js';
import { bootMediumSizeBytes, createBootMedium } from '../../source/lab/vm/vm-disks.js';

async function withTempDir(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'nbv-formats-'));
  try {
    await body(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('cpio: parents come before children, modes and symlinks survive, host files are copied', async () => {
  await withTempDir(async (dir) => {
    const source = join(dir, 'source.bin');
    await writeFile(source, Buffer.from([0, 1, 2, 3, 4]));
    const archive = join(dir, 'out.cpio');
    await writeCpio(archive, [
      { kind: 'dir', path: 'root', mode: 0o700 },
      { kind: 'file', path: '/root/.ssh/authorized_keys', data: 'ssh-ed25519 AAAA test\n', mode: 0o600 },
      { kind: 'host-file', path: 'usr/bin/tool', source, mode: 0o755 },
      { kind: 'symlink', path: 'bin', target: 'usr/bin' },
    ]);
    const listing = (await execa('cpio', ['-t', '-v', '--quiet', '-F', archive])).stdout.split('\n');
    const names = listing.map((line) =>
      line
        .replace(/ -> .*$/, '')
        .split(/\s+/)
        .at(-1),
    );
    assert.deepEqual(names, ['root', 'root/.ssh', 'root/.ssh/authorized_keys', 'usr', 'usr/bin', 'usr/bin/tool', 'bin']);
    assert.match(listing[0]!, /^drwx------ /);
    assert.match(listing[1]!, /^drwxr-xr-x /, 'an implied parent is 0755');
    assert.match(listing[2]!, /^-rw------- .* 22 /);
    assert.match(listing[5]!, /^-rwxr-xr-x .* 5 /);
    assert.match(listing[6]!, /^lrwxrwxrwx .* bin -> usr\/bin$/);
    const extracted = join(dir, 'x');
    await execa('sh', ['-c', `mkdir ${extracted} && cd ${extracted} && cpio -i -d --quiet -F ${archive}`]);
    assert.equal((await execa('cat', [join(extracted, 'root/.ssh/authorized_keys')])).stdout, 'ssh-ed25519 AAAA test');
    assert.equal((await execa('od', ['-An', '-tu1', join(extracted, 'usr/bin/tool')])).stdout.trim(), '0   1   2   3   4');
  });
});

test('cpio: adding the same file twice is an error, not a silent overwrite', async () => {
  await withTempDir(async (dir) => {
    await assert.rejects(
      writeCpio(join(dir, 'dup.cpio'), [
        { kind: 'file', path: 'etc/x', data: 'a', mode: 0o644 },
        { kind: 'file', path: '/etc/x', data: 'b', mode: 0o644 },
      ]),
      /added twice/,
    );
  });
});

test('the boot medium is an ISO 9660 filesystem with the NixOS minimal ISO label', async () => {
  await withTempDir(async (dir) => {
    const image = join(dir, 'boot.img');
    await createBootMedium(image);
    const probe = (await execa('blkid', ['-p', '-o', 'export', image])).stdout;
    assert.match(probe, /^TYPE=iso9660$/m);
    assert.match(probe, new RegExp(`^LABEL=${bootMediumLabel}$`, 'm'));
    assert.match(probe, /^UUID=2024-11-30-00-00-00-00$/m);
    assert.equal((await execa('stat', ['-c', '%s', image])).stdout, String(bootMediumSizeBytes));
  });
});

const layout: QemuLayout = {
  name: 'nb-x-vm',
  efi: false,
  kernel: '/c/vmlinux',
  initrd: '/s/initrd',
  append: 'console=ttyS0',
  consoleSocket: '/s/c.sock',
  consoleLog: '/s/c.log',
  pidFile: '/s/q.pid',
  internalDisk: { image: '/i/internal.img', serial: 'NB-LAB-DISK0' },
  bootMedium: { image: '/i/boot.img', serial: 'NB-LAB-USB0' },
  tap: 'vm0',
  mac: '52:54:00:00:00:47',
  memoryMiB: 1024,
  cpus: 1,
};

test('qemu: TCG with -cpu max, no default devices, serial console to a log, disks with serials', () => {
  const args = qemuArgs(layout).join(' ');
  assert.match(args, /-accel tcg -cpu max /);
  assert.match(args, / -nodefaults .* -display none -no-reboot /);
  assert.match(args, /-bios \/usr\/share\/qemu\/qboot\.rom/);
  assert.match(args, /logfile=\/s\/c\.log/);
  assert.match(args, /virtio-blk-pci,drive=internal,serial=NB-LAB-DISK0/);
  assert.match(args, /-device qemu-xhci,id=xhci .*usb-storage,bus=xhci\.0,drive=bootmedium,removable=on,serial=NB-LAB-USB0/);
  assert.match(args, /tap,id=lan,ifname=vm0,script=no,downscript=no .*virtio-net-pci,netdev=lan,mac=52:54:00:00:00:47/);
  assert.doesNotMatch(args, /pflash|enable-kvm|accel kvm/);
});

test('qemu: EFI boots OVMF code read-only with a per-lab variable store, and refuses without one', () => {
  const args = qemuArgs({ ...layout, efi: true, kernel: '/c/vmlinuz', ovmfVars: '/s/vars.fd' }).join(' ');
  assert.match(args, /if=pflash,format=raw,unit=0,readonly=on,file=\/usr\/share\/OVMF\/OVMF_CODE_4M\.fd/);
  assert.match(args, /if=pflash,format=raw,unit=1,file=\/s\/vars\.fd/);
  assert.doesNotMatch(args, /qboot/);
  assert.throws(() => qemuArgs({ ...layout, efi: true }), /variable store/);
});

const baseConfig = {
  hostname: 'bootstrap',
  hostKey: '-----BEGIN OPENSSH PRIVATE KEY-----\nx\n-----END OPENSSH PRIVATE KEY-----',
  hostPublicKey: 'ssh-ed25519 AAAA host',
  authorizedKeys: 'ssh-ed25519 AAAA lab',
};
const fileOf = (entries: ReturnType<typeof configEntries>, path: string) => {
  const entry = entries.find((e) => e.path === path);
  assert.ok(entry && entry.kind === 'file', `no ${path}`);
  return entry;
};

test('per-lab config: key-only by default (root not locked, which would stop key logins too)', () => {
  const entries = configEntries(baseConfig);
  const shadow = fileOf(entries, 'etc/shadow');
  assert.equal(shadow.mode, 0o600);
  assert.match(String(shadow.data), /^root:\*:/);
  assert.match(String(fileOf(entries, 'etc/ssh/sshd_config').data), /^PasswordAuthentication no$/m);
  assert.equal(fileOf(entries, 'etc/ssh/ssh_host_ed25519_key').mode, 0o600);
  assert.equal(fileOf(entries, 'root/.ssh/authorized_keys').data, 'ssh-ed25519 AAAA lab\n');
  assert.match(String(fileOf(entries, 'etc/avahi/avahi-daemon.conf').data), /^host-name=bootstrap$/m);
  const root = entries.find((e) => e.path === 'root/.ssh');
  assert.ok(root && root.kind === 'dir' && root.mode === 0o700);
});

test('per-lab config: without a host key it says the boot medium brings one (the VM fails to boot if not)', () => {
  const entries = configEntries({ ...baseConfig, hostKey: undefined, hostPublicKey: undefined });
  assert.equal(
    entries.some((e) => e.path.startsWith('etc/ssh/ssh_host_')),
    false,
  );
  fileOf(entries, 'etc/lab/host-key-on-medium');
  assert.equal(
    configEntries(baseConfig).some((e) => e.path === 'etc/lab/host-key-on-medium'),
    false,
  );
});

test('per-lab config: a password hash enables password login; bad names and hashes are refused', () => {
  const hash = '$6$salt$abcdefghijklmnop';
  const entries = configEntries({ ...baseConfig, passwordHash: hash });
  assert.match(String(fileOf(entries, 'etc/shadow').data), new RegExp(`^root:${hash.replace(/\$/g, '\\$')}:`));
  assert.match(String(fileOf(entries, 'etc/ssh/sshd_config').data), /^PasswordAuthentication yes$/m);
  assert.throws(() => configEntries({ ...baseConfig, hostname: 'bad name' }), /not a valid host name/);
  assert.throws(() => configEntries({ ...baseConfig, passwordHash: 'plain:text' }), /crypt\(3\) hash/);
});
