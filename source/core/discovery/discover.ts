// Runs every discovery method on every usable link at once and streams one merged, verified
// entry per installer. Stops at the timeout or when its signal aborts (the wizard stops it as
// soon as the user picks a row).
import { installerLinkLocal } from '../defaults.js';
import { EventEmitter, setMaxListeners } from 'node:events';
import { usageError } from '../exit-codes.js';
import type { Candidate, DiscoverySource } from './candidate.js';
import { mergeCandidates, placeKey, unverifiedPlaces, type Sighting, type Verification } from './candidates.js';
import { eui64AddressToMac } from './eui64.js';
import { normalizeAddress } from './ipv6.js';
import { defaultInstallerNames, normalizeHostName, queryLink, sshService, workstationService, type MdnsHost } from './mdns.js';
import { listInterfaces, unusableReason, type NetInterface } from './interfaces.js';
import { NeighbourTable, isLiveNeighbour, pingAllNodes } from './ndp.js';
import { NeighbourShell } from './neighbour-shell.js';
import { PlaceChecks, type Place, type PlaceOffer } from './place-checks.js';
import { VerifyError, prepareConnect, verifySsh } from './verify.js';

export const defaultTimeoutMs = 3000;
export const defaultSshPort = 22;
/**
 * How long an installer's entry may wait for other addresses of the same machine (its IPv4,
 * its EUI-64 address) to be verified before it is reported as settled.
 */
export const defaultSettleMs = 300;
/** One candidate's TCP connect + key exchange; a real sshd answers in well under a second. */
export const verifyTimeoutMs = 5000;
const pingIntervalMs = 1000;
/** When the all-nodes pings of links that answered mDNS start, after the queries left. */
const pingDelayMs = 250;
/**
 * How long a verified installer waits for its mDNS answer (its name) after the query left, and
 * a link that has not answered waits for its fe80::47 probe and ping. Answers to our one-shot
 * queries take 1-10 ms; an installer without avahi never answers.
 */
const mdnsGraceMs = 60;

export interface DiscoverOptions {
  timeoutMs?: number;
  /** Only these interfaces (default: every usable one). */
  interfaces?: string[];
  /** More mDNS names to ask for, besides bootstrap.local, nixos.local, nixos-installer.local. */
  names?: string[];
  /** SSH port to verify; default 22, or the port an `_ssh._tcp` SRV record announces. */
  port?: number;
  signal?: AbortSignal;
  settleMs?: number;
  /** Receives timing notes (`seen mdns fe80::47%inst1 bootstrap.local`, …) for benchmarks and debugging. */
  trace?: (note: string) => void;
  /** Source of the interface list; tests pass recorded ones. */
  listInterfaces?: () => Promise<NetInterface[]>;
}

export interface DiscoveryUpdate {
  candidate: Candidate;
  /**
   * True once no other address that may belong to this installer is still being checked (or
   * the settle time passed, or discovery ended). Becomes true exactly once per candidate;
   * later updates (a name or address learned late) stay true.
   */
  settled: boolean;
}

export interface TriedInterface {
  name: string;
  /** mDNS over IPv6, all-nodes ping, fe80::47 probe. */
  ipv6: boolean;
  /** mDNS over IPv4 (the interface has an IPv4 address). */
  ipv4: boolean;
}

export interface Unanswered {
  address: string;
  interface?: string;
  via: DiscoverySource;
  name?: string;
  reason: string;
}

export interface DiscoveryResult {
  candidates: Candidate[];
  interfaces: TriedInterface[];
  skippedInterfaces: { name: string; reason: string }[];
  names: string[];
  services: string[];
  port: number;
  /** Places seen by mDNS or NDP where no SSH server answered, with why. */
  unanswered: Unanswered[];
  /** Methods that could not run (no ping binary, socket errors…). */
  problems: string[];
  elapsedMs: number;
  stoppedBy: 'timeout' | 'abort';
}

export class Discovery extends EventEmitter<{ update: [DiscoveryUpdate]; done: [DiscoveryResult] }> {
  readonly result: Promise<DiscoveryResult>;
  private readonly startedAt = performance.now();
  private readonly controller = new AbortController();
  private readonly sightings: Sighting[] = [];
  private readonly verifications: Verification[] = [];
  private readonly checks = new PlaceChecks({
    check: (place, learnedMac) => this.check(place, learnedMac),
    onChange: () => this.schedulePublish(),
    reasonOf: (error) => (error instanceof VerifyError && error.kind === 'aborted' ? 'no SSH answer before discovery ended' : (error as Error).message),
  });
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly reported = new Map<string, { text: string; settled: boolean; verifiedAtMs: number }>();
  private readonly neighbourShell = new NeighbourShell();
  private readonly neighbours = new NeighbourTable(() => this.neighbourShell.read());
  private readonly problems: string[] = [];
  private readonly localAddresses = new Set<string>();
  private readonly options: Required<Omit<DiscoverOptions, 'signal' | 'interfaces' | 'port' | 'listInterfaces' | 'trace'>> & DiscoverOptions;
  private tried: TriedInterface[] = [];
  private skipped: { name: string; reason: string }[] = [];
  private names: string[];
  private stoppedBy: 'timeout' | 'abort' | undefined;
  private finish!: () => void;
  private timers: NodeJS.Timeout[] = [];
  private publishScheduled = false;
  /** Per link and family (`inst1/6`): when the first mDNS query left, and who answered. */
  private readonly mdnsLinks = new Map<string, { sentAtMs?: number; responders: Set<string> }>();

  constructor(options: DiscoverOptions = {}) {
    super();
    // Every probe, ping and socket listens for the end: dozens on a busy LAN, not a leak.
    setMaxListeners(0, this.controller.signal);
    this.options = { ...options, timeoutMs: options.timeoutMs ?? defaultTimeoutMs, names: options.names ?? [], settleMs: options.settleMs ?? defaultSettleMs };
    this.names = [...new Set([...defaultInstallerNames, ...this.options.names.map(normalizeHostName)])];
    const stopped = new Promise<void>((resolve) => (this.finish = resolve));
    this.result = this.run(stopped);
    // Callers that only listen to events must not see an unhandled rejection.
    this.result.catch(() => {});
  }

  /** Ends discovery now; `result` resolves with what was found so far. */
  stop(): void {
    this.end('abort');
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<DiscoveryUpdate> {
    const queue: DiscoveryUpdate[] = [];
    let done = false;
    let wake: (() => void) | undefined;
    const onUpdate = (update: DiscoveryUpdate) => {
      queue.push(update);
      wake?.();
    };
    const onDone = () => {
      done = true;
      wake?.();
    };
    this.on('update', onUpdate);
    this.once('done', onDone);
    this.result.catch(onDone);
    try {
      for (;;) {
        if (queue.length) yield queue.shift()!;
        else if (done) return;
        else await new Promise<void>((resolve) => (wake = resolve));
      }
    } finally {
      this.off('update', onUpdate);
      this.off('done', onDone);
    }
  }

  private trace(note: string): void {
    this.options.trace?.(note);
  }

  private elapsedMs(): number {
    return performance.now() - this.startedAt;
  }

  private end(reason: 'timeout' | 'abort'): void {
    if (this.stoppedBy) return;
    this.stoppedBy = reason;
    this.finish();
  }

  private async run(stopped: Promise<void>): Promise<DiscoveryResult> {
    const { signal } = this.options;
    if (signal?.aborted) this.end('abort');
    signal?.addEventListener('abort', () => this.end('abort'), { once: true });
    this.timers.push(setTimeout(() => this.end('timeout'), this.options.timeoutMs));
    try {
      const all = await (this.options.listInterfaces ?? listInterfaces)();
      this.trace('interfaces listed');
      const links = this.selectInterfaces(all);
      if (!this.stoppedBy) this.startAll(links);
      await stopped;
    } finally {
      this.timers.forEach(clearTimeout);
      this.checks.stop();
      this.controller.abort();
    }
    // Verifications that completed just before the end are still being recorded (MAC lookup).
    await Promise.allSettled([...this.inFlight]);
    this.neighbourShell.close();
    this.publish(true);
    const result: DiscoveryResult = {
      candidates: mergeCandidates(this.sightings, this.verifications),
      interfaces: this.tried,
      skippedInterfaces: this.skipped,
      names: this.names,
      services: [sshService, workstationService],
      port: this.options.port ?? defaultSshPort,
      unanswered: this.unanswered(),
      problems: this.problems,
      elapsedMs: Math.round(this.elapsedMs()),
      stoppedBy: this.stoppedBy ?? 'abort',
    };
    this.emit('done', result);
    return result;
  }

  private selectInterfaces(all: NetInterface[]): NetInterface[] {
    for (const iface of all) [...iface.ipv6, ...iface.ipv4].forEach((a) => this.localAddresses.add(normalizeAddress(a)));
    const requested = this.options.interfaces ?? [];
    for (const name of requested) {
      const iface = all.find((i) => i.name === name);
      if (!iface) throw usageError(`no network interface named '${name}'`, `interfaces here: ${all.map((i) => i.name).join(', ')}`);
      const reason = unusableReason(iface);
      if (reason) throw usageError(`interface '${name}' cannot be searched: ${reason}`);
    }
    const chosen: NetInterface[] = [];
    for (const iface of all) {
      if (requested.length && !requested.includes(iface.name)) continue;
      const reason = unusableReason(iface);
      if (reason) {
        if (reason !== 'loopback') this.skipped.push({ name: iface.name, reason });
        continue;
      }
      chosen.push(iface);
      this.tried.push({ name: iface.name, ipv6: iface.linkLocal.length + iface.tentativeLinkLocal.length > 0, ipv4: iface.ipv4.length > 0 });
    }
    return chosen;
  }

  private startAll(links: NetInterface[]): void {
    const signal = this.controller.signal;
    const port = this.options.port ?? defaultSshPort;
    const ipv6Links = links.filter((l) => l.linkLocal.length + l.tentativeLinkLocal.length > 0);
    const pinging = new Set<string>();
    const ping = (batch: NetInterface[]) => {
      const names = batch.map((l) => l.name).filter((name) => !pinging.has(name));
      if (!names.length || this.stoppedBy) return;
      names.forEach((name) => pinging.add(name));
      pingAllNodes(names, {
        signal,
        durationMs: this.options.timeoutMs,
        intervalMs: pingIntervalMs,
        onReply: (address, iface) => this.onNeighbour(address, iface, eui64AddressToMac(address)),
      }).catch((error: NodeJS.ErrnoException) =>
        this.problem(error.code === 'ENOENT' ? 'ping is not installed: no all-nodes sweep (install iputils-ping)' : error.message),
      );
    };
    const queries: Promise<void>[] = [];
    for (const link of links) {
      // One TCP connection to where installers usually are, once the link answered mDNS or
      // had mdnsGraceMs to: each connection makes an installer's sshd fork, and when the
      // installers share our CPU (the lab) those forks held the answers back by ~50 ms.
      let probed = !ipv6Links.includes(link);
      let answered = false;
      const probe = () => {
        if (probed) return;
        probed = true;
        this.verifyPlace(installerLinkLocal, link.name, port, undefined, 'ndp');
        // A silent link may hold an installer without avahi: sweep it now, not with the rest.
        if (!answered) ping([link]);
      };
      const onHost = (host: MdnsHost) => this.onMdnsHost(host);
      const onError = (family: number) => (error: Error) => this.problem(`mDNS over IPv${family} on ${link.name}: ${error.message}`);
      const track = (family: 4 | 6) => {
        const state: { sentAtMs?: number; responders: Set<string> } = { responders: new Set() };
        this.mdnsLinks.set(`${link.name}/${family}`, state);
        const onSent = () => {
          if (state.sentAtMs !== undefined) return;
          state.sentAtMs = this.elapsedMs();
          this.trace(`mdns query sent on ${link.name}/${family}`);
          this.timers.push(setTimeout(() => this.schedulePublish(), mdnsGraceMs + 1));
        };
        const onResponse = (from: string) => {
          state.responders.add(from);
          answered = true;
          probe();
        };
        return { iface: link.name, family, names: this.names, signal, onHost, onSent, onResponse, onError: onError(family) };
      };
      const sent: Promise<void>[] = [];
      if (ipv6Links.includes(link)) sent.push(queryLink(track(6)).catch(onError(6)));
      if (link.ipv4.length) sent.push(queryLink({ ...track(4), localIpv4: link.ipv4[0] }).catch(onError(4)));
      queries.push(...sent);
      void Promise.allSettled(sent).then(() => this.timers.push(setTimeout(probe, mdnsGraceMs)));
    }
    // Each process spawn blocks this thread for 10-20 ms on a 2-core VM: one ping per link,
    // spawned with the queries, held the answers and key exchanges of 8 links back. On links
    // that answered mDNS the sweep only finds what neither answers mDNS nor holds fe80::47, so
    // it starts once the first results are in, all links in one spawn.
    const startPings = () => {
      ping(ipv6Links);
      // Neighbours the kernel already knows (an installer seen earlier) need no ping to be probed.
      const names = new Set(ipv6Links.map((l) => l.name));
      void this.neighbours.all(performance.now()).then((list) => {
        for (const n of list) if (names.has(n.interface) && isLiveNeighbour(n)) this.onNeighbour(n.address, n.interface, n.mac);
      });
    };
    void Promise.allSettled(queries).then(() => {
      setImmediate(prepareConnect);
      this.timers.push(setTimeout(startPings, pingDelayMs));
    });
  }

  private onMdnsHost(host: MdnsHost): void {
    // The link the answer came in on is the zone of its link-local addresses.
    const iface = host.interface;
    const port = this.options.port ?? host.sshPort ?? defaultSshPort;
    for (const address of host.addresses) {
      const sighting: Sighting = { address, interface: iface, via: 'mdns', name: host.name, atMs: this.elapsedMs() };
      if (host.mac) sighting.mac = host.mac;
      this.addSighting(sighting);
      this.verifyPlace(address, iface, port, host.mac ?? eui64AddressToMac(address));
    }
    // After verifyPlace: a new place being checked keeps its installer's entry unsettled.
    this.schedulePublish();
  }

  private onNeighbour(address: string, iface: string, mac: string | undefined): void {
    const sighting: Sighting = { address, interface: iface, via: 'ndp', atMs: this.elapsedMs() };
    if (mac) sighting.mac = mac;
    this.addSighting(sighting);
    // Every ping round sees it again: a place whose sshd was not up yet gets another try.
    this.verifyPlace(address, iface, this.options.port ?? defaultSshPort, mac);
    this.schedulePublish();
  }

  /** Records a sighting unless it is one of our own addresses or already known; true if new. */
  private addSighting(sighting: Sighting): boolean {
    if (this.stoppedBy || this.localAddresses.has(normalizeAddress(sighting.address))) return false;
    const key = placeKey(sighting.address, sighting.interface);
    const known = this.sightings.some((s) => placeKey(s.address, s.interface) === key && s.via === sighting.via && s.name === sighting.name);
    if (known) return false;
    this.trace(`seen ${sighting.via} ${key}${sighting.name ? ` ${sighting.name}` : ''}`);
    this.sightings.push(sighting);
    return true;
  }

  /** Queues an SSH check of a place (see PlaceChecks: arrival order, a few at once, one per machine). */
  private verifyPlace(address: string, iface: string | undefined, port: number, mac?: string, probe?: DiscoverySource): void {
    if (this.stoppedBy || this.localAddresses.has(normalizeAddress(address))) return;
    const offer: PlaceOffer = { address: normalizeAddress(address), port };
    if (iface) offer.interface = iface;
    if (mac) offer.mac = mac;
    if (probe) offer.probe = probe;
    this.checks.offer(offer);
  }

  /** One place's key exchange; records the verification before it resolves, so it is listed at once. */
  private check(place: Place, learnedMac: (mac: string) => void): Promise<{ mac?: string }> {
    const { probe, port, key } = place;
    const iface = place.interface;
    let connectedAt = this.startedAt;
    this.trace(`check ${key}`);
    const work = verifySsh(
      { address: place.address, interface: iface, port },
      {
        signal: this.controller.signal,
        // A host that accepts and then trickles (or says nothing) must not hold its place for long.
        timeoutMs: verifyTimeoutMs,
        onConnected: () => {
          connectedAt = performance.now();
          this.trace(`tcp ${key}`);
          // The neighbour entry exists now; read it during the key exchange, not after.
          const eui64Mac = eui64AddressToMac(place.address);
          if (eui64Mac) learnedMac(eui64Mac);
          else {
            this.neighbours.prefetch(connectedAt);
            // After the prefetch's own turn, so both share its read.
            setImmediate(() => void this.neighbours.macOf(place.address, iface, connectedAt).then((mac) => mac && learnedMac(mac)));
          }
          if (probe && this.addSighting({ address: place.address, interface: iface, via: probe, atMs: connectedAt - this.startedAt })) this.schedulePublish();
        },
      },
    ).then(async (identity) => {
      this.trace(`verified ${key}`);
      const mac = eui64AddressToMac(place.address) ?? (await this.neighbours.macOf(place.address, iface, connectedAt));
      const verification: Verification = { address: place.address, port, ...identity, atMs: this.elapsedMs() };
      if (iface) verification.interface = iface;
      if (mac) verification.mac = mac;
      this.verifications.push(verification);
      this.schedulePublish();
      this.timers.push(setTimeout(() => this.schedulePublish(), this.options.settleMs + 5));
      return mac ? { mac } : {};
    });
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work)).catch(() => {});
    return work;
  }

  /**
   * Publishes once per turn of the event loop, after the poll phase: an answer already waiting
   * in a socket is read before a timer can declare an installer settled without it, and a burst
   * of events costs one merge.
   */
  private schedulePublish(): void {
    if (this.publishScheduled) return;
    this.publishScheduled = true;
    setImmediate(() => {
      this.publishScheduled = false;
      this.publish(false);
    });
  }

  /** Emits an update for every candidate whose content or settled state changed. */
  private publish(final: boolean): void {
    if (this.stoppedBy && !final) return;
    const now = this.elapsedMs();
    for (const candidate of mergeCandidates(this.sightings, this.verifications)) {
      const id = candidate.id!;
      const previous = this.reported.get(id);
      const verifiedAtMs = previous?.verifiedAtMs ?? now;
      const settled = previous?.settled || final || now - verifiedAtMs >= this.options.settleMs || !this.hasPendingRelative(candidate);
      const text = JSON.stringify(candidate);
      if (previous && previous.text === text && previous.settled === settled) continue;
      this.reported.set(id, { text, settled, verifiedAtMs });
      this.trace(`update ${id}${settled ? ' settled' : ''}`);
      this.emit('update', { candidate, settled });
    }
  }

  /** Whether a place still being checked could be another address of this installer. */
  private hasPendingRelative(candidate: Candidate): boolean {
    const links = new Set(candidate.addresses.map((a) => a.interface));
    // Until it answered on each mDNS socket of its links (or the grace passed), its name and
    // IPv4 address may still be on their way. On a shared link other installers' answers do
    // not count.
    const own = new Set(candidate.addresses.map((a) => a.address));
    for (const [key, mdns] of this.mdnsLinks) {
      if (!links.has(key.slice(0, key.lastIndexOf('/'))) || [...mdns.responders].some((r) => own.has(r))) continue;
      if (mdns.sentAtMs === undefined || this.elapsedMs() - mdns.sentAtMs < mdnsGraceMs) return true;
    }
    for (const place of this.checks.all()) {
      if (!PlaceChecks.isPending(place) || !links.has(place.interface)) continue;
      if (place.address === installerLinkLocal) return true;
      const key = placeKey(place.address, place.interface);
      const seen = this.sightings.filter((s) => placeKey(s.address, s.interface) === key);
      // Same MAC: already listed with the candidate, nothing to wait for.
      const macs = [eui64AddressToMac(place.address), ...seen.map((s) => s.mac)].filter(Boolean);
      if (candidate.mac && macs.includes(candidate.mac)) continue;
      if (seen.some((s) => s.name && candidate.names.includes(s.name))) return true;
    }
    return false;
  }

  private unanswered(): Unanswered[] {
    const failures = new Map<string, string>();
    for (const place of this.checks.all()) if (place.reason) failures.set(placeKey(place.address, place.interface), place.reason);
    const listed = new Set(mergeCandidates(this.sightings, this.verifications).flatMap((c) => c.addresses.map((a) => placeKey(a.address, a.interface))));
    const result: Unanswered[] = unverifiedPlaces(this.sightings, this.verifications)
      .filter((s) => !listed.has(placeKey(s.address, s.interface)))
      .map((s) => {
        const entry: Unanswered = { address: s.address, via: s.via, reason: failures.get(placeKey(s.address, s.interface)) ?? 'not checked' };
        if (s.interface) entry.interface = s.interface;
        if (s.name) entry.name = s.name;
        return entry;
      });
    // fe80::47 probes that got a "connection refused": a host is there, but no SSH.
    for (const place of this.checks.all()) {
      if (!place.probe || !place.reason?.includes('refused')) continue;
      if (result.some((r) => placeKey(r.address, r.interface) === placeKey(place.address, place.interface))) continue;
      const entry: Unanswered = { address: place.address, via: place.probe, reason: place.reason };
      if (place.interface) entry.interface = place.interface;
      result.push(entry);
    }
    return result;
  }

  private problem(message: string): void {
    if (!this.problems.includes(message)) this.problems.push(message);
  }
}

/** Starts discovery; listen to 'update' (or iterate) for live results, await `result` for the end. */
export function discover(options: DiscoverOptions = {}): Discovery {
  return new Discovery(options);
}
