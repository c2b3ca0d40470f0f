// The links of this machine and which of them discovery can use. The fast path reads
// os.networkInterfaces() and sysfs (well under a millisecond); `ip -j addr` (a process spawn,
// 2-15 ms) is the fallback when sysfs belongs to another network namespace.
import { existsSync, readFileSync, readlinkSync } from 'node:fs';
import { basename } from 'node:path';
import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';
import { normalizeMac } from './eui64.js';
import { isLinkLocalIpv6, normalizeAddress } from './ipv6.js';
import { execText } from './ndp.js';

export interface NetInterface {
  name: string;
  index: number;
  mac?: string;
  up: boolean;
  /** Carrier present (LOWER_UP). */
  lowerUp: boolean;
  multicast: boolean;
  loopback: boolean;
  /** Bridge or bond this interface is enslaved to: traffic goes through the master instead. */
  master?: string;
  /** Usable IPv6 link-local addresses (not tentative, not failed DAD). */
  linkLocal: string[];
  /** Link-local addresses still in duplicate address detection. */
  tentativeLinkLocal: string[];
  ipv4: string[];
  /** Every IPv6 address of the interface, any scope. */
  ipv6: string[];
}

interface IpAddrInfo {
  family?: string;
  local?: string;
  scope?: string;
  tentative?: boolean;
  dadfailed?: boolean;
}
interface IpLink {
  ifindex?: number;
  ifname?: string;
  flags?: string[];
  master?: string;
  address?: string;
  link_type?: string;
  addr_info?: IpAddrInfo[];
}

/** Parses `ip -j addr show`. */
export function parseIpAddrJson(text: string): NetInterface[] {
  const links = JSON.parse(text) as IpLink[];
  return links.map((link) => {
    const flags = new Set(link.flags ?? []);
    const info = link.addr_info ?? [];
    const v6 = info.filter((a) => a.family === 'inet6' && a.local);
    const linkLocal = v6.filter((a) => isLinkLocalIpv6(a.local!));
    const result: NetInterface = {
      name: link.ifname ?? '',
      index: link.ifindex ?? 0,
      up: flags.has('UP'),
      lowerUp: flags.has('LOWER_UP'),
      multicast: flags.has('MULTICAST'),
      loopback: flags.has('LOOPBACK') || link.link_type === 'loopback',
      linkLocal: linkLocal.filter((a) => !a.tentative && !a.dadfailed).map((a) => normalizeAddress(a.local!)),
      tentativeLinkLocal: linkLocal.filter((a) => a.tentative && !a.dadfailed).map((a) => normalizeAddress(a.local!)),
      ipv4: info.filter((a) => a.family === 'inet' && a.local).map((a) => a.local!),
      ipv6: v6.map((a) => normalizeAddress(a.local!)),
    };
    const mac = link.link_type === 'ether' && link.address ? normalizeMac(link.address) : undefined;
    if (mac) result.mac = mac;
    if (link.master) result.master = link.master;
    return result;
  });
}

/** Why an interface cannot carry discovery, or undefined when it can. */
export function unusableReason(iface: NetInterface): string | undefined {
  if (iface.loopback) return 'loopback';
  if (!iface.up) return 'down';
  if (!iface.lowerUp) return 'no carrier';
  if (!iface.multicast) return 'no multicast';
  if (iface.master) return `part of ${iface.master}`;
  if (!iface.linkLocal.length && !iface.tentativeLinkLocal.length && !iface.ipv4.length) return 'no IPv6 link-local or IPv4 address';
  return undefined;
}

/** What sysfs says about one interface (`/sys/class/net/<name>/…`). */
export interface SysfsLink {
  index: number;
  /** The `flags` file: IFF_* bits. */
  flags: number;
  carrier: boolean;
  master?: string;
}

const iff = { up: 0x1, loopback: 0x8, multicast: 0x1000 } as const;

/** Builds the interface list from os.networkInterfaces() output and sysfs facts. Pure. */
export function fromOsInterfaces(os: NodeJS.Dict<NetworkInterfaceInfo[]>, sysfs: (name: string) => SysfsLink | undefined): NetInterface[] | undefined {
  const result: NetInterface[] = [];
  for (const [name, infos = []] of Object.entries(os)) {
    const link = sysfs(name);
    if (!link) return undefined;
    const v6 = infos.filter((i) => i.family === 'IPv6');
    // The scope id of a link-local address is the interface index: if sysfs disagrees, it
    // describes another namespace's interface of the same name.
    if (v6.some((i) => isLinkLocalIpv6(i.address) && i.scopeid !== link.index)) return undefined;
    const linkLocal = v6.filter((i) => isLinkLocalIpv6(i.address)).map((i) => normalizeAddress(i.address));
    const entry: NetInterface = {
      name,
      index: link.index,
      up: (link.flags & iff.up) !== 0,
      lowerUp: link.carrier,
      multicast: (link.flags & iff.multicast) !== 0,
      loopback: (link.flags & iff.loopback) !== 0,
      linkLocal,
      tentativeLinkLocal: [],
      ipv4: infos.filter((i) => i.family === 'IPv4').map((i) => i.address),
      ipv6: v6.map((i) => normalizeAddress(i.address)),
    };
    const mac = infos[0] ? normalizeMac(infos[0].mac) : undefined;
    if (mac && mac !== '00:00:00:00:00:00') entry.mac = mac;
    if (link.master) entry.master = link.master;
    result.push(entry);
  }
  return result.sort((a, b) => a.index - b.index);
}

function readSysfs(name: string): SysfsLink | undefined {
  const dir = `/sys/class/net/${name}`;
  try {
    const link: SysfsLink = {
      index: Number(readFileSync(`${dir}/ifindex`, 'utf8')),
      flags: parseInt(readFileSync(`${dir}/flags`, 'utf8'), 16),
      carrier: false,
    };
    try {
      link.carrier = readFileSync(`${dir}/carrier`, 'utf8').trim() === '1';
    } catch {
      // EINVAL while the interface is down: no carrier.
    }
    if (existsSync(`${dir}/master`)) link.master = basename(readlinkSync(`${dir}/master`));
    return link;
  } catch {
    return undefined;
  }
}

/** This machine's interfaces (only those with an address, which are the ones discovery can use). */
export async function listInterfaces(): Promise<NetInterface[]> {
  return fromOsInterfaces(networkInterfaces(), readSysfs) ?? parseIpAddrJson(await execText('ip', ['-j', 'addr', 'show']));
}
