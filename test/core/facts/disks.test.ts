import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BootstrapError, ExitCode } from '../../../source/core/exit-codes.js';
import {
  assessDisks,
  chooseDisk,
  recommendDisk,
  refuseAmbiguousDisk,
  requestedDisk,
  selectDisk,
  type DiskChoiceOptions,
} from '../../../source/core/facts/disks.js';
import { parseProbeOutput } from '../../../source/core/facts/parse.js';
import type { BlockChild, Disk, Facts } from '../../../source/core/facts/types.js';
import { probeFixture } from './fixtures.js';

const GiB = 1024 ** 3;
const laptop = () => parseProbeOutput(probeFixture('laptop-windows-nvme-sata-usb'));
const server = () => parseProbeOutput(probeFixture('bios-server-two-sata'));
const labInstaller = () => parseProbeOutput(probeFixture('lab-netns-installer'));

const ESP = 'c12a7328-f81f-11d2-ba4b-00a0c93ec93b';
const part = (name: string, extra: Partial<BlockChild> = {}): BlockChild => ({
  name,
  path: `/dev/${name}`,
  type: 'part',
  sizeBytes: GiB,
  mountpoints: [],
  children: [],
  ...extra,
});
const disk = (name: string, sizeBytes: number, extra: Partial<Disk> = {}): Disk => ({
  name,
  path: `/dev/${name}`,
  byId: [],
  type: 'disk',
  sizeBytes,
  removable: false,
  readOnly: false,
  mountpoints: [],
  children: [],
  ...extra,
});
const facts = (disks: Disk[], extra: Partial<Facts> = {}): Facts => ({
  osRelease: { VARIANT_ID: 'installer' },
  isInstaller: true,
  hostname: 'nixos',
  arch: 'x86_64',
  memoryBytes: 8 * GiB,
  firmware: 'efi',
  disks,
  efiBootEntries: [],
  bootDisks: [],
  tools: {},
  ...extra,
});
const verdicts = (f: Facts, options?: DiskChoiceOptions) => Object.fromEntries(assessDisks(f, options).map((a) => [a.disk.name, a.ineligibleReasons]));
const refused = (pattern: RegExp) => (error: unknown) => {
  assert.ok(error instanceof BootstrapError, String(error));
  assert.equal(error.exitCode, ExitCode.refused);
  assert.match(error.message, pattern);
  return true;
};

test('laptop: the Windows NVMe is picked for its EFI boot entry; the stick and the squashfs loop are greyed with why', () => {
  const f = laptop();
  assert.deepEqual(verdicts(f), {
    loop0: ['loop device', "the installer's boot medium", 'mounted: /nix/.ro-store', 'read-only'],
    sda: [],
    sdb: ["the installer's boot medium", 'mounted: /iso', 'removable'],
    nvme0n1: [],
  });
  const nvme = assessDisks(f).find((a) => a.disk.name === 'nvme0n1')!;
  assert.deepEqual(
    nvme.efiBootEntries.map((e) => e.label),
    ['Windows Boot Manager', 'Linux Firmware Updater'],
  );
  assert.equal(nvme.hasEsp, true);
  assert.equal(nvme.partitionCount, 4);
  const pick = recommendDisk(assessDisks(f))!;
  assert.equal(pick.disk.name, 'nvme0n1');
  assert.equal(pick.reason, 'has EFI boot entry');
  assert.equal(pick.devicePath, '/dev/disk/by-id/nvme-Samsung_SSD_980_PRO_1TB_S5GXNF0R123456W');
  // the lab switch does not make the installer's own squashfs loop eligible
  assert.deepEqual(verdicts(f, { allowLoopDisks: true }).loop0, ["the installer's boot medium", 'mounted: /nix/.ro-store', 'read-only']);
});

test('BIOS server: the disk with most partitions; the virtual CD is not a disk', () => {
  const f = server();
  assert.deepEqual(verdicts(f), {
    loop0: ['loop device', "the installer's boot medium", 'mounted: /nix/.ro-store', 'read-only'],
    sda: [],
    sdb: [],
    sr0: ['not a disk (rom)', "the installer's boot medium", 'mounted: /iso', 'removable'],
  });
  const { pick } = chooseDisk(f);
  assert.equal(pick.disk.name, 'sda');
  assert.equal(pick.reason, 'most partitions');
  assert.equal(pick.devicePath, '/dev/disk/by-id/ata-ST4000NM0035-1V4107_ZC1A2B3C');
});

test('lab: loop disks only with the switch; the /iso loop never', () => {
  const f = labInstaller();
  assert.deepEqual(verdicts(f), { loop0: ['loop device'], loop1: ['loop device', "the installer's boot medium", 'mounted: /iso'] });
  assert.throws(
    () => chooseDisk(f),
    refused(/no eligible disk on the target \(loop0: loop device; loop1: loop device, the installer's boot medium, mounted: \/iso\)/),
  );
  const { pick } = chooseDisk(f, { allowLoopDisks: true });
  assert.deepEqual([pick.disk.name, pick.reason, pick.devicePath], ['loop0', 'only eligible disk', '/dev/loop0']);
  assert.throws(
    () => chooseDisk(f, { allowLoopDisks: true, requested: '/dev/loop1' }),
    refused(/refusing --disk \/dev\/loop1 \(\/dev\/loop1\): the installer's boot medium; mounted: \/iso/),
  );
});

test('rule order: EFI boot entry > ESP > most partitions > largest > name', () => {
  const esp = disk('sda', 100 * GiB, { children: [part('sda1', { partTypeGuid: ESP, partUuid: 'aaaaaaaa-0000-0000-0000-000000000001' })] });
  const many = disk('sdb', 200 * GiB, { children: [part('sdb1'), part('sdb2'), part('sdb3')] });
  const big = disk('sdc', 900 * GiB);
  const small = disk('sdd', 50 * GiB);
  const pick = (f: Facts) => {
    const p = recommendDisk(assessDisks(f))!;
    return [p.disk.name, p.reason];
  };
  assert.deepEqual(pick(facts([many, esp, big])), ['sda', 'has an ESP']);
  const entry = { id: '0001', label: 'NixOS', partUuid: 'bbbbbbbb-0000-0000-0000-000000000002', active: true };
  const booted = disk('sde', 10 * GiB, { children: [part('sde1', { partUuid: entry.partUuid })] });
  assert.deepEqual(pick(facts([esp, many, booted, big], { efiBootEntries: [entry] })), ['sde', 'has EFI boot entry']);
  assert.deepEqual(pick(facts([big, many, small])), ['sdb', 'most partitions']);
  assert.deepEqual(pick(facts([small, big])), ['sdc', 'largest']);
  assert.deepEqual(pick(facts([disk('sdf', GiB), disk('sdb', GiB)])), ['sdb', 'first by name']);
  assert.deepEqual(pick(facts([small])), ['sdd', 'only eligible disk']);
  // an MBR ESP (type 0xef) counts too
  const mbrEsp = disk('sdg', GiB, { children: [part('sdg1', { partTypeGuid: '0xef' })] });
  assert.deepEqual(pick(facts([big, mbrEsp])), ['sdg', 'has an ESP']);
  // a boot entry for another disk's partition does not count for this one
  assert.deepEqual(pick(facts([small, big], { efiBootEntries: [entry] })), ['sdc', 'largest']);
  assert.equal(recommendDisk(assessDisks(facts([]))), undefined);
});

test('every ineligibility rule, with its reason', () => {
  const f = facts(
    [
      disk('sda', 500 * GiB, { removable: true }),
      disk('sdb', 500 * GiB, { children: [part('sdb1', { mountpoints: ['/mnt'] }), part('sdb2', { fsType: 'swap', mountpoints: ['[SWAP]'] })] }),
      disk('sdc', 500 * GiB, { children: [part('sdc1', { children: [{ ...part('luks-1'), type: 'crypt' }] })] }),
      disk('sdd', 500 * GiB, { readOnly: true }),
      disk('sde', 0),
      disk('sdf', 4 * GiB),
      disk('zram0', 8 * GiB),
      disk('sr0', 500 * GiB, { type: 'rom' }),
      disk('md0', 500 * GiB, { type: 'raid1' }),
      disk('loop3', 500 * GiB, { type: 'loop' }),
      disk('sdg', 500 * GiB, { fsType: 'iso9660', label: 'nixos-minimal-24.11-x86_64' }),
      disk('nvme0n1', 500 * GiB, { mountpoints: ['/'] }),
      disk('sdh', 500 * GiB),
    ],
    { bootDisks: ['sdg', 'nvme0n1'] },
  );
  assert.deepEqual(verdicts(f, { minSizeBytes: 8 * GiB }), {
    sda: ['removable'],
    sdb: ['mounted: /mnt, [SWAP]'],
    sdc: ['in use: luks-1 (crypt)'],
    sdd: ['read-only'],
    sde: ['no medium (0 bytes)'],
    sdf: ['too small: 4 GiB, the layout needs 8 GiB'],
    zram0: ['RAM disk'],
    sr0: ['not a disk (rom)'],
    md0: ['not a disk (raid1)'],
    loop3: ['loop device'],
    sdg: ["the installer's boot medium"],
    nvme0n1: ["the installer's boot medium", 'mounted: /'],
    sdh: [],
  });
  assert.equal(verdicts(f, { allowLoopDisks: true }).loop3!.length, 0);
});

test('an unmounted NixOS ISO on a disk (copytoram boot) is still the boot medium', () => {
  const f = parseProbeOutput(
    probeFixture('laptop-windows-nvme-sata-usb')
      .replace('"mountpoints": [\n                  "/iso"\n               ]', '"mountpoints": [\n                  null\n               ]')
      .replace(/^\/iso .*$/m, '')
      .replace(/^\/nix\/\.ro-store .*$/m, ''),
  );
  assert.deepEqual(f.disks.find((d) => d.name === 'sdb')!.children[0]!.mountpoints, [], 'fixture edit took');
  assert.deepEqual(f.bootDisks, ['sdb']);
});

test('--disk: by-id recorded as given, /dev/NAME and NAME recorded by their most specific by-id', () => {
  const f = laptop();
  const byId = selectDisk(f, '/dev/disk/by-id/nvme-eui.002538b111b22c33');
  assert.deepEqual([byId.disk.name, byId.devicePath, byId.reason], ['nvme0n1', '/dev/disk/by-id/nvme-eui.002538b111b22c33', 'chosen with --disk']);
  assert.equal(selectDisk(f, '/dev/sda').devicePath, '/dev/disk/by-id/ata-Samsung_SSD_870_EVO_1TB_S6PUNX0T123456A');
  assert.equal(selectDisk(f, 'sda').disk.name, 'sda');
  // a disk with no by-id names is recorded by its /dev path
  assert.equal(selectDisk(labInstaller(), 'loop0', { allowLoopDisks: true }).devicePath, '/dev/loop0');
  // chooseDisk with a request takes it over the default pick
  assert.equal(chooseDisk(f, { requested: 'sda' }).pick.disk.name, 'sda');
});

test('--disk only:BUS: the one eligible disk on that bus, refused when there are none or several', () => {
  const f = laptop();
  const nvme = selectDisk(f, 'only:NVMe');
  assert.deepEqual([nvme.disk.name, nvme.reason], ['nvme0n1', 'the only eligible disk on the bus --disk names']);
  assert.match(nvme.devicePath, /^\/dev\/disk\/by-id\/nvme-/);
  assert.equal(chooseDisk(f, { requested: 'only:sata' }).pick.disk.name, 'sda');
  // The USB stick is the boot medium: not eligible, so not "the only USB disk".
  assert.throws(() => selectDisk(f, 'only:usb'), refused(/^--disk only:usb: the target has no eligible usb disk$/));
  const twoSata = { ...f, disks: f.disks.map((d) => (d.name === 'nvme0n1' ? { ...d, transport: 'sata' } : d)) };
  assert.throws(() => selectDisk(twoSata, 'only:sata'), refused(/^--disk only:sata: the target has 2 eligible sata disks \(\/dev\/disk\/by-id\/.*\)$/));
  // Too small counts as not eligible.
  assert.throws(() => selectDisk(f, 'only:nvme', { minSizeBytes: 2 * 1024 * GiB }), refused(/no eligible nvme disk/));
});

test('--disk refusals (exit 3): missing, partition, other /dev/disk names, removable, mounted, boot medium, too small', () => {
  const f = laptop();
  assert.throws(() => selectDisk(f, '/dev/sdz'), refused(/^--disk \/dev\/sdz: no such disk on the target$/));
  assert.throws(() => selectDisk(f, '/dev/disk/by-id/ata-NOPE'), refused(/no such disk/));
  assert.throws(() => selectDisk(f, '/dev/disk/by-id/nvme-Samsung_SSD_980_PRO_1TB_S5GXNF0R123456W-part3'), refused(/names a partition, not a whole disk/));
  assert.throws(() => selectDisk(f, '/dev/nvme0n1p3'), refused(/--disk \/dev\/nvme0n1p3 is a partition of \/dev\/nvme0n1, not a whole disk/));
  assert.throws(() => selectDisk(f, 'sda1'), refused(/is a partition of \/dev\/sda/));
  assert.throws(() => selectDisk(f, '/dev/disk/by-uuid/6f1d9c52-8a0e-4b7e-a3c1-5d2e7f9b0a14'), refused(/only \/dev\/disk\/by-id\/… names are accepted/));
  assert.throws(() => selectDisk(f, '/dev/sdb'), refused(/refusing --disk \/dev\/sdb \(\/dev\/sdb\): the installer's boot medium; mounted: \/iso; removable/));
  assert.throws(
    () => selectDisk(f, '/dev/disk/by-id/usb-SanDisk_Cruzer_Blade_4C530001230915118263-0:0'),
    refused(/refusing --disk \/dev\/disk\/by-id\/usb-SanDisk.* \(\/dev\/sdb\): .*removable/),
  );
  assert.throws(() => selectDisk(f, 'nvme0n1', { minSizeBytes: 2 * 1024 * GiB }), refused(/too small: 931\.5 GiB, the layout needs 2 TiB/));
  const mounted = facts([disk('sda', 100 * GiB, { children: [part('sda1', { mountpoints: ['/mnt/boot'] })] })]);
  assert.throws(() => selectDisk(mounted, 'sda'), refused(/mounted: \/mnt\/boot/));
  // the hint names what could be chosen instead
  try {
    selectDisk(f, '/dev/sdb');
    assert.fail('not refused');
  } catch (error) {
    assert.match(
      (error as BootstrapError).hint ?? '',
      /eligible: \/dev\/disk\/by-id\/ata-Samsung_SSD_870_EVO_1TB_S6PUNX0T123456A \(931\.5 GiB\), \/dev\/disk\/by-id\/nvme-Samsung/,
    );
  }
});

test('--disk beats INSTALL_DISK; blank values count as unset', () => {
  assert.equal(requestedDisk('/dev/sda', { INSTALL_DISK: '/dev/sdb' }), '/dev/sda');
  assert.equal(requestedDisk(undefined, { INSTALL_DISK: ' /dev/sdb ' }), '/dev/sdb');
  assert.equal(requestedDisk('', { INSTALL_DISK: '/dev/sdb' }), '/dev/sdb');
  assert.equal(requestedDisk(undefined, { INSTALL_DISK: '' }), undefined);
  assert.equal(requestedDisk(undefined, {}), undefined);
});

test('a blank NVMe and a USB-SATA backup drive that says RM=0 with data: the NVMe is recommended, the drive marked external', () => {
  const nvme = disk('nvme0n1', 500 * GiB, { transport: 'nvme' });
  const backup = disk('sda', 2000 * GiB, { transport: 'usb', children: [part('sda1', { fsType: 'ext4', label: 'backup' })] });
  const assessments = assessDisks(facts([backup, nvme]));
  const usb = assessments.find((a) => a.disk.name === 'sda')!;
  assert.equal(usb.eligible, true, 'still choosable by naming it');
  assert.equal(usb.external, true);
  assert.deepEqual(usb.contents, ["ext4 'backup' on sda1"]);
  const pick = recommendDisk(assessments)!;
  assert.deepEqual([pick.disk.name, pick.reason, pick.note], ['nvme0n1', 'only eligible disk', undefined]);
  // naming it still works
  assert.equal(selectDisk(facts([backup, nvme]), '/dev/sda').disk.name, 'sda');
  // only the external disk: nothing is recommended, and the refusal says how to mean it
  assert.equal(recommendDisk(assessDisks(facts([backup]))), undefined);
  assert.throws(
    () => chooseDisk(facts([backup])),
    refused(/no internal disk is eligible; external: \/dev\/sda \(2.0 TiB, usb, external; holds ext4 'backup' on sda1\)/),
  );
});

test('--yes without --disk: several eligible disks (or only an external one) are refused with each candidate described', () => {
  const nvme = disk('nvme0n1', 500 * GiB, { transport: 'nvme', byId: ['/dev/disk/by-id/nvme-Blank_1'] });
  const backup = disk('sda', 2000 * GiB, { transport: 'usb', children: [part('sda1', { fsType: 'ext4', label: 'backup' })] });
  assert.throws(
    () => refuseAmbiguousDisk(assessDisks(facts([nvme, backup]))),
    (error: unknown) => {
      assert.ok(error instanceof BootstrapError);
      assert.equal(error.exitCode, ExitCode.refused);
      assert.equal(
        error.message,
        [
          'refusing to pick a disk with --yes: 2 disks are eligible',
          '  /dev/disk/by-id/nvme-Blank_1 (500 GiB, nvme; empty)',
          "  /dev/sda (2.0 TiB, usb, external; holds ext4 'backup' on sda1)",
        ].join('\n'),
      );
      assert.match(error.hint ?? '', /--disk/);
      return true;
    },
  );
  assert.throws(() => refuseAmbiguousDisk(assessDisks(facts([backup]))), refused(/the only eligible disk is external/));
  refuseAmbiguousDisk(assessDisks(facts([nvme, { ...backup, removable: true }])));
});

test('a pick that holds data while another eligible disk is empty says so', () => {
  const esp = disk('sda', 100 * GiB, { children: [part('sda1', { partTypeGuid: ESP, fsType: 'vfat' }), part('sda2', { fsType: 'ext4', label: 'home' })] });
  const blank = disk('sdb', 100 * GiB);
  const pick = recommendDisk(assessDisks(facts([esp, blank])))!;
  assert.equal(pick.disk.name, 'sda');
  assert.equal(pick.note, "it holds vfat on sda1, ext4 'home' on sda2; sdb is empty");
});

test('disks in use that look unmounted: a mounted btrfs’s second device, md and LVM members, an imported ZFS pool, active swap', () => {
  const uuid = '0b2e6a6e-1111-2222-3333-444455556666';
  const f = facts(
    [
      disk('sda', 100 * GiB, { children: [part('sda1', { fsType: 'btrfs', uuid, mountpoints: ['/data'] })] }),
      disk('sdb', 100 * GiB, { fsType: 'btrfs', uuid }),
      disk('sdc', 100 * GiB, { children: [part('sdc1', { fsType: 'linux_raid_member', children: [{ ...part('md127'), type: 'raid1' }] })] }),
      disk('sdd', 100 * GiB, { fsType: 'LVM2_member', children: [{ ...part('vg-root'), type: 'lvm' }] }),
      disk('sde', 100 * GiB, { children: [part('sde1', { fsType: 'zfs_member', label: 'tank' })] }),
      disk('sdf', 100 * GiB, { children: [part('sdf1', { fsType: 'swap' })] }),
      disk('sdg', 100 * GiB, { children: [part('sdg1', { fsType: 'zfs_member', label: 'exported' })] }),
    ],
    { activeSwaps: ['/dev/sdf1'], zfsPools: ['tank'] },
  );
  assert.deepEqual(verdicts(f), {
    sda: ['mounted: /data'],
    sdb: ['in use: sdb (btrfs mounted at /data)'],
    sdc: ['in use: md127 (raid1)'],
    sdd: ['in use: vg-root (lvm)'],
    sde: ['in use: sde1 (ZFS pool tank, imported)'],
    sdf: ['in use: sdf1 (active swap)'],
    sdg: [],
  });
});

test('the probe’s swaps and zfs-pools sections reach the facts', () => {
  const sample = probeFixture('bios-server-two-sata').replace(
    '@@nb section efibootmgr',
    '@@nb section swaps\n/dev/sdb2\n\n@@nb section zfs-pools\ntank\n\n@@nb section efibootmgr',
  );
  const f = parseProbeOutput(sample);
  assert.deepEqual([f.activeSwaps, f.zfsPools], [['/dev/sdb2'], ['tank']]);
});

test('soldered eMMC (lsblk: mmc) is an internal disk; an SD card (sysfs type SD) is external', () => {
  const emmc = disk('mmcblk0', 64 * GiB, { transport: 'mmc' });
  assert.equal(chooseDisk(facts([emmc])).pick.disk.name, 'mmcblk0');
  const card = disk('mmcblk1', 64 * GiB, { transport: 'sd' });
  assert.deepEqual(
    assessDisks(facts([emmc, card])).map((a) => [a.disk.name, a.external]),
    [
      ['mmcblk0', false],
      ['mmcblk1', true],
    ],
  );
  const sample = probeFixture('lab-netns-installer').replace(
    '@@nb section by-id',
    '@@nb section sysfs\nloop0 /sys/devices/platform/mmc0/mmc_host/mmc0/mmc0:aaaa/block/loop0 SD\n\n@@nb section by-id',
  );
  assert.equal(parseProbeOutput(sample).disks.find((d) => d.name === 'loop0')!.transport, 'sd');
});
