import { mkdir, open, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { bootMediumLabel } from './guest-files.js';
import { buildIso9660 } from './iso9660.js';

export const bootMediumSizeBytes = 64 * 1024 ** 2;
export const internalDiskSerial = 'NB-LAB-DISK0';
export const bootMediumSerial = 'NB-LAB-USB0';
export const usbBackupSerial = 'NB-LAB-BACKUP1';
export const usbBackupSizeBytes = 16 * 1024 ** 3;

/** A sparse, all-zero raw image: an empty disk costs no space until written. */
export async function createSparseImage(path: string, sizeBytes: number): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await rm(path, { force: true });
  const handle = await open(path, 'wx', 0o600);
  try {
    await handle.truncate(sizeBytes);
  } finally {
    await handle.close();
  }
}

/**
 * The "USB stick" the installer booted from: an ISO 9660 filesystem labelled like the NixOS
 * minimal ISO at the start of a larger image, as after `dd`-ing the ISO onto a stick.
 */
export async function createBootMedium(path: string, sizeBytes = bootMediumSizeBytes): Promise<void> {
  const iso = buildIso9660({
    volumeId: bootMediumLabel,
    created: new Date('2024-11-30T00:00:00Z'),
    files: [
      { name: 'README.TXT', data: 'nixos-bootstrap lab: stand-in for the NixOS installer boot medium (no NixOS inside).\n' },
      { name: 'VERSION', data: '24.11\n' },
    ],
  });
  if (iso.length > sizeBytes) throw new Error('lab: boot medium image too small for its ISO');
  await createSparseImage(path, sizeBytes);
  const handle = await open(path, 'r+');
  try {
    await handle.write(iso, 0, iso.length, 0);
  } finally {
    await handle.close();
  }
}
