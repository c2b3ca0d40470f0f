import { refusal } from '../exit-codes.js';
import { descendants } from '../facts/lsblk.js';
import type { Disk, Facts } from '../facts/types.js';
import { GiB, MiB } from './sizes.js';
import type { Choices, DiskoLayout, LabelsLayout, Layout, LuksChoice } from './types.js';

/** A partition the labels layout creates. */
export interface PlannedPartition {
  number: number;
  role: 'bios-boot' | 'boot' | 'swap' | 'root';
  /** GPT partition name. */
  name: string;
  /** sgdisk type code. */
  typeCode: string;
  /** Size in MiB; undefined = the rest of the disk. */
  sizeMiB?: number;
  /** Stable path used in commands. */
  device: string;
}

interface BaseContext {
  facts: Facts;
  choices: Choices;
}

/** A layout that writes one whole disk (labels, disko). */
interface DiskContext {
  disk: Disk;
  /** Path used for whole-disk commands: the by-id path when there is one. */
  diskRef: string;
}

/** What this tool mounts itself (labels, mounted): the devices by role. */
interface MountContext {
  /** Mounted at /mnt (the mapper device when the root is encrypted). */
  rootDevice: string;
  bootDevice: string;
  swapDevice: string | null;
  /** The LUKS choice, when the root is (to be) encrypted by us (not by a disko config). */
  luks: LuksChoice | null;
  /** Holds the LUKS container. */
  luksDevice: string | null;
}

export interface LabelsContext extends BaseContext, DiskContext, MountContext {
  kind: 'labels';
  partitions: PlannedPartition[];
}
export interface DiskoContext extends BaseContext, DiskContext {
  kind: 'disko';
  layout: DiskoLayout;
}
export interface MountedContext extends BaseContext, MountContext {
  kind: 'mounted';
}

/** Everything the phases need, derived once from facts and choices; keyed on the layout. */
export type PlanContext = LabelsContext | DiskoContext | MountedContext;

/** A layout whose root this tool encrypts, with the container's device known. */
export type LuksContext = (LabelsContext | MountedContext) & { luks: LuksChoice; luksDevice: string };

export const hasLuks = (c: PlanContext): c is LuksContext => c.kind !== 'disko' && c.luks !== null && c.luksDevice !== null;
export const hasDisk = (c: PlanContext): c is LabelsContext | DiskoContext => c.kind !== 'mounted';
export const mountsItself = (c: PlanContext): c is LabelsContext | MountedContext => c.kind !== 'disko';

export const biosBootSizeMiB = 1;

/** The disk a reference names: kernel name, /dev path or /dev/disk/by-id path. */
export function findDisk(facts: Facts, reference: string): Disk | undefined {
  const wanted = reference.replace(/\/+$/, '');
  return facts.disks.find((d) => d.path === wanted || d.name === wanted || d.byId.includes(wanted));
}

/** Finds the chosen disk among the facts; a refusal (exit 3) when it is not there. */
export function resolveDisk(facts: Facts, reference: string): Disk {
  const disk = findDisk(facts, reference);
  if (!disk) throw refusal(`disk ${reference} does not exist on the target`, `disks seen: ${facts.disks.map((d) => d.path).join(', ') || 'none'}`);
  return disk;
}

/** /dev/nvme0n1 → /dev/nvme0n1p2; /dev/sda → /dev/sda2; by-id paths get -partN as udev names them. */
export function partitionPath(diskRef: string, number: number): string {
  if (diskRef.startsWith('/dev/disk/by-id/')) return `${diskRef}-part${number}`;
  return /\d$/.test(diskRef) ? `${diskRef}p${number}` : `${diskRef}${number}`;
}

function labelsPartitions(facts: Facts, choices: Choices, layout: LabelsLayout, diskRef: string): PlannedPartition[] {
  const parts: Omit<PlannedPartition, 'number' | 'device'>[] = [];
  // GRUB on BIOS needs a BIOS boot partition; /boot stays a separate unencrypted partition.
  if (facts.firmware === 'bios') parts.push({ role: 'bios-boot', name: 'bios', typeCode: 'EF02', sizeMiB: biosBootSizeMiB });
  parts.push({ role: 'boot', name: choices.labels.efi, typeCode: facts.firmware === 'efi' ? 'EF00' : 'EA00', sizeMiB: layout.efiSizeMiB });
  if (layout.swapSizeMiB > 0) parts.push({ role: 'swap', name: choices.labels.swap, typeCode: '8200', sizeMiB: layout.swapSizeMiB });
  parts.push({ role: 'root', name: layout.luks ? layout.luks.label : choices.labels.root, typeCode: layout.luks ? '8309' : '8300' });
  return parts.map((part, i) => ({ ...part, number: i + 1, device: partitionPath(diskRef, i + 1) }));
}

/** The LUKS part of a layout; a disko config decides encryption itself. */
export const layoutLuks = (layout: Layout): LuksChoice | null => (layout.kind === 'disko' ? null : layout.luks);

/**
 * The mounted layout finds its filesystems by label: a label that two devices carry (an old
 * install on a second disk, a cloned disk) would mount whichever udev linked last.
 */
function refuseSharedLabels(facts: Facts, labels: string[]): void {
  const nodes = facts.disks.flatMap((disk) => [disk, ...descendants(disk.children)]);
  for (const label of new Set(labels)) {
    const carriers = nodes.filter((node) => node.label === label);
    const devices = [...new Set(carriers.map((node) => node.path))];
    if (devices.length > 1) {
      throw refusal(
        `label '${label}' is on ${devices.length} devices (${devices.join(', ')}): the mounted layout cannot tell which one to mount`,
        'relabel or wipe the stale one, or choose other labels with --label-*',
      );
    }
  }
}

export function planContext(facts: Facts, choices: Choices): PlanContext {
  const layout = choices.layout;
  if (layout.kind === 'mounted') {
    const used = [layout.luks ? layout.luks.label : choices.labels.root, choices.labels.efi, choices.labels.swap];
    refuseSharedLabels(facts, used);
    const byLabel = (label: string) => `/dev/disk/by-label/${label}`;
    return {
      kind: 'mounted',
      facts,
      choices,
      luks: layout.luks,
      rootDevice: layout.luks ? `/dev/mapper/${layout.luks.name}` : byLabel(choices.labels.root),
      luksDevice: layout.luks ? byLabel(layout.luks.label) : null,
      bootDevice: byLabel(choices.labels.efi),
      swapDevice: byLabel(choices.labels.swap),
    };
  }
  const disk = resolveDisk(facts, choices.disk);
  const diskRef = choices.disk.startsWith('/dev/disk/by-id/') ? choices.disk : (disk.byId[0] ?? disk.path);
  if (layout.kind === 'disko') return { kind: 'disko', facts, choices, disk, diskRef, layout };
  const partitions = labelsPartitions(facts, choices, layout, diskRef);
  const device = (role: PlannedPartition['role']) => partitions.find((p) => p.role === role)?.device ?? null;
  const root = device('root')!;
  return {
    kind: 'labels',
    facts,
    choices,
    disk,
    diskRef,
    partitions,
    luks: layout.luks,
    luksDevice: layout.luks ? root : null,
    rootDevice: layout.luks ? `/dev/mapper/${layout.luks.name}` : root,
    bootDevice: device('boot')!,
    swapDevice: device('swap'),
  };
}

/** Room the root filesystem needs at least for a small NixOS system. */
const minimumRootBytes = 4 * GiB;
const alignmentMiB = 2;

/** The smallest disk the chosen layout fits on. */
export function minimumDiskBytes(choices: Pick<Choices, 'layout'>, firmware: Facts['firmware']): number {
  const { layout } = choices;
  if (layout.kind !== 'labels') return minimumRootBytes;
  const fixedMiB = alignmentMiB + layout.efiSizeMiB + layout.swapSizeMiB + (firmware === 'bios' ? biosBootSizeMiB : 0);
  return fixedMiB * MiB + minimumRootBytes;
}
