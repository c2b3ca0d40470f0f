// Before --resume touches anything: is this still the machine and the disk the run started on?
// A path such as /dev/sda may name another disk after a reboot or a replug, and an installer
// image with a baked-in host key can answer on another machine: both are refused (exit 3).
import { refusal } from '../exit-codes.js';
import { assessDisk, stablePath } from '../facts/disks.js';
import { descendants } from '../facts/lsblk.js';
import type { BlockChild, Disk, Facts } from '../facts/types.js';
import { findDisk, layoutLuks } from '../plan/plan-context.js';
import { formatBytes } from '../plan/sizes.js';
import type { Choices, Plan } from '../plan/types.js';

/** What identifies a disk across reboots: not its kernel name. */
export interface DiskIdentity {
  path: string;
  byId: string[];
  serial?: string;
  sizeBytes: number;
  /** The slot it sits in (/sys/devices/…), for disks with neither serial nor by-id name. */
  busPath?: string;
}

export function diskIdentity(disk: Disk): DiskIdentity {
  return {
    path: disk.path,
    byId: disk.byId,
    ...(disk.serial ? { serial: disk.serial } : {}),
    sizeBytes: disk.sizeBytes,
    ...(disk.busPath ? { busPath: disk.busPath } : {}),
  };
}

const describe = (id: DiskIdentity) => `${id.byId[0] ?? id.path}, ${formatBytes(id.sizeBytes)}${id.serial ? `, serial ${id.serial}` : ''}`;

function sameDisk(was: DiskIdentity, now: DiskIdentity): boolean {
  if (was.sizeBytes !== now.sizeBytes) return false;
  if (was.serial && now.serial) return was.serial === now.serial;
  if (was.byId.length > 0 && now.byId.length > 0) return was.byId.some((name) => now.byId.includes(name));
  // Neither serial nor by-id name: the slot must be the same (the name alone is what was looked up).
  return was.busPath !== undefined && was.busPath === now.busPath;
}

export interface ResumeIdentity {
  disk?: DiskIdentity;
  /** MAC of the installer's link the run came in on. */
  mac?: string;
}

/** What a new run records in its journal: the disk it plans to write and the installer's MAC. */
export function resumeIdentity(facts: Facts, plan: Plan): ResumeIdentity {
  const disk = plan.disk ? facts.disks.find((d) => d.path === plan.disk!.path) : undefined;
  const mac = facts.connection?.mac;
  return { ...(disk ? { disk: diskIdentity(disk) } : {}), ...(mac ? { mac } : {}) };
}

/**
 * Refuses to resume when the installer's MAC or the disk changed, the disk became the boot medium,
 * or it is no longer eligible for another reason than this run's own mounts and LUKS mapping.
 */
export function checkResumeIdentity(recorded: ResumeIdentity, choices: Choices, facts: Facts, options: { allowLoopDisks?: boolean } = {}): void {
  const mac = facts.connection?.mac;
  if (recorded.mac && mac && recorded.mac !== mac) {
    throw refusal(
      `refusing to resume: the installer answering with this host key has MAC ${mac}, the run started on ${recorded.mac}`,
      'another machine booted the same installer image (same host key); run the install again without --resume on the right one',
    );
  }
  if (choices.layout.kind === 'mounted' || !recorded.disk) return;
  const disk = findDisk(facts, choices.disk);
  if (!disk) throw refusal(`refusing to resume: disk ${choices.disk} (${describe(recorded.disk)}) is gone from the target`, 'nothing was changed');
  const now = diskIdentity(disk);
  if (!sameDisk(recorded.disk, now)) {
    throw refusal(
      `refusing to resume: ${choices.disk} is now another disk (${describe(now)}); the run started on ${describe(recorded.disk)}`,
      'nothing was changed; start again without --resume and confirm the disk',
    );
  }
  // This run's own work does not make the disk ineligible: what it mounted under /mnt or as
  // swap, and the mappings (LUKS, LVM, RAID of a disko layout) that serve only those.
  const luks = layoutLuks(choices.layout);
  const before = withoutThisRun(disk, luks?.name);
  // Swap on the confirmed disk can only be this run's: it was ineligible with anyone else's.
  const onDisk = new Set([disk, ...descendants(disk.children)].map((node) => node.path));
  const asBefore = {
    ...facts,
    disks: facts.disks.map((d) => (d.name === disk.name ? before : d)),
    activeSwaps: (facts.activeSwaps ?? []).filter((path) => !onDisk.has(path)),
  };
  const reasons = assessDisk(before, asBefore, options).ineligibleReasons;
  if (reasons.length > 0) throw refusal(`refusing to resume on ${stablePath(disk)}: ${reasons.join('; ')}`, 'nothing was changed');
}

const oursMount = (mountpoint: string) => mountpoint === '/mnt' || mountpoint.startsWith('/mnt/') || mountpoint === '[SWAP]';

/** The disk as it was before this run mounted and opened things on it. */
function withoutThisRun(disk: Disk, luksName: string | undefined): Disk {
  const strip = <T extends Disk | BlockChild>(node: T): T => {
    const children = node.children.filter((child) => child.type === 'part' || !isOurs(child)).map(strip);
    return { ...node, mountpoints: node.mountpoints.filter((m) => !oursMount(m)), children };
  };
  // A mapping is this run's when all it serves is mounted under /mnt (or is its named LUKS).
  const isOurs = (node: BlockChild): boolean => {
    const mounts = [node, ...descendants(node.children)].flatMap((n) => n.mountpoints);
    return node.name === luksName || (mounts.length > 0 && mounts.every(oursMount));
  };
  return strip(disk);
}
