import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BootstrapError, ExitCode } from '../../../source/core/exit-codes.js';
import { parseLsblk } from '../../../source/core/facts/lsblk.js';
import { parseById, parseOsRelease, parseProbeOutput, sortById, splitProbeOutput } from '../../../source/core/facts/parse.js';
import { probeFixture } from './fixtures.js';

test('laptop: NVMe with Windows, SATA SSD, NixOS USB stick mounted at /iso', () => {
  const facts = parseProbeOutput(probeFixture('laptop-windows-nvme-sata-usb'));
  assert.equal(facts.isInstaller, true);
  assert.equal(facts.osRelease.PRETTY_NAME, 'NixOS 24.11 (Vicuna)');
  assert.equal(facts.hostname, 'nixos');
  assert.equal(facts.arch, 'x86_64');
  assert.equal(facts.memoryBytes, 16303412 * 1024);
  assert.equal(facts.firmware, 'efi');
  assert.equal(facts.tools['nixos-install'], true);
  assert.equal(facts.tools.disko, false);
  assert.deepEqual(
    facts.disks.map((d) => d.name),
    ['loop0', 'sda', 'sdb', 'nvme0n1'],
  );

  const nvme = facts.disks.find((d) => d.name === 'nvme0n1')!;
  assert.equal(nvme.model, 'Samsung SSD 980 PRO 1TB');
  assert.equal(nvme.serial, 'S5GXNF0R123456W');
  assert.equal(nvme.transport, 'nvme');
  assert.equal(nvme.sizeBytes, 1000204886016);
  assert.equal(nvme.partitionTable, 'gpt');
  assert.equal(nvme.removable, false);
  assert.deepEqual(nvme.byId, [
    '/dev/disk/by-id/nvme-Samsung_SSD_980_PRO_1TB_S5GXNF0R123456W',
    '/dev/disk/by-id/nvme-Samsung_SSD_980_PRO_1TB_S5GXNF0R123456W_1',
    '/dev/disk/by-id/nvme-eui.002538b111b22c33',
  ]);
  assert.deepEqual(
    nvme.children.map((p) => [p.name, p.fsType, p.label, p.partLabel]),
    [
      ['nvme0n1p1', 'vfat', 'SYSTEM', 'EFI system partition'],
      ['nvme0n1p2', undefined, undefined, 'Microsoft reserved partition'],
      ['nvme0n1p3', 'ntfs', 'Windows', 'Basic data partition'],
      ['nvme0n1p4', 'ntfs', 'Recovery', 'Basic data partition'],
    ],
  );
  assert.equal(nvme.children[0]!.partTypeGuid, 'c12a7328-f81f-11d2-ba4b-00a0c93ec93b');
  assert.equal(nvme.children[0]!.partUuid, '2b3c4d5e-6f70-4a8b-9c0d-1e2f3a4b5c6d');
  assert.deepEqual(nvme.mountpoints, []);

  const usb = facts.disks.find((d) => d.name === 'sdb')!;
  assert.equal(usb.removable, true);
  assert.equal(usb.transport, 'usb');
  assert.equal(usb.fsType, 'iso9660');
  assert.deepEqual(usb.children[0]!.mountpoints, ['/iso']);
  assert.deepEqual(usb.byId, ['/dev/disk/by-id/usb-SanDisk_Cruzer_Blade_4C530001230915118263-0:0']);

  const sata = facts.disks.find((d) => d.name === 'sda')!;
  assert.deepEqual(sata.byId, ['/dev/disk/by-id/ata-Samsung_SSD_870_EVO_1TB_S6PUNX0T123456A', '/dev/disk/by-id/wwn-0x5002538f42b12345']);

  // the stick holds /iso, and the squashfs loop of /nix/.ro-store lives on it too
  assert.deepEqual(facts.bootDisks, ['loop0', 'sdb']);
  assert.deepEqual(
    facts.efiBootEntries.map((e) => [e.id, e.label, e.partUuid, e.active]),
    [
      ['0000', 'Windows Boot Manager', '2b3c4d5e-6f70-4a8b-9c0d-1e2f3a4b5c6d', true],
      ['0001', 'UEFI:PXE IPv4 Intel(R) Ethernet Connection I219-LM', undefined, true],
      ['0002', 'Linux Firmware Updater', '2b3c4d5e-6f70-4a8b-9c0d-1e2f3a4b5c6d', false],
      ['0003', 'UEFI: SanDisk Cruzer Blade 1.00, Partition 2', undefined, true],
    ],
  );
});

test('BIOS server: two SATA disks, installer on a virtual CD-ROM', () => {
  const facts = parseProbeOutput(probeFixture('bios-server-two-sata'));
  assert.equal(facts.firmware, 'bios');
  assert.equal(facts.memoryBytes, 131841212 * 1024);
  assert.deepEqual(facts.efiBootEntries, []);
  assert.deepEqual(
    facts.disks.map((d) => [d.name, d.type]),
    [
      ['loop0', 'loop'],
      ['sda', 'disk'],
      ['sdb', 'disk'],
      ['sr0', 'rom'],
    ],
  );
  assert.deepEqual(facts.bootDisks, ['loop0', 'sr0']);
  const sda = facts.disks.find((d) => d.name === 'sda')!;
  assert.equal(sda.partitionTable, 'dos');
  assert.deepEqual(
    sda.children.map((p) => [p.name, p.fsType, p.partTypeGuid]),
    [
      ['sda1', 'ext4', '0x83'],
      ['sda2', 'swap', '0x82'],
      ['sda3', 'LVM2_member', '0x8e'],
    ],
  );
  assert.deepEqual(facts.disks.find((d) => d.name === 'sdb')!.children, []);
  assert.deepEqual(facts.disks.find((d) => d.name === 'sr0')!.mountpoints, ['/iso']);
});

test('lab installer (recorded): two loop disks, the boot medium mounted at /iso', () => {
  const facts = parseProbeOutput(probeFixture('lab-netns-installer'));
  assert.equal(facts.isInstaller, true);
  assert.equal(facts.firmware, 'bios');
  assert.ok(facts.disks.length === 2 && facts.disks.every((d) => d.type === 'loop'));
  const [internal, medium] = [...facts.disks].sort((a, b) => b.sizeBytes - a.sizeBytes);
  assert.equal(internal!.sizeBytes, 8 * 1024 ** 3);
  assert.deepEqual(medium!.mountpoints, ['/iso']);
  // no udev database in the netns installer: filesystem facts come from blkid
  assert.equal(medium!.fsType, 'ext4');
  assert.equal(medium!.label, 'nixos-minimal-24');
  assert.deepEqual(facts.bootDisks, [medium!.name]);
  assert.equal(facts.tools['nixos-install'], true);
});

test('blkid fills only what lsblk left empty', () => {
  const facts = parseProbeOutput(probeFixture('laptop-windows-nvme-sata-usb'));
  const withoutUdev = probeFixture('laptop-windows-nvme-sata-usb').replace(/"(fstype|label|partlabel|uuid|partuuid)": "[^"]*"/g, '"$1": null');
  const filled = parseProbeOutput(withoutUdev);
  assert.deepEqual(filled.disks, facts.disks, 'blkid alone gives the same facts');
  assert.deepEqual(filled.bootDisks, ['loop0', 'sdb']);
  const noBlkid = parseProbeOutput(withoutUdev.replace(/(@@nb section blkid\n)[\s\S]*?(\n@@nb section by-id)/, '$1$2'));
  assert.equal(noBlkid.disks.find((d) => d.name === 'nvme0n1')!.children[0]!.fsType, undefined);
});

test('older lsblk JSON (strings, single MOUNTPOINT, no PATH) parses the same', () => {
  const { disks, topLevel } = parseLsblk(
    JSON.stringify({
      blockdevices: [
        {
          name: 'sda',
          'maj:min': '8:0',
          rm: '0',
          ro: '0',
          size: '500107862016',
          type: 'disk',
          mountpoint: null,
          model: 'WDC WD5000AAKX  ',
          tran: 'sata',
          children: [{ name: 'sda1', 'maj:min': '8:1', rm: '0', ro: '0', size: '536870912', type: 'part', mountpoint: '[SWAP]', fstype: 'swap' }],
        },
        { name: 'sdb', rm: '1', ro: '1', size: '0', type: 'disk', mountpoint: null },
      ],
    }),
  );
  const [sda, sdb] = disks;
  assert.equal(sda!.path, '/dev/sda');
  assert.equal(sda!.sizeBytes, 500107862016);
  assert.equal(sda!.model, 'WDC WD5000AAKX', 'lsblk pads models with blanks');
  assert.equal(sda!.removable, false);
  assert.deepEqual(sda!.children[0]!.mountpoints, ['[SWAP]']);
  assert.equal(sdb!.removable, true);
  assert.equal(sdb!.readOnly, true);
  assert.deepEqual([...topLevel.get('sda1')!], ['sda']);
});

test('a dm device under two disks (RAID, LVM) belongs to both', () => {
  const member = (disk: string) => ({
    name: disk,
    type: 'disk',
    size: 1,
    children: [{ name: `${disk}1`, type: 'part', size: 1, children: [{ name: 'md0', type: 'raid1', size: 1 }] }],
  });
  const { topLevel } = parseLsblk(JSON.stringify({ blockdevices: [member('sda'), member('sdb')] }));
  assert.deepEqual([...topLevel.get('md0')!].sort(), ['sda', 'sdb']);
});

test('os-release quoting', () => {
  assert.deepEqual(parseOsRelease('A="x y"\nB=\'q "r"\'\nC=plain\nD="esc \\"q\\" \\$x"\n# c\nbad line\n'), {
    A: 'x y',
    B: 'q "r"',
    C: 'plain',
    D: 'esc "q" $x',
  });
});

test('by-id: partitions map to their own path; stable names sorted most specific first', () => {
  const map = parseById('/dev/disk/by-id/wwn-0x5 /dev/sda\n/dev/disk/by-id/ata-X_1 /dev/sda\n/dev/disk/by-id/ata-X_1-part1 /dev/sda1\nnoise\n');
  assert.deepEqual(map.get('/dev/sda'), ['/dev/disk/by-id/wwn-0x5', '/dev/disk/by-id/ata-X_1']);
  assert.deepEqual(map.get('/dev/sda1'), ['/dev/disk/by-id/ata-X_1-part1']);
  assert.deepEqual(sortById(map.get('/dev/sda')!), ['/dev/disk/by-id/ata-X_1', '/dev/disk/by-id/wwn-0x5']);
});

const refused = (pattern: RegExp) => (error: unknown) => error instanceof BootstrapError && error.exitCode === ExitCode.refused && pattern.test(error.message);

test('missing facts are a refusal naming each one (as nixos-anywhere get-facts does)', () => {
  const full = probeFixture('laptop-windows-nvme-sata-usb');
  assert.throws(
    () => parseProbeOutput('', 'root@x'),
    refused(/the probe of root@x is missing facts: probe header .*end of output .*\/etc\/os-release.*hostname.*architecture.*memory.*firmware.*block devices/),
  );
  assert.throws(() => parseProbeOutput(full.replace('@@nb end', '')), refused(/end of output \(cut short\)/));
  assert.throws(() => parseProbeOutput(full.replace(/^arch=.*$/m, '')), refused(/missing facts: architecture/));
  assert.throws(() => parseProbeOutput(full.replace(/^firmware=.*$/m, 'firmware=uboot')), refused(/firmware type/));
  assert.throws(() => parseProbeOutput(full.replace(/"blockdevices"/, '"nothing"')), refused(/block devices/));
  assert.throws(() => parseProbeOutput(full.replace('@@nb probe 1', '@@nb probe 9')), refused(/probe format 1 \(got 9\)/));
  const failedLsblk = full.replace(/(@@nb section lsblk\n)[\s\S]*?(\n@@nb section by-id)/, '$1@@nb failed lsblk\n$2');
  assert.throws(() => parseProbeOutput(failedLsblk), refused(/block devices/));
});

test('sections split on markers only', () => {
  const out = splitProbeOutput('junk before\n@@nb probe 1\n@@nb section a\nx=1\n\n@@nb section b\n@@nb end\ntrailing');
  assert.equal(out.version, 1);
  assert.equal(out.complete, true);
  assert.deepEqual(
    [...out.sections],
    [
      ['a', 'x=1'],
      ['b', ''],
    ],
  );
});

test('labels, models and names from the target reach no terminal with their escape sequences', () => {
  const evil = probeFixture('bios-server-two-sata')
    .replace('"label": "boot"', '"label": "boot\\u001b]52;c;cm0gLXJmIH4K\\u0007"')
    .replace(/^hostname=.*$/m, 'hostname=nixos\u001b[2J');
  const facts = parseProbeOutput(evil);
  assert.equal(facts.hostname, 'nixos');
  const labels = facts.disks.flatMap((d) => d.children.map((c) => c.label)).filter(Boolean);
  assert.ok(labels.includes('boot'), JSON.stringify(labels));
  assert.ok(!JSON.stringify(facts).includes('\u001b'), 'an escape character survived');
});

test('without a udev database lsblk has no TRAN: the sysfs path tells a USB disk (and virtio, NVMe) apart', () => {
  const sample = probeFixture('lab-netns-installer').replace(
    '@@nb section by-id',
    [
      '@@nb section sysfs',
      'loop0 /sys/devices/pci0000:00/0000:00:14.0/usb2/2-1/2-1:1.0/host6/target6:0:0/6:0:0:0/block/loop0',
      'loop1 /sys/devices/virtual/block/loop1',
      '',
      '@@nb section by-id',
    ].join('\n'),
  );
  const facts = parseProbeOutput(sample);
  assert.equal(facts.disks.find((d) => d.name === 'loop0')!.transport, 'usb');
  assert.equal(facts.disks.find((d) => d.name === 'loop1')!.transport, undefined);
});

test('the sysfs section names each disk’s drivers as the modules an initrd needs (built-in drivers by their module’s name)', () => {
  const sample = probeFixture('lab-netns-installer').replace(
    '@@nb section by-id',
    [
      '@@nb section sysfs',
      'loop0 /sys/devices/pci0000:00/0000:00:02.0/virtio1/block/loop0 - virtio_blk,virtio-pci,',
      'loop1 /sys/devices/pci0000:00/0000:00:14.0/usb2/2-1/2-1:1.0/host6/target6:0:0/6:0:0:0/block/loop1 - sd,uas,usb,hub,xhci_hcd,',
      '',
      '@@nb section by-id',
    ].join('\n'),
  );
  const disks = parseProbeOutput(sample).disks;
  assert.deepEqual(disks.find((d) => d.name === 'loop0')!.modules, ['virtio_blk', 'virtio_pci']);
  assert.deepEqual(disks.find((d) => d.name === 'loop1')!.modules, ['sd_mod', 'uas', 'xhci_pci']);
  assert.equal(disks.find((d) => d.name === 'loop1')!.transport, 'usb', 'the card-type placeholder does not hide the bus');
});
