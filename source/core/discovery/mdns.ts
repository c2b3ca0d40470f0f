// mDNS: ask every link for the installer names and for SSH/workstation services.
//
// Queries are "one-shot" queries (RFC 6762 §5.1, §6.7) sent from an ephemeral port, one socket
// per interface and family: responders must answer them by unicast, at once and without the
// 1 s repeat suppression of multicast answers, and each answer arrives on the socket of the
// link it came from — so the zone of a link-local AAAA answer is simply that socket's interface.
// Sharing port 5353 would instead hand every socket every link's answers (IP_MULTICAST_ALL).
import { createSocket, type Socket } from 'node:dgram';
import makeMdns from 'multicast-dns';
import type { Answer, Question } from 'dns-packet';
import { normalizeMac } from './eui64.js';
import { normalizeAddress } from './ipv6.js';

export const sshService = '_ssh._tcp.local';
export const workstationService = '_workstation._tcp.local';
export const defaultInstallerNames = ['bootstrap.local', 'nixos.local', 'nixos-installer.local'];

/** `bootstrap` → `bootstrap.local`; lower case, no trailing dot. */
export function normalizeHostName(name: string): string {
  const lower = name.trim().toLowerCase().replace(/\.$/, '');
  return lower.includes('.') ? lower : `${lower}.local`;
}

/**
 * Whether a host name is one we look for, or a twin avahi renamed after a conflict
 * (`bootstrap.local` → `bootstrap-2.local`, `bootstrap-3.local`, …).
 */
export function isWantedName(host: string, wanted: readonly string[]): boolean {
  const name = normalizeHostName(host);
  return wanted.some((w) => {
    const want = normalizeHostName(w);
    if (name === want) return true;
    const dot = want.indexOf('.');
    const twin = new RegExp(`^${escapeRegExp(want.slice(0, dot))}-\\d+${escapeRegExp(want.slice(dot))}$`);
    return twin.test(name);
  });
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** What one response said about one host. */
export interface MdnsHost {
  name: string;
  addresses: string[];
  /** From an SRV record of its `_ssh._tcp` service. */
  sshPort?: number;
  /** From its `_workstation._tcp` instance name, `host [52:54:00:12:34:56]`. */
  mac?: string;
}

export interface MdnsInterpretation {
  hosts: MdnsHost[];
  /** Wanted SRV targets whose addresses the response did not carry: ask for them. */
  unresolved: string[];
}

/** Reads the records of one response (answers + additionals). Pure. */
export function interpretRecords(records: readonly Answer[], wanted: readonly string[]): MdnsInterpretation {
  const addresses = new Map<string, string[]>();
  const targets = new Map<string, { sshPort?: number; mac?: string }>();
  const instances = new Map<string, { service: string }>();
  const srv = new Map<string, { target: string; port: number }>();
  const add = <V>(map: Map<string, V[]>, key: string, value: V) => {
    const list = map.get(key) ?? [];
    if (!list.includes(value)) list.push(value);
    map.set(key, list);
  };
  for (const record of records) {
    const name = normalizeHostName(record.name);
    switch (record.type) {
      case 'A':
      case 'AAAA':
        add(addresses, name, normalizeAddress(record.data));
        break;
      case 'PTR':
        if (name === sshService || name === workstationService) instances.set(normalizeHostName(record.data), { service: name });
        break;
      case 'SRV':
        srv.set(name, { target: normalizeHostName(record.data.target), port: record.data.port });
        break;
      default:
        break;
    }
  }
  for (const [instance, target] of srv) {
    const service = instances.get(instance)?.service ?? (instance.endsWith(`.${sshService}`) ? sshService : instance.endsWith(`.${workstationService}`) ? workstationService : undefined);
    if (!service) continue;
    const info = targets.get(target.target) ?? {};
    if (service === sshService) info.sshPort = target.port;
    else {
      const mac = /\[([0-9a-f:]{17})\]/i.exec(instance)?.[1];
      if (mac && normalizeMac(mac)) info.mac = normalizeMac(mac);
    }
    targets.set(target.target, info);
  }
  const hostNames = new Set([...addresses.keys(), ...targets.keys()]);
  const hosts: MdnsHost[] = [];
  const unresolved: string[] = [];
  for (const name of hostNames) {
    if (!isWantedName(name, wanted)) continue;
    const host: MdnsHost = { name, addresses: addresses.get(name) ?? [], ...targets.get(name) };
    if (host.addresses.length) hosts.push(host);
    else unresolved.push(name);
  }
  return { hosts, unresolved };
}

export interface MdnsQueryOptions {
  iface: string;
  family: 4 | 6;
  /** The interface's own IPv4 address (IPv4 multicast picks the link by address). */
  localIpv4?: string;
  names: string[];
  signal: AbortSignal;
  onHost: (host: MdnsHost) => void;
  onError: (error: Error) => void;
  /** The first query left. */
  onSent?: () => void;
  /** Any response arrived, from this address (zone dropped). */
  onResponse?: (from: string) => void;
}

/** A lost first query is repeated soon; then about once a second, like avahi's browsers. */
const firstRetryMs = 250;
const retryIntervalMs = 1000;

function bindSocket(socket: Socket, address: string): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind({ port: 0, address }, () => {
      socket.removeListener('error', reject);
      resolve();
    });
  });
}

/**
 * Queries one link (one family) until the signal aborts. Resolves once the first query is sent
 * (or failed); answers arrive through `onHost`, with link-local addresses zoned to `iface`.
 */
export async function queryLink(options: MdnsQueryOptions): Promise<void> {
  const { iface, family, signal } = options;
  if (signal.aborted) return;
  const socket = createSocket({ type: family === 6 ? 'udp6' : 'udp4' });
  socket.on('error', (error) => options.onError(error));
  try {
    await bindSocket(socket, family === 6 ? '::' : '0.0.0.0');
    socket.setMulticastInterface(family === 6 ? `::%${iface}` : options.localIpv4!);
    // Multicast DNS packets carry TTL 255 (RFC 6762 §11).
    socket.setMulticastTTL(255);
    socket.setMulticastLoopback(false);
  } catch (error) {
    socket.close();
    options.onError(error as Error);
    return;
  }
  if (signal.aborted) {
    // Stopped while binding: an open socket would keep the process alive.
    socket.close();
    return;
  }
  const mdns = makeMdns({
    type: family === 6 ? 'udp6' : 'udp4',
    ip: family === 6 ? `ff02::fb%${iface}` : '224.0.0.251',
    interface: family === 6 ? `::%${iface}` : options.localIpv4,
    socket,
    bind: false,
    multicast: false,
  });
  const names = [...new Set(options.names.map(normalizeHostName))];
  const reported = new Set<string>();
  const questions = (hostNames: string[]): Question[] => [
    ...hostNames.flatMap((name) => [{ name, type: 'AAAA' as const }, { name, type: 'A' as const }]),
  ];
  const send = (qs: Question[]) => {
    if (signal.aborted) return;
    mdns.query({ questions: qs }, (error?: Error | null) => {
      if (error && !signal.aborted) options.onError(error);
    });
  };
  const browse: Question[] = [
    { name: sshService, type: 'PTR' },
    { name: workstationService, type: 'PTR' },
  ];
  mdns.on('warning', (error: Error) => options.onError(error));
  mdns.on('response', (packet, rinfo) => {
    options.onResponse?.(normalizeAddress(rinfo.address));
    const records = [...(packet.answers ?? []), ...(packet.additionals ?? [])];
    const { hosts, unresolved } = interpretRecords(records, names);
    for (const host of hosts) {
      // Re-queries bring the same answers again: report each address of a host once.
      const unseen: MdnsHost = { ...host, addresses: host.addresses.filter((a) => !reported.has(`${host.name} ${a} ${host.sshPort ?? ''}`)) };
      if (!unseen.addresses.length) continue;
      unseen.addresses.forEach((a) => reported.add(`${host.name} ${a} ${host.sshPort ?? ''}`));
      options.onHost(unseen);
    }
    const fresh = unresolved.filter((name) => !names.includes(name));
    if (fresh.length) {
      names.push(...fresh);
      send(questions(fresh));
    }
  });
  const again = () => send([...questions(names), ...browse]);
  const timers = [setTimeout(again, firstRetryMs), setTimeout(() => timers.push(setInterval(again, retryIntervalMs)), firstRetryMs)];
  const stop = () => {
    timers.forEach(clearTimeout);
    mdns.destroy();
  };
  signal.addEventListener('abort', stop, { once: true });
  send([...questions(names), ...browse]);
  options.onSent?.();
}
