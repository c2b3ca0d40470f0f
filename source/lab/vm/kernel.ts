import { existsSync } from 'node:fs';
import { mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { copyFileAtomic, produceAtomic, scratchPrefix } from './atomic-files.js';
import { ensureDeb } from './debian-packages.js';
import { run } from '../run-command.js';

export interface KernelImages {
  version: string;
  /** Compressed bzImage with EFI stub: what OVMF boots. */
  vmlinuz: string;
  /** Uncompressed ELF with a PVH entry: what qboot boots, skipping decompression under TCG. */
  vmlinux: string;
}

const xzMagic = Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]);
const elfMagic = Buffer.from([0x7f, 0x45, 0x4c, 0x46]);

export const kernelPackage = (version: string) => `linux-image-${version}`;
export const debDirOf = (cacheDir: string) => join(cacheDir, 'debs');

/** Decompresses the xz payload that a Debian bzImage carries into a plain vmlinux. */
async function unpackVmlinux(vmlinuz: string, target: string): Promise<void> {
  const image = await readFile(vmlinuz);
  const at = image.indexOf(xzMagic);
  if (at < 0) throw new Error(`lab: no xz payload in ${vmlinuz} (not a Debian xz-compressed kernel?)`);
  await execa('xz', ['-dc', '--single-stream'], { input: image.subarray(at), stdout: { file: target } });
  const handle = await open(target, 'r');
  try {
    const head = Buffer.alloc(4);
    await handle.read(head, 0, 4, 0);
    if (!head.equals(elfMagic)) throw new Error(`lab: the payload of ${vmlinuz} is not an ELF kernel`);
  } finally {
    await handle.close();
  }
}

/** vmlinuz + vmlinux for `version`, in `<cacheDir>/kernel-<version>/`, built once. */
export async function ensureKernel(cacheDir: string, version: string, onProgress?: (message: string) => void): Promise<KernelImages> {
  const dir = join(cacheDir, `kernel-${version}`);
  const images: KernelImages = { version, vmlinuz: join(dir, 'vmlinuz'), vmlinux: join(dir, 'vmlinux') };
  if (existsSync(images.vmlinuz) && existsSync(images.vmlinux)) return images;

  const deb = await ensureDeb(debDirOf(cacheDir), kernelPackage(version), onProgress);
  onProgress?.(`extracting kernel ${version}`);
  const scratch = await mkdtemp(scratchPrefix(cacheDir, 'kernel'));
  try {
    const member = `./boot/vmlinuz-${version}`;
    await run(['sh', '-c', 'dpkg-deb --fsys-tarfile "$1" | tar -x -C "$2" "$3"', 'sh', deb, scratch, member]);
    const extracted = join(scratch, member);
    await produceAtomic(images.vmlinux, (temp) => unpackVmlinux(extracted, temp));
    await copyFileAtomic(extracted, images.vmlinuz);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  return images;
}
