// Pure disk choice. Every disk gets a verdict with its reasons, so the UI can grey out the
// ineligible ones and say why; the default pick names the rule that chose it. A disk holding
// anything mounted, the installer's own medium, or anything removable is never a candidate:
// disko's tracker is full of the wrong disk wiped.
import { refusal } from '../exit-codes.js';
import { formatBytes } from '../plan/sizes.js';
import { descendants } from './lsblk.js';
import type { Disk, EfiBootEntry, Facts } from './types.js';

export const espPartitionTypes = ['c12a7328-f81f-11d2-ba4b-00a0c93ec93b', '0xef', 'ef'];

export interface DiskChoiceOptions {
  /** LAB ONLY: loop devices count as disks. Never set in normal runs. */
  allowLoopDisks?: boolean;
  /** What the chosen layout needs; smaller disks are ineligible. */
  minSizeBytes?: number;
}

export interface DiskAssessment {
  disk: Disk;
  eligible: boolean;
  /** Why the disk cannot be chosen (empty when eligible), e.g. "removable", "mounted: /iso". */
  ineligibleReasons: string[];
  /** EFI boot entries pointing at a partition of this disk. */
  efiBootEntries: EfiBootEntry[];
  hasEsp: boolean;
  partitionCount: number;
  isBootMedium: boolean;
  /** Mountpoints of the disk and everything on it ([SWAP] included). */
  mountpoints: string[];
}

export type PickReason =
  | 'chosen with --disk'
  | 'only eligible disk'
  | 'has EFI boot entry'
  | 'has an ESP'
  | 'most partitions'
  | 'largest'
  /** Eligible disks that no rule tells apart: the first by kernel name, for a stable choice. */
  | 'first by name';

export interface DiskPick {
  disk: Disk;
  /**
   * The path to record in the plan: the /dev/disk/by-id path the user gave, else the disk's most
   * specific by-id path, else its /dev path (loop disks and machines without udev have none).
   */
  devicePath: string;
  reason: PickReason;
  assessment: DiskAssessment;
}

function partitionsOf(disk: Disk) {
  return disk.children.filter((child) => child.type === 'part');
}

export function assessDisk(disk: Disk, facts: Facts, options: DiskChoiceOptions = {}): DiskAssessment {
  const nodes = [disk, ...descendants(disk.children)];
  const mountpoints = [...new Set(nodes.flatMap((node) => node.mountpoints))];
  const partUuids = new Set(partitionsOf(disk).map((part) => part.partUuid).filter(Boolean));
  const efiBootEntries = facts.efiBootEntries.filter((entry) => entry.partUuid && partUuids.has(entry.partUuid));
  const hasEsp = partitionsOf(disk).some((part) => espPartitionTypes.includes(part.partTypeGuid ?? ''));
  const isBootMedium = facts.bootDisks.includes(disk.name);
  const holders = descendants(disk.children).filter((node) => node.type !== 'part');

  const reasons: string[] = [];
  const isLoop = disk.type === 'loop';
  if (isLoop && !options.allowLoopDisks) reasons.push('loop device');
  else if (disk.type !== 'disk' && !isLoop) reasons.push(`not a disk (${disk.type})`);
  if (/^(zram|ram)\d+$/.test(disk.name)) reasons.push('RAM disk');
  if (isBootMedium) reasons.push("the installer's boot medium");
  if (mountpoints.length > 0) reasons.push(`mounted: ${mountpoints.join(', ')}`);
  if (holders.length > 0) reasons.push(`in use: ${holders.map((node) => `${node.name} (${node.type})`).join(', ')}`);
  if (disk.removable) reasons.push('removable');
  if (disk.readOnly) reasons.push('read-only');
  if (disk.sizeBytes === 0) reasons.push('no medium (0 bytes)');
  else if (options.minSizeBytes !== undefined && disk.sizeBytes < options.minSizeBytes) {
    reasons.push(`too small: ${formatBytes(disk.sizeBytes)}, the layout needs ${formatBytes(options.minSizeBytes)}`);
  }

  return {
    disk,
    eligible: reasons.length === 0,
    ineligibleReasons: reasons,
    efiBootEntries,
    hasEsp,
    partitionCount: partitionsOf(disk).length,
    isBootMedium,
    mountpoints,
  };
}

/** Every disk of the target with its verdict, in the probe's order. */
export function assessDisks(facts: Facts, options: DiskChoiceOptions = {}): DiskAssessment[] {
  return facts.disks.map((disk) => assessDisk(disk, facts, options));
}

/** The record-worthy path of a disk: its most specific by-id name when it has one. */
export function stablePath(disk: Disk): string {
  return disk.byId[0] ?? disk.path;
}

// Rules in order; each compares two eligible disks (positive: a is better).
const rules: Array<{ reason: PickReason; compare: (a: DiskAssessment, b: DiskAssessment) => number }> = [
  { reason: 'has EFI boot entry', compare: (a, b) => Number(a.efiBootEntries.length > 0) - Number(b.efiBootEntries.length > 0) },
  { reason: 'has an ESP', compare: (a, b) => Number(a.hasEsp) - Number(b.hasEsp) },
  { reason: 'most partitions', compare: (a, b) => a.partitionCount - b.partitionCount },
  { reason: 'largest', compare: (a, b) => a.disk.sizeBytes - b.disk.sizeBytes },
];

/**
 * The default pick among eligible disks: EFI boot entry > ESP > most partitions > largest.
 * The reason is the first rule that sets the winner apart from the runner-up.
 */
export function recommendDisk(assessments: DiskAssessment[]): DiskPick | undefined {
  const eligible = assessments.filter((a) => a.eligible);
  if (eligible.length === 0) return undefined;
  const ranked = [...eligible].sort((a, b) => {
    for (const rule of rules) {
      const order = rule.compare(b, a);
      if (order !== 0) return order;
    }
    return a.disk.name.localeCompare(b.disk.name);
  });
  const [best, runnerUp] = ranked as [DiskAssessment, DiskAssessment | undefined];
  let reason: PickReason = 'only eligible disk';
  if (runnerUp) reason = rules.find((rule) => rule.compare(best, runnerUp) > 0)?.reason ?? 'first by name';
  return { disk: best.disk, devicePath: stablePath(best.disk), reason, assessment: best };
}

/**
 * Resolves `--disk` / `INSTALL_DISK`: `/dev/disk/by-id/…` (recorded as given), `/dev/sda` or
 * `sda`. A missing, partition, ineligible or too small disk is a refusal (exit 3) with the reason.
 */
export function selectDisk(facts: Facts, requested: string, options: DiskChoiceOptions = {}): DiskPick {
  const wanted = requested.trim();
  const hint = eligibleHint(facts, options);
  let disk: Disk | undefined;
  if (wanted.startsWith('/dev/disk/by-id/')) {
    disk = facts.disks.find((d) => d.byId.includes(wanted));
    if (!disk && /-part\d+$/.test(wanted)) throw refusal(`--disk ${wanted} names a partition, not a whole disk`, hint);
  } else if (wanted.startsWith('/dev/disk/')) {
    throw refusal(`--disk ${wanted}: only /dev/disk/by-id/… names are accepted (or /dev/NAME)`, hint);
  } else {
    const name = wanted.replace(/^\/dev\//, '');
    disk = facts.disks.find((d) => d.name === name || d.path === wanted);
    if (!disk) {
      const parent = facts.disks.find((d) => descendants(d.children).some((child) => child.name === name || child.path === wanted));
      if (parent) throw refusal(`--disk ${wanted} is a partition of ${parent.path}, not a whole disk`, hint);
    }
  }
  if (!disk) throw refusal(`--disk ${wanted}: no such disk on the target`, hint);
  const assessment = assessDisk(disk, facts, options);
  if (!assessment.eligible) {
    throw refusal(`refusing --disk ${wanted} (${disk.path}): ${assessment.ineligibleReasons.join('; ')}`, hint);
  }
  return {
    disk,
    devicePath: wanted.startsWith('/dev/disk/by-id/') ? wanted : stablePath(disk),
    reason: 'chosen with --disk',
    assessment,
  };
}

function eligibleHint(facts: Facts, options: DiskChoiceOptions): string {
  const eligible = assessDisks(facts, options).filter((a) => a.eligible);
  if (eligible.length === 0) return 'nothing was changed; the target has no eligible disk';
  return `nothing was changed; eligible: ${eligible.map((a) => `${stablePath(a.disk)} (${formatBytes(a.disk.sizeBytes)})`).join(', ')}`;
}

/** `--disk` wins over `INSTALL_DISK`; empty values count as unset. */
export function requestedDisk(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (flag !== undefined && flag.trim() !== '') return flag.trim();
  const fromEnv = env.INSTALL_DISK?.trim();
  return fromEnv ? fromEnv : undefined;
}

export interface DiskChoice {
  disks: DiskAssessment[];
  pick: DiskPick;
}

/** The whole step: verdicts for the table, plus the requested disk or the default pick. */
export function chooseDisk(facts: Facts, options: DiskChoiceOptions & { requested?: string } = {}): DiskChoice {
  const disks = assessDisks(facts, options);
  if (options.requested !== undefined) return { disks, pick: selectDisk(facts, options.requested, options) };
  const pick = recommendDisk(disks);
  if (!pick) {
    const why = disks.map((a) => `${a.disk.name}: ${a.ineligibleReasons.join(', ')}`).join('; ');
    throw refusal(`no eligible disk on the target${why ? ` (${why})` : ''}`, 'nothing was changed');
  }
  return { disks, pick };
}
