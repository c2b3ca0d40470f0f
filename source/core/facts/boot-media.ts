// Which disks hold the running installer itself: its root, the ISO (/iso), the squashfs of the
// Nix store (/nix/.ro-store, a loop device whose backing file lives on /iso), … Such a disk is
// never an install target, whatever else it looks like.
import { descendants, type ParsedLsblk } from './lsblk.js';
import type { Disk } from './types.js';

export interface Mount {
  target: string;
  /** `/dev/sda1`, `overlay`, `tmpfs`, `/dev/vda[/subdir]` for bind mounts, … */
  source: string;
  fsType: string;
  /** `8:1`; `-` when unknown. */
  majorMinor: string;
}

/** Where a live NixOS installer keeps itself (and what other live systems use). */
export const installerMountpoints = ['/', '/iso', '/nix/.ro-store', '/nix/.rw-store', '/nix/store', '/run/rootfsbase', '/run/initramfs/live', '/cdrom'];

const maxLoopDepth = 4;

/** findmnt --raw escapes blanks and odd bytes as \xNN. */
const unescapeRaw = (field: string) => field.replace(/\\x([0-9a-fA-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));

/** Parses `findmnt --raw --noheadings --output TARGET,SOURCE,FSTYPE,MAJ:MIN`. */
export function parseMounts(output: string): Mount[] {
  return output
    .split('\n')
    .map((line) => line.trim().split(' '))
    .filter((fields) => fields.length >= 3 && fields[0]!.startsWith('/'))
    .map(([target, source, fsType, majorMinor]) => ({
      target: unescapeRaw(target!),
      source: unescapeRaw(source!),
      fsType: fsType!,
      majorMinor: majorMinor ?? '-',
    }));
}

/** Parses `loopN <backing file>` lines. */
export function parseLoops(output: string): Map<string, string> {
  const loops = new Map<string, string>();
  for (const line of output.split('\n')) {
    const space = line.indexOf(' ');
    if (space > 0)
      loops.set(
        line.slice(0, space),
        line
          .slice(space + 1)
          .trim()
          .replace(/ \(deleted\)$/, ''),
      );
  }
  return loops;
}

/** The mount whose target is the longest prefix of `path` (the filesystem that holds it). */
function mountHolding(path: string, mounts: Mount[]): Mount | undefined {
  let best: Mount | undefined;
  for (const mount of mounts) {
    const prefix = mount.target === '/' ? '/' : `${mount.target}/`;
    if ((path === mount.target || path.startsWith(prefix)) && (!best || mount.target.length > best.target.length)) best = mount;
  }
  return best;
}

/** The block device (kernel name) a mount comes from, if it comes from one. */
function deviceOf(mount: Mount, lsblk: ParsedLsblk): string | undefined {
  const byNumber = lsblk.byMajorMinor.get(mount.majorMinor);
  if (byNumber) return byNumber;
  const match = /^\/dev\/([^[\s]+)/.exec(mount.source);
  if (!match) return undefined;
  const name = match[1]!.replace(/^mapper\//, '');
  return lsblk.topLevel.has(name) ? name : undefined;
}

/**
 * Kernel names of the top-level devices that hold the installer's own filesystems, following
 * loop devices to the disk their backing file lives on. Also any disk carrying a NixOS ISO
 * image (iso9660 labelled nixos-…) even when nothing of it is mounted (copytoram boots).
 */
export function findBootDisks(disks: Disk[], lsblk: ParsedLsblk, mounts: Mount[], loops: Map<string, string>): string[] {
  const found = new Set<string>();
  const addDevice = (device: string, depth: number) => {
    for (const top of lsblk.topLevel.get(device) ?? [device]) {
      if (found.has(top)) continue;
      found.add(top);
      const backing = loops.get(top);
      if (backing && depth < maxLoopDepth) {
        const holder = mountHolding(backing, mounts);
        const holderDevice = holder && deviceOf(holder, lsblk);
        if (holderDevice) addDevice(holderDevice, depth + 1);
      }
    }
  };
  for (const mount of mounts) {
    if (!installerMountpoints.includes(mount.target) && !mount.target.startsWith('/iso/')) continue;
    const device = deviceOf(mount, lsblk);
    if (device) addDevice(device, 0);
  }
  for (const disk of disks) {
    const filesystems = [disk, ...descendants(disk.children)];
    if (filesystems.some((node) => node.fsType === 'iso9660' && /^nixos/i.test(node.label ?? ''))) addDevice(disk.name, 0);
  }
  return disks.map((disk) => disk.name).filter((name) => found.has(name));
}
