import { mkdir, mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { addHostKeyToIso } from '../../core/installer/finish-iso.js';
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
 * minimal ISO at the start of a larger image, as after `dd`-ing the ISO onto a stick. With
 * `hostKeyFile`, the ISO is finished as `nixos-bootstrap installer --iso` finishes a real one
 * (the same code: the key at /nixos-bootstrap/ on it, root-only), so the VM takes its host key
 * from its boot medium as an image made by that command does.
 */
export async function createBootMedium(path: string, options: { sizeBytes?: number; hostKeyFile?: string } = {}): Promise<void> {
  const sizeBytes = options.sizeBytes ?? bootMediumSizeBytes;
  let iso = buildIso9660({
    volumeId: bootMediumLabel,
    created: new Date('2024-11-30T00:00:00Z'),
    files: [
      { name: 'README.TXT', data: 'nixos-bootstrap lab: stand-in for the NixOS installer boot medium (no NixOS inside).\n' },
      { name: 'VERSION', data: '24.11\n' },
    ],
  });
  if (options.hostKeyFile !== undefined) iso = await finishedIso(iso, options.hostKeyFile, dirname(path));
  if (iso.length > sizeBytes) throw new Error('lab: boot medium image too small for its ISO');
  await createSparseImage(path, sizeBytes);
  const handle = await open(path, 'r+');
  try {
    await handle.write(iso, 0, iso.length, 0);
  } finally {
    await handle.close();
  }
}

async function finishedIso(iso: Buffer, hostKeyFile: string, near: string): Promise<Buffer> {
  await mkdir(near, { recursive: true });
  // mkdtemp makes it 0700: the finished ISO holds the private host key.
  const work = await mkdtemp(join(near, '.boot-medium-'));
  try {
    await writeFile(join(work, 'base.iso'), iso, { mode: 0o600 });
    await addHostKeyToIso(join(work, 'base.iso'), hostKeyFile, join(work, 'finished.iso'));
    return await readFile(join(work, 'finished.iso'));
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
