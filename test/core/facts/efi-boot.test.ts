import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseBootCurrent, parseEfiBootEntries } from '../../../source/core/facts/efi-boot.js';

test('efibootmgr 17 (tab) and 18 style lines, active flag, GPT partition GUID', () => {
  const output = [
    'BootCurrent: 0004',
    'Timeout: 1 seconds',
    'BootOrder: 0004,0001',
    'Boot0001* NixOS\tHD(1,GPT,AAAAAAAA-1111-2222-3333-444444444444,0x800,0x100000)/File(\\EFI\\systemd\\systemd-bootx64.efi)',
    'Boot0002  debian HD(1,GPT,bbbbbbbb-1111-2222-3333-444444444444,0x800,0x100000)/\\EFI\\debian\\shimx64.efi',
    'Boot0003* UEFI OS  HD(2,GPT,cccccccc-1111-2222-3333-444444444444,0x1000,0x2000)/File(\\EFI\\BOOT\\BOOTX64.EFI)..BO',
    'Boot0004* UEFI: Generic Flash Disk 8.07\tPciRoot(0x0)/Pci(0x14,0x0)/USB(13,0)/CDROM(1,0x2d4c,0x2780)..BO',
    'Boot000A* EFI Internal Shell\tFvVol(7cb8bdc9-f8eb-4f34-aaea-3ee4af6516a1)/FvFile(7c04a583-9e3e-4f1c-ad65-e05268d0b4d1)',
    'MirroredPercentageAbove4G: 0.00',
  ].join('\n');
  assert.deepEqual(parseEfiBootEntries(output), [
    { id: '0001', label: 'NixOS', partUuid: 'aaaaaaaa-1111-2222-3333-444444444444', active: true },
    { id: '0002', label: 'debian', partUuid: 'bbbbbbbb-1111-2222-3333-444444444444', active: false },
    { id: '0003', label: 'UEFI OS', partUuid: 'cccccccc-1111-2222-3333-444444444444', active: true },
    { id: '0004', label: 'UEFI: Generic Flash Disk 8.07', active: true },
    { id: '000A', label: 'EFI Internal Shell', active: true },
  ]);
  assert.equal(parseBootCurrent(output), '0004');
  assert.deepEqual(parseEfiBootEntries('EFI variables are not supported on this system.'), []);
});
