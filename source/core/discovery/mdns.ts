// mDNS: ask every link for the installer names, and browse its SSH/workstation services.
//
// Queries are "one-shot" queries (RFC 6762 §5.1, §6.7) sent from an ephemeral port, one socket
// per interface and family: responders must answer them by unicast, at once and without the
// 1 s repeat suppression of multicast answers, and each answer arrives on the socket of the
// link it came from — so the zone of a link-local AAAA answer is simply that socket's interface.
// Sharing port 5353 would instead hand every socket every link's answers (IP_MULTICAST_ALL).
//
// Browsing is bonjour-service's Browser, run over that same socket. Only the Browser: a
// `new Bonjour()` would also build its responder (an mDNS server answering queries from its
// registry, bound to 5353 by default), and discovery must never answer or announce anything on
// the user's LAN. The Browser's PTR questions ride in our one-shot packet with the name
// questions, so one response carries names, services and addresses together, as one query did.
import { createSocket, type Socket, type SocketOptions } from 'node:dgram';
import makeMdns from 'multicast-dns';
import BonjourService from 'bonjour-service';
import type { Answer, Question, RecordType } from 'dns-packet';
import { normalizeMac } from './eui64.js';
import { normalizeAddress } from './ipv6.js';

const { Browser } = BonjourService;
type BrowsedService = BonjourService.Service;

export const sshService = '_ssh._tcp.local';
export const workstationService = '_workstation._tcp.local';
export const defaultInstallerNames = ['bootstrap.local', 'nixos.local', 'nixos-installer.local'];

/**
 * Names asked for at most: the wanted ones plus twins (`bootstrap-7.local`) heard in services.
 * A host on the link could advertise endless twins, and every name is asked again each retry.
 */
export const maxNames = 32;

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

/** What the answers on one link said about one host. */
export interface MdnsHost {
  name: string;
  /** The link the answer came in on: the zone of the host's link-local addresses. */
  interface: string;
  addresses: string[];
  /** From an SRV record of its `_ssh._tcp` service. */
  sshPort?: number;
  /** From its `_workstation._tcp` instance name, `host [52:54:00:12:34:56]`. */
  mac?: string;
}

/** The A/AAAA records of wanted names (and their renamed twins) among records. Pure. */
export function addressRecords(records: readonly Answer[], wanted: readonly string[]): Map<string, string[]> {
  const result = new Map<string, string[]>();
  for (const record of records) {
    if (record.type !== 'A' && record.type !== 'AAAA') continue;
    const name = normalizeHostName(record.name);
    if (!isWantedName(name, wanted)) continue;
    const list = result.get(name) ?? [];
    const address = normalizeAddress(record.data);
    if (!list.includes(address)) list.push(address);
    result.set(name, list);
  }
  return result;
}

/** The MAC avahi puts in a `_workstation._tcp` instance name: `bootstrap [52:54:00:47:00:01]`. */
export function macFromInstance(instance: string): string | undefined {
  const mac = /\[([0-9a-f]{2}(?::[0-9a-f]{2}){5})\]/i.exec(instance)?.[1];
  return mac ? normalizeMac(mac) : undefined;
}

export interface LinkWatchOptions {
  iface: string;
  names: string[];
  signal: AbortSignal;
  onHost: (host: MdnsHost) => void;
  onError: (error: Error) => void;
  /** Any response arrived, from this address (zone dropped). */
  onResponse?: (from: string) => void;
}

/** A lost first query is repeated soon; then about once a second, like avahi's browsers. */
const firstRetryMs = 250;
const retryIntervalMs = 1000;

/** Which browsed service tells us what: `_ssh._tcp` the SSH port, `_workstation._tcp` the MAC. */
const browsedTypes = ['ssh', 'workstation'] as const;
type BrowsedType = (typeof browsedTypes)[number];

/**
 * Asks one link, through an mDNS instance whose socket belongs to that link, for the wanted
 * names (A/AAAA) and browses `_ssh._tcp`/`_workstation._tcp` until the signal aborts; then
 * stops the browsers and destroys the instance (closing its socket). Sends the first query
 * before it returns. Never sends anything but queries.
 */
export function watchLink(mdns: makeMdns.MulticastDNS, options: LinkWatchOptions): void {
  const { iface, signal } = options;
  if (signal.aborted) {
    mdns.destroy();
    return;
  }
  const names = [...new Set(options.names.map(normalizeHostName))];
  const reported = new Set<string>();
  /** Learned from services, by host name: its SSH port and MAC, for every later answer too. */
  const known = new Map<string, { sshPort?: number; mac?: string }>();
  /** Hosts and addresses the browsers saw in the response being read. */
  const heard = new Map<string, Set<string>>();
  /** Questions the browsers asked; they leave with the next query we send. */
  const asked: Question[] = [];
  const questions = (hostNames: string[]): Question[] =>
    hostNames.flatMap((name) => [
      { name, type: 'AAAA' as const },
      { name, type: 'A' as const },
    ]);
  const send = (qs: Question[]) => {
    if (signal.aborted || !qs.length) return;
    mdns.query({ questions: qs }, (error?: Error | null) => {
      if (error && !signal.aborted) options.onError(error);
    });
  };
  const takeAsked = () => asked.splice(0).filter((q, i, all) => all.findIndex((o) => o.name === q.name && o.type === q.type) === i);

  // What a Browser needs of an mDNS instance: it listens to responses, and asks.
  const transport = {
    on: mdns.on.bind(mdns),
    removeListener: mdns.removeListener.bind(mdns),
    query: (name: string, type: RecordType) => void asked.push({ name, type }),
  };
  const onService = (type: BrowsedType) => (service: BrowsedService) => {
    if (!service.host) return;
    const host = normalizeHostName(service.host);
    if (!isWantedName(host, names) || (!names.includes(host) && names.length >= maxNames)) return;
    const info = known.get(host) ?? {};
    if (type === 'ssh') info.sshPort = service.port;
    else {
      const mac = macFromInstance(service.fqdn ?? service.name);
      if (mac) info.mac = mac;
    }
    known.set(host, info);
    const addresses = heard.get(host) ?? new Set<string>();
    for (const address of service.addresses ?? []) addresses.add(normalizeAddress(address));
    heard.set(host, addresses);
  };
  const browsers = browsedTypes.map((type) => {
    const browser = new Browser(transport, { type, protocol: 'tcp' });
    browser.on('up', onService(type));
    // The same instance now pointing elsewhere (another host or port).
    browser.on('srv-update', onService(type));
    return browser;
  });

  // Registered after the browsers' own listeners: reads each response once they have.
  mdns.on('response', (packet, rinfo) => {
    options.onResponse?.(normalizeAddress(rinfo.address));
    const records = [...(packet.answers ?? []), ...(packet.additionals ?? [])];
    for (const [name, addresses] of addressRecords(records, names)) {
      const set = heard.get(name) ?? new Set<string>();
      addresses.forEach((a) => set.add(a));
      heard.set(name, set);
    }
    const unresolved: string[] = [];
    for (const [name, addresses] of heard) {
      if (!addresses.size) {
        // A service whose host's addresses the response did not carry: ask for them.
        if (!names.includes(name)) unresolved.push(name);
        continue;
      }
      const host: MdnsHost = { name, interface: iface, addresses: [...addresses], ...known.get(name) };
      // Re-queries bring the same answers again: report each address of a host once.
      const key = (address: string) => `${name} ${address} ${host.sshPort ?? ''}`;
      const unseen = host.addresses.filter((a) => !reported.has(key(a)));
      if (!unseen.length) continue;
      unseen.forEach((a) => reported.add(key(a)));
      options.onHost({ ...host, addresses: unseen });
    }
    heard.clear();
    const room = unresolved.slice(0, Math.max(0, maxNames - names.length));
    if (room.length) {
      names.push(...room);
      send(questions(room));
    }
  });
  mdns.on('warning', (error: Error) => options.onError(error));
  // multicast-dns re-emits EACCES/EADDRINUSE as 'error': unheard, it would end the process.
  mdns.on('error', (error: Error) => options.onError(error));

  const again = () => {
    browsers.forEach((browser) => browser.update());
    send([...questions(names), ...takeAsked()]);
  };
  const timers = [setTimeout(again, firstRetryMs), setTimeout(() => timers.push(setInterval(again, retryIntervalMs)), firstRetryMs)];
  signal.addEventListener(
    'abort',
    () => {
      timers.forEach(clearTimeout);
      browsers.forEach((browser) => browser.stop());
      mdns.destroy();
    },
    { once: true },
  );
  send([...questions(names), ...takeAsked()]);
}

export interface MdnsQueryOptions extends LinkWatchOptions {
  family: 4 | 6;
  /** The interface's own IPv4 address (IPv4 multicast picks the link by address). */
  localIpv4?: string;
  /** The first query left. */
  onSent?: () => void;
}

/**
 * The sockets only ever see address literals ('::', 'ff02::fb%eth0', '224.0.0.251'): hand them
 * through. The default lookup (dns.lookup) first runs net.isIP, whose large regular expression
 * costs ~20 ms to compile on its first calls, just before the first query leaves.
 */
const literalLookup =
  (family: 4 | 6): SocketOptions['lookup'] =>
  (address, _options, callback) =>
    callback(null, address, family);

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
 * Queries and browses one link (one family) until the signal aborts. Resolves once the first
 * query is sent (or failed); answers arrive through `onHost`, heard on `iface`.
 */
export async function queryLink(options: MdnsQueryOptions): Promise<void> {
  const { iface, family, signal } = options;
  if (signal.aborted) return;
  const socket = createSocket({ type: family === 6 ? 'udp6' : 'udp4', lookup: literalLookup(family) });
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
  // bind: false and multicast: false: it keeps our ephemeral port and joins no group, so
  // it hears only the unicast answers to its own queries.
  const mdns = makeMdns({
    type: family === 6 ? 'udp6' : 'udp4',
    ip: family === 6 ? `ff02::fb%${iface}` : '224.0.0.251',
    interface: family === 6 ? `::%${iface}` : options.localIpv4,
    socket,
    bind: false,
    multicast: false,
  });
  watchLink(mdns, options);
  options.onSent?.();
}
