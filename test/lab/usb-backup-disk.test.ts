// Issue 14, data safety, on a real kernel: beside the blank virtio disk the VM installer has a
// USB-SATA backup drive that reports itself fixed (RM=0) and holds a data partition. No rule may
// pick it; --yes without --disk is refused with both candidates; active swap makes a disk
// ineligible; a resume refuses a disk that is not the one the run started on.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { diskDigest } from './disk-digest.js';
import { LabHandle, startLab, stopLab } from './lab-fixture.js';
import { records } from './vm-lab.js';

const id = 'nbu';
let lab: LabHandle;
let backup: string;
const target = () => `root@${lab.vmAddress()}`;
const backupImage = () => lab.state.vm!.disks.find((d) => d.role === 'usb-backup')!.image;

before(async () => {
  lab = await startLab({ id, installers: [], vm: { usbBackupDisk: true } });
  // The backup drive: one ext4 partition with someone's files on it.
  const made = await lab.vmSsh(
    [
      'set -e',
      'dev=$(lsblk -dnpo NAME,SERIAL | awk \'$2 == "NB-LAB-BACKUP1" { print $1 }\')',
      'sgdisk -n1:1MiB:+1GiB -t1:8300 -c1:photos -n2:0:+256MiB -t2:8200 -c2:spare "$dev" >/dev/null',
      'partprobe "$dev"; udevadm settle',
      'mkfs.ext4 -q -L backup "${dev}1"; mkswap -q -L spare "${dev}2" >/dev/null',
      'echo "$dev"',
    ].join('\n'),
  );
  assert.equal(made.exitCode, 0, made.stderr);
  backup = made.stdout.trim();
});
after(async () => {
  await stopLab(lab, id);
});

test('the backup drive is what the lab promises: USB, RM=0, a data partition', async () => {
  const seen = await lab.vmSsh(`lsblk -dno TRAN,RM ${backup}; blkid -s LABEL -o value ${backup}1`);
  assert.equal(seen.stdout.replace(/ +/g, ' ').trim(), 'usb 0\nbackup');
});

test('--yes without --disk: refused (exit 3), both candidates listed with what they hold; the backup untouched', async () => {
  const before = diskDigest(backupImage());
  // --dry-run as well: should the refusal ever break, still nothing is written.
  const run = await lab.cli(['install', target(), '--flake', 'github:me/c#web', '--age-key', 'none', '--yes', '--dry-run', '--json']);
  assert.equal(run.exitCode, 3, run.stderr + run.stdout);
  assert.match(run.stderr, /refusing to pick a disk with --yes: 2 disks are eligible/);
  assert.match(run.stderr, /\/dev\/disk\/by-id\/virtio-NB-LAB-DISK0 \(8 GiB, virtio; empty\)/);
  assert.match(run.stderr, /\(16 GiB, usb, external; holds ext4 'backup' on sd.1, swap 'spare' on sd.2\)/);
  assert.ok(!records(run.stdout).some((e) => e.type === 'phase-start'));
  assert.equal(diskDigest(backupImage()), before, 'the backup drive was written');
});

test('without --yes the plan recommends the blank internal disk, never the USB drive', async () => {
  const run = await lab.cli(['install', target(), '--flake', 'github:me/c#web', '--age-key', 'none', '--dry-run', '--json']);
  assert.equal(run.exitCode, 0, run.stderr);
  const disk = records(run.stdout).find((e) => e.type === 'disk')!;
  assert.equal(disk.disk, '/dev/disk/by-id/virtio-NB-LAB-DISK0');
  const candidates = disk.candidates as { path: string; external: boolean; eligible: boolean }[];
  assert.deepEqual(
    candidates.find((c) => c.path === backup),
    {
      path: backup,
      // The wizard's review offers it under this line when asked for another disk: its bus says what it is.
      description: `/dev/disk/by-id/usb-QEMU_QEMU_HARDDISK_NB-LAB-BACKUP1-0:0 (16 GiB, usb, external; holds ext4 'backup' on ${backup.slice(5)}1, swap 'spare' on ${backup.slice(5)}2)`,
      eligible: true,
      why: [],
      external: true,
      contents: ["ext4 'backup' on " + backup.slice(5) + '1', "swap 'spare' on " + backup.slice(5) + '2'],
    },
  );
});

test('a disk with active swap is not eligible, even by name', async () => {
  await lab.vmSsh(`swapon ${backup}2`);
  try {
    const run = await lab.cli(['install', target(), '--flake', 'github:me/c#web', '--age-key', 'none', '--disk', backup, '--dry-run']);
    assert.equal(run.exitCode, 3, run.stderr);
    assert.match(run.stderr, /refusing --disk .*: .*(\[SWAP\]|active swap)/);
  } finally {
    await lab.vmSsh(`swapoff ${backup}2`);
  }
});
