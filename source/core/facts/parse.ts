// Pure: the probe script's output → Facts. Like nixos-anywhere's get-facts, a missing fact is
// a refusal, never a guess: decisions about disks are made only from what was actually seen.
import { normalizeMac } from '../discovery/eui64.js';
import { refusal } from '../exit-codes.js';
import { printableDeep } from '../logs/printable.js';
import { findBootDisks, parseLoops, parseMounts } from './boot-media.js';
import { parseEfiBootEntries } from './efi-boot.js';
import { parseLsblk, type ParsedLsblk } from './lsblk.js';
import { probeFormatVersion } from './probe-script.js';
import type { BlockChild, Disk, Facts } from './types.js';

export interface ProbeOutput {
  version?: number;
  sections: Map<string, string>;
  /** The `@@nb end` line arrived: the output was not cut short. */
  complete: boolean;
}

export function splitProbeOutput(output: string): ProbeOutput {
  const sections = new Map<string, string>();
  let version: number | undefined;
  let complete = false;
  let current: string | undefined;
  let lines: string[] = [];
  const flush = () => {
    if (current !== undefined) sections.set(current, lines.join('\n').trim());
    lines = [];
  };
  for (const line of output.split('\n')) {
    const marker = /^@@nb (probe|section|end)\s*(.*)$/.exec(line);
    if (!marker) {
      if (current !== undefined) lines.push(line);
      continue;
    }
    if (marker[1] === 'probe') version = Number(marker[2]);
    if (marker[1] === 'section' || marker[1] === 'end') flush();
    if (marker[1] === 'section') current = marker[2]!.trim();
    if (marker[1] === 'end') {
      current = undefined;
      complete = true;
    }
  }
  flush();
  return { ...(version !== undefined ? { version } : {}), sections, complete };
}

/** os-release: KEY=value with shell quoting ("…" with backslash escapes, or '…'). */
export function parseOsRelease(text: string): Record<string, string> {
  const result: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (!match) continue;
    let value = match[2]!;
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1).replace(/\\(["\\$`])/g, '$1');
    else if (value.startsWith("'") && value.endsWith("'") && value.length >= 2) value = value.slice(1, -1);
    result[match[1]!] = value;
  }
  return result;
}

export function parseKeyValues(text: string): Map<string, string> {
  const result = new Map<string, string>();
  for (const line of text.split('\n')) {
    const equals = line.indexOf('=');
    if (equals > 0) result.set(line.slice(0, equals).trim(), line.slice(equals + 1).trim());
  }
  return result;
}

/** `blkid -o export`: blank-line separated blocks of KEY=value, keyed by DEVNAME. */
export function parseBlkid(text: string): Map<string, Record<string, string>> {
  const result = new Map<string, Record<string, string>>();
  for (const block of text.split(/\n\s*\n/)) {
    const fields: Record<string, string> = {};
    for (const line of block.split('\n')) {
      const equals = line.indexOf('=');
      if (equals > 0) fields[line.slice(0, equals).trim()] = line.slice(equals + 1).trim();
    }
    if (fields.DEVNAME) result.set(fields.DEVNAME, fields);
  }
  return result;
}

function setIfMissing<T extends object, K extends keyof T>(node: T, key: K, value: T[K] | undefined): void {
  if (node[key] === undefined && value !== undefined && value !== '') node[key] = value;
}

/** Fills what lsblk left empty (it reads these from udev's database, absent on some systems) from blkid. */
export function fillFromBlkid(disks: Disk[], blkid: Map<string, Record<string, string>>): void {
  const fillChild = (child: BlockChild) => {
    const found = blkid.get(child.path);
    if (found) {
      setIfMissing(child, 'fsType', found.TYPE);
      setIfMissing(child, 'label', found.LABEL);
      setIfMissing(child, 'uuid', found.UUID);
      setIfMissing(child, 'partUuid', found.PARTUUID?.toLowerCase());
      setIfMissing(child, 'partLabel', found.PARTLABEL);
    }
    child.children.forEach(fillChild);
  };
  for (const disk of disks) {
    const found = blkid.get(disk.path);
    if (found) {
      setIfMissing(disk, 'fsType', found.TYPE);
      setIfMissing(disk, 'label', found.LABEL);
      setIfMissing(disk, 'uuid', found.UUID);
      setIfMissing(disk, 'partitionTable', found.PTTYPE);
    }
    disk.children.forEach(fillChild);
  }
}

/** `/dev/disk/by-id/<name> /dev/<target>` lines → target path → by-id paths. */
export function parseById(text: string): Map<string, string[]> {
  const result = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const [link, target] = line.trim().split(/\s+/);
    if (!link?.startsWith('/dev/disk/by-id/') || !target?.startsWith('/dev/')) continue;
    result.set(target, [...(result.get(target) ?? []), link]);
  }
  return result;
}

/**
 * Most specific first: names built from model and serial (ata-, nvme-<model>, usb-, virtio-,
 * scsi-S…, mmc-) before bare world-wide names (wwn-, nvme-eui., scsi-3…), then shorter first.
 */
export function sortById(links: string[]): string[] {
  const rank = (link: string) => {
    const name = link.slice(link.lastIndexOf('/') + 1);
    if (/^(wwn-|nvme-eui\.|nvme-nvme\.|scsi-[0-9]|dm-|lvm-|md-uuid-)/.test(name)) return 1;
    return 0;
  };
  return [...links].sort((a, b) => rank(a) - rank(b) || a.length - b.length || a.localeCompare(b));
}

const lines = (text: string | undefined) =>
  (text ?? '')
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);

/** Buses told apart by a directory in a disk's sysfs path, in the order to look for them. */
const busInSysfsPath: [RegExp, string][] = [
  [/\/usb\d*\//, 'usb'],
  [/\/firewire|\/fw\d/, 'ieee1394'],
  [/\/mmc\d*\//, 'mmc'],
  [/\/nvme\d*\//, 'nvme'],
  [/\/virtio\d*\//, 'virtio'],
];

/** Drivers built into the installer's kernel show their driver name, not their module's. */
const moduleOfDriver: Record<string, string> = { sd: 'sd_mod', xhci_hcd: 'xhci_pci', ehci_pci: 'ehci_pci', usb_storage: 'usb_storage' };
/** Drivers of buses the kernel always has (not something an initrd list names). */
const busDrivers = new Set(['usb', 'hub', 'pcieport', 'scsi', 'sr']);

function initrdModules(drivers: string[]): string[] {
  const names = drivers.map((d) => d.replace(/-/g, '_')).filter((d) => d && !busDrivers.has(d));
  return [...new Set(names.map((d) => moduleOfDriver[d] ?? d))];
}

/**
 * The transport from `/sys/block/NAME` → its device path where lsblk gave none, and `sd` for an
 * SD card (lsblk says `mmc` for cards and soldered eMMC alike). The path also identifies a disk
 * that has no serial and no by-id name (the slot it sits in).
 */
function fillFromSysfs(disks: Disk[], sysfs: string): void {
  for (const line of sysfs.split('\n')) {
    const [name, path, mmcType, modules] = line.trim().split(/\s+/);
    const disk = disks.find((d) => d.name === name);
    if (!disk || !path) continue;
    disk.busPath = path;
    if (modules) disk.modules = initrdModules(modules.split(','));
    if (mmcType === 'SD') disk.transport = 'sd';
    if (disk.transport) continue;
    const bus = busInSysfsPath.find(([pattern]) => pattern.test(path))?.[1];
    if (bus) disk.transport = bus;
  }
}

/** Parses the whole probe output; `where` names the target in refusals. */
export function parseProbeOutput(output: string, where = 'the target'): Facts {
  const probe = splitProbeOutput(output);
  const missing: string[] = [];
  if (probe.version === undefined) missing.push('probe header (is bash there?)');
  else if (probe.version !== probeFormatVersion) missing.push(`probe format ${probeFormatVersion} (got ${probe.version})`);
  if (!probe.complete) missing.push('end of output (cut short)');

  const osRelease = parseOsRelease(probe.sections.get('os-release') ?? '');
  if (Object.keys(osRelease).length === 0) missing.push('/etc/os-release');
  const system = parseKeyValues(probe.sections.get('system') ?? '');
  const hostname = system.get('hostname');
  const arch = system.get('arch');
  const memoryKib = Number(system.get('mem_total_kib'));
  const firmware = system.get('firmware');
  if (!hostname) missing.push('hostname');
  if (!arch) missing.push('architecture (uname -m)');
  if (!(memoryKib > 0)) missing.push('memory size (/proc/meminfo)');
  if (firmware !== 'efi' && firmware !== 'bios') missing.push('firmware type (EFI or BIOS)');

  let lsblk: ParsedLsblk | undefined;
  const lsblkText = probe.sections.get('lsblk') ?? '';
  try {
    if (lsblkText.startsWith('@@nb failed')) throw new Error('lsblk failed');
    lsblk = parseLsblk(lsblkText);
  } catch {
    missing.push('block devices (lsblk --json; util-linux ≥ 2.33 needed)');
  }

  if (missing.length > 0 || !lsblk) {
    throw refusal(`the probe of ${where} is missing facts: ${missing.join(', ')}`, 'nothing was changed; is this a Linux live system with util-linux?');
  }

  fillFromBlkid(lsblk.disks, parseBlkid(probe.sections.get('blkid') ?? ''));
  fillFromSysfs(lsblk.disks, probe.sections.get('sysfs') ?? '');
  const byId = parseById(probe.sections.get('by-id') ?? '');
  for (const disk of lsblk.disks) disk.byId = sortById(byId.get(disk.path) ?? []);
  const mounts = parseMounts(probe.sections.get('mounts') ?? '');
  const loops = parseLoops(probe.sections.get('loops') ?? '');
  const tools: Record<string, boolean> = {};
  for (const [key, value] of system) if (key.startsWith('tool.')) tools[key.slice(5)] = value === '1';
  const connection = parseKeyValues(probe.sections.get('connection') ?? '');
  const connectionInterface = connection.get('interface');
  const mac = normalizeMac(connection.get('mac') ?? '');

  // Labels, models and names come from the target's disks: a crafted label must not drive the terminal.
  return printableDeep({
    osRelease,
    isInstaller: osRelease.VARIANT_ID === 'installer',
    hostname: hostname!,
    arch: arch!,
    memoryBytes: memoryKib * 1024,
    firmware: firmware as 'efi' | 'bios',
    disks: lsblk.disks,
    efiBootEntries: parseEfiBootEntries(probe.sections.get('efibootmgr') ?? ''),
    bootDisks: findBootDisks(lsblk.disks, lsblk, mounts, loops),
    tools,
    activeSwaps: lines(probe.sections.get('swaps')),
    zfsPools: lines(probe.sections.get('zfs-pools')),
    ...(connectionInterface ? { connection: { interface: connectionInterface, ...(mac ? { mac } : {}) } } : {}),
  });
}
