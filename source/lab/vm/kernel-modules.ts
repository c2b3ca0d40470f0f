import { copyFile, mkdir, readdir } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { run } from '../run-command.js';

/**
 * Modules the installer loads at boot (their dependencies are added), in groups that /init
 * loads at different times. Names are modprobe names.
 */
export const moduleGroups = {
  /** Reaching the network and the boot medium: virtio, the xHCI + usb-storage stack, isofs. */
  boot: ['virtio_pci', 'virtio_net', 'virtio_blk', 'virtio_rng', 'xhci_pci', 'usb_storage', 'sd_mod', 'isofs'],
  /**
   * What an install uses, loaded while udev settles: dm-crypt with the LUKS2 default cipher
   * (aes-xts-plain64) and the AF_ALG interfaces cryptsetup uses, ext4, vfat + code pages, loop,
   * uas, fuse.
   */
  install: [
    'dm_mod',
    'dm_crypt',
    'xts',
    'aesni_intel',
    'crc32c_intel',
    'crc32c_generic',
    'algif_skcipher',
    'algif_hash',
    'ext4',
    'vfat',
    'nls_cp437',
    'nls_iso8859_1',
    'nls_utf8',
    'nls_ascii',
    'loop',
    'uas',
    'fuse',
  ],
  /** Only when booted by EFI firmware (efivarfs refuses to load otherwise): for efibootmgr. */
  efi: ['efivarfs'],
} as const;

const depmodInputs = ['modules.builtin', 'modules.builtin.modinfo', 'modules.order'];

/** Runs depmod over an extracted kernel package tree so modprobe can resolve dependencies in it. */
export async function indexModules(treeRoot: string, version: string): Promise<void> {
  await run(['depmod', '-b', treeRoot, version]);
}

/**
 * `.ko` files for `names` and their dependencies, in load order (dependencies first), per
 * `modprobe --show-depends` against the extracted tree. Built-in modules need no file.
 */
export async function moduleClosure(treeRoot: string, version: string, names: string[]): Promise<{ files: string[]; order: string[] }> {
  const files: string[] = [];
  const order: string[] = [];
  for (const name of names) {
    const out = await run(['modprobe', '-d', treeRoot, '-S', version, '--show-depends', name]);
    for (const line of out.split('\n')) {
      const insmod = /^insmod\s+(\S+)/.exec(line.trim());
      if (!insmod) continue;
      const file = insmod[1]!;
      if (files.includes(file)) continue;
      files.push(file);
      order.push(file.replace(/^.*\//, '').replace(/\.ko(\.\w+)?$/, ''));
    }
  }
  return { files, order };
}

/**
 * Copies the closure into `stagingRoot/lib/modules/<version>/` with the files depmod needs and
 * indexes it, so that modprobe (and udev's kmod builtin) work inside the VM.
 */
export async function stageModules(treeRoot: string, stagingRoot: string, version: string, files: string[]): Promise<string> {
  const sourceDir = join(treeRoot, 'lib/modules', version);
  const targetDir = join(stagingRoot, 'lib/modules', version);
  for (const file of files) {
    const target = join(targetDir, relative(sourceDir, file));
    await mkdir(dirname(target), { recursive: true });
    await copyFile(file, target);
  }
  const present = new Set(await readdir(sourceDir));
  for (const name of depmodInputs) if (present.has(name)) await copyFile(join(sourceDir, name), join(targetDir, name));
  await run(['depmod', '-b', stagingRoot, version]);
  return targetDir;
}
