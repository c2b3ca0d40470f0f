// Pure disk choice. Every disk gets a verdict with its reasons, so the UI can grey out the
// ineligible ones and say why; the default pick names the rule that chose it. A disk holding
// anything mounted or active, the installer's own medium, or anything removable is never a
// candidate, and an external one is never recommended: disko's tracker is full of the wrong disk
// wiped.
import { refusal } from '../exit-codes.js';
import { formatBytes } from '../plan/sizes.js';
import { descendants } from './lsblk.js';
import type { BlockChild, Disk, EfiBootEntry, Facts } from './types.js';

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
  /** On a USB, FireWire or SD-card bus: a backup drive or a card, never recommended. */
  external: boolean;
  /** What it holds, e.g. `ext4 'backup' on sdb1`: empty for a blank disk. */
  contents: string[];
}

export type PickReason =
  | 'chosen with --disk'
  /** --disk only:BUS */
  | 'the only eligible disk on the bus --disk names'
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
  /** Said with the pick when it holds data while another eligible disk is empty. */
  note?: string;
}

/**
 * Members of something active that nothing on this disk shows as mounted: a device of a mounted
 * multi-device btrfs (same filesystem UUID as a mounted one elsewhere), active swap, a member of
 * an imported ZFS pool. (Active md and LVM members show their holders, checked above.)
 */
function quietlyInUse(disk: Disk, nodes: Array<Disk | BlockChild>, facts: Facts): string[] {
  // Other disks only: a hybrid ISO's partitions share the UUID of the disk itself.
  const mounted = new Map<string, string>();
  for (const other of facts.disks.filter((d) => d.name !== disk.name)) {
    for (const node of [other, ...descendants(other.children)]) {
      if (node.uuid && node.mountpoints.length > 0) mounted.set(node.uuid, node.mountpoints[0]!);
    }
  }
  const swaps = new Set(facts.activeSwaps ?? []);
  const pools = new Set(facts.zfsPools ?? []);
  return nodes.flatMap((node) => {
    const { uuid } = node;
    if (swaps.has(node.path) && !node.mountpoints.includes('[SWAP]')) return [`${node.name} (active swap)`];
    if (uuid && node.mountpoints.length === 0 && mounted.has(uuid)) return [`${node.name} (${node.fsType ?? 'filesystem'} mounted at ${mounted.get(uuid)})`];
    if (node.fsType === 'zfs_member' && node.label && pools.has(node.label)) return [`${node.name} (ZFS pool ${node.label}, imported)`];
    return [];
  });
}

/**
 * Buses that carry removable media and backup drives, even when they say RM=0. Not `mmc`: that
 * is also the soldered eMMC of many laptops and boards (an SD card is `sd`, from sysfs).
 */
const externalTransports = ['usb', 'ieee1394', 'sd'];

function isExternal(disk: Disk): boolean {
  return externalTransports.includes(disk.transport ?? '');
}

/** Filesystems, RAID/LVM members and LUKS headers on the disk: `ext4 'backup' on sdb1`. */
function diskContents(disk: Disk): string[] {
  return [disk, ...descendants(disk.children)]
    .filter((node) => node.fsType)
    .map((node) => `${node.fsType}${node.label ? ` '${node.label}'` : ''} on ${node.name}`);
}

function partitionsOf(disk: Disk) {
  return disk.children.filter((child) => child.type === 'part');
}

export function assessDisk(disk: Disk, facts: Facts, options: DiskChoiceOptions = {}): DiskAssessment {
  const nodes = [disk, ...descendants(disk.children)];
  const mountpoints = [...new Set(nodes.flatMap((node) => node.mountpoints))];
  const partUuids = new Set(
    partitionsOf(disk)
      .map((part) => part.partUuid)
      .filter(Boolean),
  );
  const efiBootEntries = facts.efiBootEntries.filter((entry) => entry.partUuid && partUuids.has(entry.partUuid));
  const hasEsp = partitionsOf(disk).some((part) => espPartitionTypes.includes(part.partTypeGuid ?? ''));
  const isBootMedium = facts.bootDisks.includes(disk.name);
  const holders = descendants(disk.children).filter((node) => node.type !== 'part');
  const inUse = quietlyInUse(disk, nodes, facts);

  const reasons: string[] = [];
  const isLoop = disk.type === 'loop';
  if (isLoop && !options.allowLoopDisks) reasons.push('loop device');
  else if (disk.type !== 'disk' && !isLoop) reasons.push(`not a disk (${disk.type})`);
  if (/^(zram|ram)\d+$/.test(disk.name)) reasons.push('RAM disk');
  if (isBootMedium) reasons.push("the installer's boot medium");
  if (mountpoints.length > 0) reasons.push(`mounted: ${mountpoints.join(', ')}`);
  if (holders.length > 0) reasons.push(`in use: ${holders.map((node) => `${node.name} (${node.type})`).join(', ')}`);
  if (inUse.length > 0) reasons.push(`in use: ${inUse.join(', ')}`);
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
    external: isExternal(disk),
    contents: diskContents(disk),
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
 * The default pick among eligible internal disks: EFI boot entry > ESP > most partitions >
 * largest. The reason is the first rule that sets the winner apart from the runner-up. External
 * disks (USB, FireWire, SD) are never recommended: a backup drive that says RM=0 is one of them.
 */
export function recommendDisk(assessments: DiskAssessment[]): DiskPick | undefined {
  const eligible = assessments.filter((a) => a.eligible && !a.external);
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
  const empty = eligible.find((a) => a.contents.length === 0);
  const note = best.contents.length > 0 && empty ? `it holds ${best.contents.join(', ')}; ${empty.disk.name} is empty` : undefined;
  return { disk: best.disk, devicePath: stablePath(best.disk), reason, assessment: best, ...(note ? { note } : {}) };
}

/** One line per eligible disk for a refusal or a list: path, size, bus and what it holds. */
export function describeCandidate(assessment: DiskAssessment): string {
  const { disk } = assessment;
  const traits = [formatBytes(disk.sizeBytes), disk.transport ?? 'unknown bus', ...(assessment.external ? ['external'] : [])];
  return `${stablePath(disk)} (${traits.join(', ')}; ${describeContents(assessment)})`;
}

/** `holds ext4 'backup' on sdb1`, or `empty`. */
export const describeContents = (assessment: DiskAssessment) => (assessment.contents.length ? `holds ${assessment.contents.join(', ')}` : 'empty');

/**
 * `--yes` without `--disk`: the plan may only go ahead when exactly one disk could be meant.
 * Several eligible disks (or only external ones) are a refusal that lists them.
 */
export function refuseAmbiguousDisk(assessments: DiskAssessment[]): void {
  const eligible = assessments.filter((a) => a.eligible);
  if (eligible.length === 1 && !eligible[0]!.external) return;
  if (eligible.length === 0) return; // chooseDisk already refuses, with every disk's reasons
  const what = eligible.length === 1 ? 'the only eligible disk is external' : `${eligible.length} disks are eligible`;
  throw refusal(
    `refusing to pick a disk with --yes: ${what}\n${eligible.map((a) => `  ${describeCandidate(a)}`).join('\n')}`,
    'nothing was changed; name the disk with --disk /dev/disk/by-id/… (or INSTALL_DISK)',
  );
}

/**
 * Resolves `--disk` / `INSTALL_DISK`: `/dev/disk/by-id/…` (recorded as given), `/dev/sda` or
 * `sda`. A missing, partition, ineligible or too small disk is a refusal (exit 3) with the reason.
 */
export function selectDisk(facts: Facts, requested: string, options: DiskChoiceOptions = {}): DiskPick {
  const wanted = requested.trim();
  const hint = eligibleHint(facts, options);
  const rule = /^only:([a-z0-9]+)$/i.exec(wanted);
  if (rule) return onlyDiskOn(facts, rule[1]!.toLowerCase(), options, hint);
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

/**
 * `--disk only:nvme`: the one eligible disk on that bus, whatever its name, so one flag fits a
 * room of identical machines; none or several is a refusal, never a guess.
 */
function onlyDiskOn(facts: Facts, transport: string, options: DiskChoiceOptions, hint: string): DiskPick {
  const on = assessDisks(facts, options).filter((a) => a.eligible && a.disk.transport === transport);
  if (on.length !== 1) {
    const what = on.length ? `${on.length} eligible ${transport} disks (${on.map(describeCandidate).join(', ')})` : `no eligible ${transport} disk`;
    throw refusal(`--disk only:${transport}: the target has ${what}`, on.length ? 'name one: --disk /dev/disk/by-id/…' : hint);
  }
  const assessment = on[0]!;
  return { disk: assessment.disk, devicePath: stablePath(assessment.disk), reason: 'the only eligible disk on the bus --disk names', assessment };
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
    const external = disks.filter((a) => a.eligible && a.external);
    if (external.length) {
      throw refusal(
        `no internal disk is eligible; external: ${external.map(describeCandidate).join(', ')}`,
        'nothing was changed; name an external disk with --disk only if you mean it',
      );
    }
    const why = disks.map((a) => `${a.disk.name}: ${a.ineligibleReasons.join(', ')}`).join('; ');
    throw refusal(`no eligible disk on the target${why ? ` (${why})` : ''}`, 'nothing was changed');
  }
  return { disks, pick };
}
