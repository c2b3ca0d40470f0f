// Which devices `installer --write` refuses, from what lsblk said about them (the write itself,
// on loop devices, is in test/lab/installer-write.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeContents, sameStick, stickRefusal, type StickDevice } from '../../../source/core/installer/write-stick.js';

const GiB = 1024 ** 3;
const stick = (over: Partial<StickDevice> = {}): StickDevice => ({
  path: '/dev/sdb',
  name: 'sdb',
  sizeBytes: 32 * GiB,
  removable: true,
  usb: true,
  loop: false,
  model: 'SanDisk Ultra',
  serial: '4C530001',
  mounted: [],
  contents: [{ name: 'sdb1', sizeBytes: 32 * GiB, fstype: 'vfat', label: 'STICK', uuid: 'AB12-CD34', partuuid: '0a1b2c3d-01' }],
  ...over,
});
const options = { allowLoop: false, yes: false, systemTables: 'UUID=1111-2222 /boot vfat defaults 0 2\n' };
const iso = 1.5 * GiB;

test('an idle USB stick may be written; so may a removable SD card, but only with a typed confirmation', () => {
  assert.equal(stickRefusal(stick(), iso, options), undefined);
  assert.equal(stickRefusal(stick(), iso, { ...options, yes: true }), undefined);
  const card = stick({ usb: false, name: 'mmcblk0', path: '/dev/mmcblk0' });
  assert.equal(stickRefusal(card, iso, options), undefined);
  assert.match(stickRefusal(card, iso, { ...options, yes: true })!, /with --yes only a USB stick/);
});

test('refused: a fixed disk (NVMe, SATA), a mounted or swapping stick, a disk this system mounts, a member of a set, a loop device, one too small', () => {
  const cases: Array<[StickDevice, RegExp]> = [
    [stick({ removable: false, usb: false, name: 'nvme0n1', path: '/dev/nvme0n1' }), /neither removable nor on USB: a fixed disk/],
    [stick({ mounted: ['/media/me/STICK'] }), /in use: mounted at \/media\/me\/STICK/],
    [stick({ mounted: ['[SWAP]'] }), /in use: mounted at \[SWAP\]/],
    // A USB disk holding this system's /boot, unmounted right now (noauto): fstab names it.
    [
      stick({ contents: [{ name: 'sdb1', sizeBytes: GiB, fstype: 'vfat', label: '', uuid: '1111-2222', partuuid: '' }] }),
      /sdb1 is named in this machine's \/etc\/fstab/,
    ],
    [stick({ contents: [{ name: 'sdb1', sizeBytes: GiB, fstype: 'crypto_LUKS', label: '', uuid: 'u', partuuid: '' }] }), /sdb1 is crypto_LUKS, part of/],
    [stick({ contents: [{ name: 'sdb2', sizeBytes: GiB, fstype: 'LVM2_member', label: '', uuid: 'v', partuuid: '' }] }), /sdb2 is LVM2_member/],
    [stick({ loop: true, usb: false, removable: false, name: 'loop3', path: '/dev/loop3' }), /loop device, not a USB stick/],
    [stick({ sizeBytes: GiB }), /the ISO needs/],
  ];
  for (const [device, reason] of cases) assert.match(stickRefusal(device, iso, { ...options, yes: true }) ?? 'written', reason, device.name);
  assert.equal(stickRefusal(stick({ loop: true, usb: false, removable: false }), iso, { ...options, allowLoop: true, yes: true }), undefined);
});

test('the prompt lists what will be erased; another stick under the same name is not the same stick', () => {
  assert.deepEqual(describeContents(stick()), ['  sdb1  32 GiB  vfat "STICK"']);
  assert.deepEqual(describeContents(stick({ contents: [] })), ['  (no partitions or filesystems found)']);
  assert.ok(sameStick(stick(), stick()));
  assert.ok(!sameStick(stick(), stick({ serial: 'OTHER', model: 'WD Elements' })), 'a backup drive that took the name sdb');
});
