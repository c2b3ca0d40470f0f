// `installer --write DEVICE`: the ISO onto a USB stick of this laptop, never onto anything else.
// Only a removable or USB disk that nothing has mounted and that does not hold this system;
// written, flushed, then read back and compared with the ISO's checksum.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { open, readFile, realpath, stat } from 'node:fs/promises';
import { promisify } from 'node:util';
import { BootstrapError, ExitCode, refusal, usageError } from '../exit-codes.js';
import { formatBytes } from '../plan/sizes.js';

const run = promisify(execFile);

export interface StickDevice {
  path: string;
  name: string;
  sizeBytes: number;
  removable: boolean;
  usb: boolean;
  loop: boolean;
  model: string;
  serial: string;
  /** Mount points of the disk and its partitions (swap shows as [SWAP]). */
  mounted: string[];
  /** What is on it: the disk's own signature and its partitions, as lsblk names them. */
  contents: StickContent[];
}

export interface StickContent {
  name: string;
  sizeBytes: number;
  fstype: string;
  label: string;
  uuid: string;
  partuuid: string;
}

interface LsblkNode {
  name: string;
  path: string;
  type: string;
  rm: boolean | string;
  tran: string | null;
  size: number;
  model: string | null;
  serial: string | null;
  fstype: string | null;
  label: string | null;
  uuid: string | null;
  partuuid: string | null;
  mountpoints?: Array<string | null>;
  children?: LsblkNode[];
}

const contentsOf = (node: LsblkNode): StickContent[] => [
  ...(node.fstype
    ? [{ name: node.name, sizeBytes: Number(node.size), fstype: node.fstype, label: node.label ?? '', uuid: node.uuid ?? '', partuuid: node.partuuid ?? '' }]
    : []),
  ...(node.children ?? []).flatMap((child) =>
    child.fstype
      ? contentsOf(child)
      : [{ name: child.name, sizeBytes: Number(child.size), fstype: '', label: child.label ?? '', uuid: '', partuuid: child.partuuid ?? '' }],
  ),
];

const mountpointsOf = (node: LsblkNode): string[] => [
  ...(node.mountpoints ?? []).filter((m): m is string => Boolean(m)),
  ...(node.children ?? []).flatMap(mountpointsOf),
];

/** What lsblk says about the whole disk at `device` (a by-id link is followed). */
export async function describeStick(device: string): Promise<StickDevice> {
  const path = await realpath(device).catch(() => {
    throw usageError(`--write ${device}: no such device`, 'list the disks with: lsblk -o NAME,TRAN,RM,SIZE,MODEL');
  });
  const { stdout } = await run('lsblk', ['-J', '-b', '-o', 'NAME,PATH,TYPE,RM,TRAN,SIZE,MODEL,SERIAL,FSTYPE,LABEL,UUID,PARTUUID,MOUNTPOINTS', path]).catch(
    () => {
      throw usageError(`--write ${device}: lsblk does not know it as a block device`);
    },
  );
  const node = (JSON.parse(stdout) as { blockdevices: LsblkNode[] }).blockdevices[0];
  if (!node) throw usageError(`--write ${device}: not a block device`);
  if (node.type !== 'disk' && node.type !== 'loop')
    throw refusal(`--write ${device} is a ${node.type}, not a whole disk`, 'name the stick itself, e.g. /dev/sdb');
  return {
    path,
    name: node.name,
    sizeBytes: Number(node.size),
    removable: node.rm === true || node.rm === '1',
    usb: node.tran === 'usb',
    loop: node.type === 'loop',
    model: (node.model ?? '').trim(),
    serial: (node.serial ?? '').trim(),
    mounted: mountpointsOf(node),
    contents: contentsOf(node),
  };
}

/** The same stick still: a stick pulled at the prompt and another one plugged in gets the same name. */
export const sameStick = (a: StickDevice, b: StickDevice) =>
  a.path === b.path && a.serial === b.serial && a.model === b.model && a.sizeBytes === b.sizeBytes && JSON.stringify(a.contents) === JSON.stringify(b.contents);

export const describeContents = (d: StickDevice) =>
  d.contents.length === 0
    ? ['  (no partitions or filesystems found)']
    : d.contents.map((c) => `  ${c.name}  ${formatBytes(c.sizeBytes)}  ${c.fstype || 'no filesystem'}${c.label ? ` "${c.label}"` : ''}`);

/** Signatures of disks that belong to something larger: erasing one member breaks the whole. */
const memberTypes = new Set(['LVM2_member', 'linux_raid_member', 'crypto_LUKS', 'zfs_member', 'bcache', 'ceph']);

export const describeDevice = (d: StickDevice) =>
  `${d.path} (${[d.model || (d.loop ? 'loop device' : 'disk'), formatBytes(d.sizeBytes), d.serial ? `serial ${d.serial}` : '', d.usb ? 'USB' : d.removable ? 'removable' : ''].filter(Boolean).join(', ')})`;

/** Why `device` must not be written; undefined when it may be (after a typed confirmation). */
export function stickRefusal(device: StickDevice, isoBytes: number, options: { allowLoop: boolean; yes: boolean; systemTables: string }): string | undefined {
  if (device.loop && !options.allowLoop) return 'it is a loop device, not a USB stick';
  if (!device.loop && !device.removable && !device.usb) return 'it is neither removable nor on USB: a fixed disk of this machine';
  if (options.yes && !device.usb && !device.loop) return 'it is not on USB: with --yes only a USB stick is written (type its name to confirm an SD card)';
  if (device.mounted.length > 0) return `it is in use: mounted at ${device.mounted.join(', ')} (unmount it first if it really is the stick)`;
  const known = device.contents.find((c) => [c.uuid, c.partuuid].some((id) => id && namedIn(options.systemTables, id)));
  if (known) return `${known.name} is named in this machine's /etc/fstab or /etc/crypttab: it is one of this system's disks`;
  const member = device.contents.find((c) => memberTypes.has(c.fstype));
  if (member) return `${member.name} is ${member.fstype}, part of a volume group, array or encrypted set (wipefs it yourself if it really is the stick)`;
  if (device.sizeBytes < isoBytes) return `it holds ${formatBytes(device.sizeBytes)}, the ISO needs ${formatBytes(isoBytes)}`;
  return undefined;
}

/** `UUID=id`, `PARTUUID=id`, `/dev/disk/by-uuid/id`: the id as a whole word, never part of another. */
const namedIn = (tables: string, id: string) => new RegExp(`(^|[=/\\s"])${id.replace(/[^A-Za-z0-9]/g, '\\$&')}($|[\\s,"])`, 'im').test(tables);

/** /etc/fstab and /etc/crypttab as one text: a partition this system mounts or unlocks is named there. */
export async function systemTables(): Promise<string> {
  const read = (file: string) => readFile(file, 'utf8').catch(() => '');
  return `${await read('/etc/fstab')}\n${await read('/etc/crypttab')}`;
}

export interface WriteProgress {
  written: number;
  total: number;
  elapsedMs: number;
}

const chunkBytes = 4 * 1024 * 1024;

/**
 * Copies `iso` to the device (opened O_EXCL: the kernel refuses a disk that is mounted or held),
 * fsyncs, then reads the same number of bytes back and compares their SHA-256 with `expected`.
 */
export async function writeStick(iso: string, device: string, expected: string, onProgress: (progress: WriteProgress) => void): Promise<void> {
  const total = (await stat(iso)).size;
  const started = Date.now();
  const source = await open(iso, 'r');
  const target = await open(device, constants.O_WRONLY | constants.O_EXCL).catch((error: NodeJS.ErrnoException) => {
    throw refusal(
      `cannot open ${device} for writing (${error.code ?? String(error)})`,
      error.code === 'EBUSY' ? 'something holds it: unmount it first' : undefined,
    );
  });
  const buffer = Buffer.alloc(chunkBytes);
  try {
    let written = 0;
    while (written < total) {
      const { bytesRead } = await source.read(buffer, 0, chunkBytes, written);
      if (bytesRead === 0) break;
      await target.write(buffer, 0, bytesRead, written);
      written += bytesRead;
      onProgress({ written, total, elapsedMs: Date.now() - started });
    }
    await target.sync();
  } finally {
    await target.close();
    await source.close();
  }
  // Read the stick, not the page cache: drop the device's buffers first.
  await run('blockdev', ['--flushbufs', device]).catch(() => undefined);
  const hash = createHash('sha256');
  const back = await open(device, 'r');
  try {
    for (let offset = 0; offset < total; offset += chunkBytes) {
      const { bytesRead } = await back.read(buffer, 0, Math.min(chunkBytes, total - offset), offset);
      hash.update(buffer.subarray(0, bytesRead));
    }
  } finally {
    await back.close();
  }
  const actual = hash.digest('hex');
  if (actual !== expected) {
    throw new BootstrapError(
      `read back from ${device}, the ISO's SHA-256 is ${actual}, not ${expected}`,
      ExitCode.phaseFailed,
      'the stick may be failing or fake (smaller than it claims); try another one',
    );
  }
}

/** `1.2 GiB of 1.4 GiB · 38 MiB/s · 5 s left` */
export function progressLine({ written, total, elapsedMs }: WriteProgress): string {
  const rate = elapsedMs > 0 ? (written / elapsedMs) * 1000 : 0;
  const left = rate > 0 ? Math.ceil((total - written) / rate) : undefined;
  return `${formatBytes(written)} of ${formatBytes(total)} · ${formatBytes(Math.round(rate))}/s${left !== undefined ? ` · ${left} s left` : ''}`;
}
