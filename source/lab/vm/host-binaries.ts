import { existsSync } from 'node:fs';
import { realpath } from 'node:fs/promises';
import { run } from '../run-command.js';

// The VM's userland is this machine's own binaries plus their shared libraries (found with ldd),
// placed at the same paths. Debian 12 is usr-merged, so /bin, /sbin and /lib are folded into
// /usr; the initramfs has the same compatibility symlinks.

/** Tools the installer must have: what nixos-bootstrap's probe and install scripts run. */
export const requiredCommands = [
  'sshd',
  'ssh-keygen',
  'avahi-daemon',
  'bash',
  'kmod',
  'ip',
  'cryptsetup',
  'dmsetup',
  'sgdisk',
  'parted',
  'partprobe',
  'wipefs',
  'mkfs.fat',
  'mke2fs',
  'mkswap',
  'swapon',
  'swapoff',
  'lsblk',
  'blkid',
  'findmnt',
  'mount',
  'umount',
  'mountpoint',
  'efibootmgr',
  'sfdisk',
  'tar',
  // Real Nix (Debian's nix-bin) evaluates the uploaded lab flakes: the disko device check and
  // the disko stand-in read the disko config with it, as on a real installer.
  'nix',
  // The stock-ISO variant's nixos user runs everything through sudo (PAM: pam_permit only).
  'sudo',
  // GNU coreutils/grep/sed/findutils, like a NixOS system has (busybox's differ in flags)
  'cat',
  'chmod',
  'chown',
  'chroot',
  'cp',
  'date',
  'dd',
  'df',
  'ln',
  'ls',
  'mkdir',
  'mknod',
  'mktemp',
  'mv',
  'readlink',
  'rm',
  'rmdir',
  'sleep',
  'sync',
  'touch',
  'uname',
  'basename',
  'base64',
  'cut',
  'dirname',
  'du',
  'env',
  'head',
  'id',
  'install',
  'md5sum',
  'nproc',
  'od',
  'realpath',
  'seq',
  'sha256sum',
  'sha512sum',
  'sort',
  'stat',
  'tac',
  'tail',
  'tee',
  'timeout',
  'tr',
  'truncate',
  'uniq',
  'wc',
  'yes',
  'nohup',
  'grep',
  'sed',
  'find',
  'xargs',
];

/** Nice to have; taken when this machine has them. */
export const optionalCommands = [
  'e2fsck',
  'tune2fs',
  'resize2fs',
  'dumpe2fs',
  'e2label',
  'fatlabel',
  'fsck.fat',
  'fsck',
  'partx',
  'blockdev',
  'losetup',
  'flock',
  'setsid',
  'gzip',
  'less',
  'git',
  'ps',
  'pgrep',
  'pkill',
  'chrt',
  'nice',
];

/** Extra paths that are not commands on PATH. */
export const requiredFiles = ['/usr/lib/openssh/sftp-server', '/usr/libexec/sudo/sudoers.so', '/usr/lib/x86_64-linux-gnu/security/pam_permit.so'];
export const optionalFiles = ['/etc/ssh/moduli'];

/** Names that are links to another command on Debian (and in the VM). */
export const commandAliases: Record<string, string> = {
  'mkfs.vfat': 'mkfs.fat',
  mkdosfs: 'mkfs.fat',
  'mkfs.ext4': 'mke2fs',
  'mkfs.ext2': 'mke2fs',
  'fsck.ext4': 'e2fsck',
  'fsck.vfat': 'fsck.fat',
  modprobe: 'kmod',
  insmod: 'kmod',
  rmmod: 'kmod',
  lsmod: 'kmod',
  depmod: 'kmod',
  modinfo: 'kmod',
  // git clone runs it, also for a repository on the same machine (--mode clone).
  'git-upload-pack': 'git',
};

const searchDirs = ['/usr/sbin', '/usr/bin', '/sbin', '/bin'];

/** `/lib/x` → `/usr/lib/x` and so on: where a file lives in a usr-merged tree. */
export function usrMerged(path: string): string {
  return path.replace(/^\/(bin|sbin|lib|lib64|libx32|lib32)\//, '/usr/$1/');
}

export function findCommand(name: string): string | null {
  for (const dir of searchDirs) {
    const candidate = `${dir}/${name}`;
    if (existsSync(candidate)) return candidate;
  }
  return null;
}

export interface HostFile {
  /** Where it goes in the VM. */
  path: string;
  /** The real file on this machine (symlinks resolved). */
  source: string;
}

/** Host files for the listed commands (+ files); throws naming every missing required one. */
export async function resolveHostCommands(): Promise<HostFile[]> {
  const missing: string[] = [];
  const found: string[] = [];
  for (const name of requiredCommands) {
    const path = findCommand(name);
    if (path) found.push(path);
    else missing.push(name);
  }
  for (const name of optionalCommands) {
    const path = findCommand(name);
    if (path) found.push(path);
  }
  for (const file of requiredFiles) {
    if (existsSync(file)) found.push(file);
    else missing.push(file);
  }
  for (const file of optionalFiles) if (existsSync(file)) found.push(file);
  if (missing.length > 0) {
    throw new Error(
      `lab: the VM installer is built from this machine's tools, but these are missing: ${missing.join(', ')}` +
        ' (apt-get install openssh-server avahi-daemon cryptsetup gdisk parted dosfstools e2fsprogs util-linux iproute2 efibootmgr kmod)',
    );
  }
  return Promise.all(found.map(async (path) => ({ path: usrMerged(path), source: await realpath(path) })));
}

/** Every shared library (and the loader) the given ELF files need, per ldd. */
export async function sharedLibraries(files: string[]): Promise<HostFile[]> {
  if (files.length === 0) return [];
  // ldd exits non-zero when any argument is static or not ELF; the dynamic ones are still listed.
  const out = await run(['ldd', ...files], { reject: false });
  const paths = new Set<string>();
  for (const line of out.split('\n')) {
    const arrow = /=>\s+(\/\S+)\s+\(0x/.exec(line);
    const bare = /^\s+(\/\S+)\s+\(0x/.exec(line);
    const path = arrow?.[1] ?? bare?.[1];
    if (path) paths.add(path);
  }
  return Promise.all([...paths].sort().map(async (path) => ({ path: usrMerged(path), source: await realpath(path) })));
}
