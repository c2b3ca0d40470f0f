import { existsSync } from 'node:fs';
import { findCommand } from './host-binaries.js';
import { ovmfCode, ovmfVarsTemplate, qbootRom } from './qemu-command.js';

/** What the VM installer needs on this machine beyond the netns lab, with the Debian package of each. */
const neededCommands: Record<string, string> = {
  'qemu-system-x86_64': 'qemu-system-x86',
  xz: 'xz-utils',
  depmod: 'kmod',
  modprobe: 'kmod',
  busybox: 'busybox-static',
  'dpkg-deb': 'dpkg',
  'apt-get': 'apt',
  'apt-cache': 'apt',
  ldd: 'libc-bin',
  nsenter: 'util-linux',
};

/** Throws one error naming every missing piece and the apt-get line that installs them. */
export function checkVmPrerequisites(efi: boolean): void {
  const missing = new Set<string>();
  for (const [command, pkg] of Object.entries(neededCommands)) if (!findCommand(command)) missing.add(pkg);
  if (!existsSync(qbootRom)) missing.add('qemu-system-data');
  if (efi && !(existsSync(ovmfCode) && existsSync(ovmfVarsTemplate))) missing.add('ovmf');
  if (missing.size > 0) {
    throw new Error(`lab: the VM installer needs more packages: apt-get install ${[...missing].join(' ')}`);
  }
}
