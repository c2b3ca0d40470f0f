// Which SSH endpoints discovery checks, in which order, and how many at once.
//
// Every key exchange makes the installer's sshd fork and re-exec before it says a word. Started
// all at once, sixteen of them (fe80::47 and the EUI-64 address of 8 lab installers) shared two
// cores with us (the lab's installers share ours; so do a laptop's VMs), and each finished only
// when nearly all had: the first installer was listed at 0.76 s, the last at 0.84 s.
// Checked in the order they were seen, two at a time, one per machine, the first one no longer
// waits for the others, and each is reported the moment its own check ends.
import type { DiscoverySource } from './candidate.js';
import { placeKey } from './candidates.js';

/**
 * Key exchanges at once. Two keep both cores of a 2-core machine busy with the first
 * installers' sshd while later ones wait their turn (measured in the lab: 1 made the last of 8
 * later, 3 or more made the first later). On a LAN of remote installers a check mostly waits
 * for the network; two cost eight of them ~3 more key exchanges of waiting, ~0.1 s each.
 */
export const defaultCheckConcurrency = 2;
/**
 * How long a place whose MAC is known waits while a check on its link, of a place whose MAC
 * is not known yet, runs: that check may turn out to be the same machine (fe80::47 and its
 * EUI-64 address), and one key exchange per machine is enough. A key exchange takes 0.1-0.4 s
 * on a loaded 2-core machine; past this wait (a tarpit at fe80::47), both run.
 */
export const defaultSameMachineWaitMs = 1000;
/** A place that failed may be tried again when seen anew after this long (sshd starting up). */
export const defaultRetryAfterMs = 1000;

export interface PlaceOffer {
  address: string;
  interface?: string;
  port: number;
  /** The MAC of whoever holds this address, when known before any check (EUI-64, mDNS, NDP). */
  mac?: string;
  /** Probed without being seen first (fe80::47): the check tells whether anything is there. */
  probe?: DiscoverySource;
}

export interface Place extends PlaceOffer {
  /** `address%iface:port`. */
  key: string;
  /** `waiting`: queued; `ok`: verified, or skipped as another address of a verified machine. */
  state: 'waiting' | 'running' | 'ok' | 'failed';
  /** Learned while its check runs (see PlaceChecksOptions.check). */
  learnedMac?: string;
  startedAtMs?: number;
  failedAtMs?: number;
  reason?: string;
}

export interface PlaceChecksOptions {
  /**
   * One TCP connect + key exchange; resolves with the MAC of the machine that answered, if
   * learned. `learnedMac` tells, before the key exchange ends, whose place this is (the
   * neighbour table has it once TCP connected): places waiting on it as a possible twin need
   * not wait for the key exchange if it is another machine.
   */
  check: (place: Place, learnedMac: (mac: string) => void) => Promise<{ mac?: string }>;
  /** Any place changed state (started, verified, skipped, failed). */
  onChange?: (place: Place) => void;
  /** Why a check failed, for the "nothing found" hint. */
  reasonOf?: (error: unknown) => string;
  concurrency?: number;
  sameMachineWaitMs?: number;
  retryAfterMs?: number;
  now?: () => number;
}

export class PlaceChecks {
  private readonly places = new Map<string, Place>();
  /** Waiting places, in the order they were offered. */
  private readonly queue: Place[] = [];
  private readonly verifiedMacs = new Set<string>();
  private running = 0;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly concurrency: number;
  private readonly sameMachineWaitMs: number;
  private readonly retryAfterMs: number;
  private readonly now: () => number;

  constructor(private readonly options: PlaceChecksOptions) {
    this.concurrency = options.concurrency ?? defaultCheckConcurrency;
    this.sameMachineWaitMs = options.sameMachineWaitMs ?? defaultSameMachineWaitMs;
    this.retryAfterMs = options.retryAfterMs ?? defaultRetryAfterMs;
    this.now = options.now ?? (() => performance.now());
  }

  /** Queues a check of a place, unless it is known already (a failed one: again after `retryAfterMs`). */
  offer(offer: PlaceOffer): void {
    if (this.stopped) return;
    const key = `${placeKey(offer.address, offer.interface)}:${offer.port}`;
    const existing = this.places.get(key);
    if (existing && (existing.state !== 'failed' || this.now() - existing.failedAtMs! < this.retryAfterMs)) return;
    const place: Place = { ...offer, key, state: 'waiting' };
    if (existing?.probe && !place.probe) place.probe = existing.probe;
    this.places.set(key, place);
    this.queue.push(place);
    this.pump();
  }

  all(): Place[] {
    return [...this.places.values()];
  }

  /** Waiting or running. */
  static isPending(place: Place): boolean {
    return place.state === 'waiting' || place.state === 'running';
  }

  /** Starts nothing more; running checks end on their own (the caller aborts them). */
  stop(): void {
    this.stopped = true;
    this.queue.length = 0;
    clearTimeout(this.timer);
  }

  /** Starts what may start, first come first served; arms a timer for places waiting on a twin. */
  private pump(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    let wakeInMs = Infinity;
    for (let i = 0; i < this.queue.length && !this.stopped;) {
      const place = this.queue[i]!;
      if (place.mac && this.verifiedMacs.has(macKey(place.mac, place.interface))) {
        this.queue.splice(i, 1);
        place.state = 'ok';
        this.options.onChange?.(place);
        continue;
      }
      const waitMs = this.running < this.concurrency ? this.twinWaitMs(place) : Infinity;
      if (waitMs > 0) {
        if (waitMs < Infinity) wakeInMs = Math.min(wakeInMs, waitMs);
        i += 1;
        continue;
      }
      this.queue.splice(i, 1);
      this.start(place);
    }
    if (wakeInMs < Infinity && !this.stopped) this.timer = setTimeout(() => this.pump(), wakeInMs);
  }

  /**
   * How much longer a place must wait for a running check that may be the same machine (0: none):
   * one on its link whose MAC is not known yet, or is known to be the same.
   */
  private twinWaitMs(place: Place): number {
    if (!place.mac) return 0;
    let waitMs = 0;
    for (const other of this.places.values()) {
      const otherMac = other.mac ?? other.learnedMac;
      if (other.state !== 'running' || other.interface !== place.interface || (otherMac && otherMac !== place.mac)) continue;
      waitMs = Math.max(waitMs, other.startedAtMs! + this.sameMachineWaitMs - this.now());
    }
    return waitMs;
  }

  private start(place: Place): void {
    place.state = 'running';
    place.startedAtMs = this.now();
    this.running += 1;
    this.options.onChange?.(place);
    let work: Promise<{ mac?: string }>;
    const learnedMac = (mac: string) => {
      if (place.state !== 'running' || place.learnedMac) return;
      place.learnedMac = mac;
      this.pump();
    };
    try {
      work = this.options.check(place, learnedMac);
    } catch (error) {
      work = Promise.reject(error);
    }
    work.then(
      ({ mac }) => {
        place.state = 'ok';
        if (mac) this.verifiedMacs.add(macKey(mac, place.interface));
        this.end(place);
      },
      (error: unknown) => {
        place.state = 'failed';
        place.failedAtMs = this.now();
        place.reason = this.options.reasonOf?.(error) ?? (error instanceof Error ? error.message : String(error));
        this.end(place);
      },
    );
  }

  private end(place: Place): void {
    this.running -= 1;
    this.options.onChange?.(place);
    this.pump();
  }
}

const macKey = (mac: string, iface: string | undefined) => `${mac}%${iface ?? ''}`;
