// `lsblk --json --bytes` → Disk[]. Written for every lsblk JSON dialect seen in the wild:
// util-linux ≥ 2.37 gives numbers, booleans and MOUNTPOINTS (an array with nulls); older ones
// give strings ("0"/"1", sizes as text) and a single MOUNTPOINT.
import type { BlockChild, Disk } from './types.js';

type Scalar = string | number | boolean | null | undefined;

export interface LsblkNode {
  name?: Scalar;
  kname?: Scalar;
  path?: Scalar;
  'maj:min'?: Scalar;
  type?: Scalar;
  size?: Scalar;
  model?: Scalar;
  serial?: Scalar;
  rm?: Scalar;
  ro?: Scalar;
  tran?: Scalar;
  fstype?: Scalar;
  label?: Scalar;
  partlabel?: Scalar;
  parttype?: Scalar;
  uuid?: Scalar;
  partuuid?: Scalar;
  mountpoints?: Scalar[] | null;
  mountpoint?: Scalar;
  pttype?: Scalar;
  children?: LsblkNode[];
}

const text = (value: Scalar): string | undefined => {
  if (value === null || value === undefined) return undefined;
  const trimmed = String(value).trim();
  return trimmed === '' ? undefined : trimmed;
};

const flag = (value: Scalar): boolean => value === true || value === 1 || value === '1' || value === 'true';

const bytes = (value: Scalar): number => {
  const n = typeof value === 'number' ? value : Number(text(value) ?? 0);
  return Number.isFinite(n) && n >= 0 ? n : 0;
};

function mountpointsOf(node: LsblkNode): string[] {
  const list = Array.isArray(node.mountpoints) ? node.mountpoints : [node.mountpoint];
  return list.map(text).filter((m): m is string => m !== undefined);
}

function nameOf(node: LsblkNode): string {
  const name = text(node.name) ?? text(node.kname);
  if (!name) throw new Error('lsblk device without a name');
  return name;
}

function optional<T extends object>(fields: T): Partial<T> {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as Partial<T>;
}

function toChild(node: LsblkNode): BlockChild {
  const name = nameOf(node);
  return {
    name,
    path: text(node.path) ?? `/dev/${name}`,
    type: text(node.type) ?? 'unknown',
    sizeBytes: bytes(node.size),
    ...optional({
      fsType: text(node.fstype),
      label: text(node.label),
      partLabel: text(node.partlabel),
      partTypeGuid: text(node.parttype)?.toLowerCase(),
      uuid: text(node.uuid),
      partUuid: text(node.partuuid)?.toLowerCase(),
    }),
    mountpoints: mountpointsOf(node),
    children: (node.children ?? []).map(toChild),
  };
}

function toDisk(node: LsblkNode): Disk {
  const name = nameOf(node);
  return {
    name,
    path: text(node.path) ?? `/dev/${name}`,
    byId: [],
    type: text(node.type) ?? 'unknown',
    ...optional({ model: text(node.model), serial: text(node.serial) }),
    sizeBytes: bytes(node.size),
    removable: flag(node.rm),
    readOnly: flag(node.ro),
    ...optional({
      transport: text(node.tran),
      partitionTable: text(node.pttype),
      fsType: text(node.fstype),
      label: text(node.label),
      uuid: text(node.uuid),
    }),
    mountpoints: mountpointsOf(node),
    children: (node.children ?? []).map(toChild),
  };
}

export interface ParsedLsblk {
  disks: Disk[];
  /** `maj:min` → kernel name of every node (disk, partition, dm, …). */
  byMajorMinor: Map<string, string>;
  /** Kernel name of any node → names of the top-level devices that hold it. */
  topLevel: Map<string, Set<string>>;
}

/** Parses `lsblk --json` text; throws on anything that is not lsblk's JSON. */
export function parseLsblk(json: string): ParsedLsblk {
  const data = JSON.parse(json) as { blockdevices?: LsblkNode[] };
  if (!data || !Array.isArray(data.blockdevices)) throw new Error('no "blockdevices" array');
  const byMajorMinor = new Map<string, string>();
  const topLevel = new Map<string, Set<string>>();
  const walk = (node: LsblkNode, top: string) => {
    const name = nameOf(node);
    const majorMinor = text(node['maj:min']);
    if (majorMinor) byMajorMinor.set(majorMinor, name);
    if (!topLevel.has(name)) topLevel.set(name, new Set());
    topLevel.get(name)!.add(top);
    for (const child of node.children ?? []) walk(child, top);
  };
  for (const node of data.blockdevices) walk(node, nameOf(node));
  return { disks: data.blockdevices.map(toDisk), byMajorMinor, topLevel };
}

/** Every partition/child below a disk, depth first. */
export function descendants(children: BlockChild[]): BlockChild[] {
  return children.flatMap((child) => [child, ...descendants(child.children)]);
}
