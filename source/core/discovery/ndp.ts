// IPv6 neighbour discovery the way a person would do it by hand: ping the all-nodes group on
// each link, read the kernel's neighbour table. Parsers are pure; the functions that run
// `ip`/`ping` are thin wrappers around them.
import { execFile, spawn } from 'node:child_process';
import { normalizeMac } from './eui64.js';
import { isLinkLocalIpv6, normalizeAddress, splitZone } from './ipv6.js';

export interface Neighbour {
  address: string;
  interface: string;
  mac?: string;
  state: string[];
  router: boolean;
}

/** Parses `ip -j neigh show` (either family). */
export function parseNeighJson(text: string): Neighbour[] {
  const entries = JSON.parse(text || '[]') as { dst?: string; dev?: string; lladdr?: string; state?: string[]; router?: unknown }[];
  return entries
    .filter((e) => e.dst && e.dev)
    .map((e) => {
      const neighbour: Neighbour = {
        address: normalizeAddress(e.dst!),
        interface: e.dev!,
        state: e.state ?? [],
        router: e.router !== undefined,
      };
      const mac = e.lladdr ? normalizeMac(e.lladdr) : undefined;
      if (mac) neighbour.mac = mac;
      return neighbour;
    });
}

/** Neighbours worth an SSH probe: link-local and not known to be unreachable. */
export const isLiveNeighbour = (n: Neighbour) =>
  isLinkLocalIpv6(n.address) && !n.state.includes('FAILED') && !n.state.includes('INCOMPLETE') && n.mac !== undefined;

/** Source of one reply line of `ping -n`, e.g. `64 bytes from fe80::1%eth0: icmp_seq=1 …`. */
export function parsePingReply(line: string): { address: string; zone?: string } | undefined {
  const match = /^\d+ bytes from (\S+?):? icmp_seq=/.exec(line.trim());
  if (!match) return undefined;
  const { address, zone } = splitZone(match[1]!);
  return zone ? { address: normalizeAddress(address), zone } : { address: normalizeAddress(address) };
}

export const execText = (file: string, args: string[]) =>
  new Promise<string>((resolve, reject) => {
    execFile(file, args, { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${file} ${args.join(' ')}: ${(stderr || error.message).trim()}`));
      else resolve(stdout);
    });
  });

export async function readNeighbours(): Promise<Neighbour[]> {
  return parseNeighJson(await execText('ip', ['-j', 'neigh', 'show']));
}

export interface PingOptions {
  signal: AbortSignal;
  /** How long to keep pinging; each round asks every node on the link again. */
  durationMs: number;
  intervalMs: number;
  /** A node answered on `iface`. */
  onReply: (address: string, iface: string) => void;
}

/**
 * One `ping` per link, all started by one shell: each process Node spawns blocks its thread for
 * 10-20 ms on a 2-core VM (fork of a large process), a shell's forks cost it nothing. Interface
 * names reach the shell as arguments, never as script text.
 */
const pingScript = [
  // Stopped: stop the pings, and reap them so none is left a zombie.
  "trap 'kill $pids 2>/dev/null; wait; exit 0' TERM",
  'set -f; i=$1; w=$2; shift 2; pids=; links=',
  'for link do ping -6 -n -i "$i" -w "$w" "ff02::1%$link" & pids="$pids $!"; links="$links $link"; done',
  // Exit 1 is "no reply at all": an answer, not a failure.
  'set -- $links; for pid in $pids; do wait $pid; c=$?; [ $c -gt 1 ] && echo "ping ff02::1%$1: exit $c" >&2; shift; done; exit 0',
].join('\n');

/**
 * Pings `ff02::1%iface` on each link until `durationMs` or the signal: every IPv6 node on the link
 * answers (from its EUI-64 or privacy address, not from an extra static one such as fe80::47).
 * Resolves when the pings end; rejects when ping cannot be run at all (code ENOENT when it is
 * not installed).
 */
export function pingAllNodes(ifaces: string[], options: PingOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    if (options.signal.aborted || !ifaces.length) return resolve();
    const seconds = (ms: number) => String(Math.max(ms / 1000, 0.2));
    const child = spawn('sh', ['-c', pingScript, 'sh', seconds(options.intervalMs), String(Math.ceil(options.durationMs / 1000)), ...ifaces], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    const abort = () => child.kill('SIGTERM');
    options.signal.addEventListener('abort', abort, { once: true });
    splitLines(child.stdout, (line) => {
      const reply = parsePingReply(line);
      // Without a zone in the reply, only a single link can be its source.
      const iface = reply?.zone ?? (ifaces.length === 1 ? ifaces[0] : undefined);
      if (reply && iface && ifaces.includes(iface)) options.onReply(reply.address, iface);
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', (error) => {
      options.signal.removeEventListener('abort', abort);
      reject(error);
    });
    child.on('close', () => {
      options.signal.removeEventListener('abort', abort);
      if (/ping: (?:not found|command not found)/.test(stderr)) reject(Object.assign(new Error('ping is not installed'), { code: 'ENOENT' }));
      else if (/: exit \d+$/m.test(stderr)) reject(new Error(stderr.trim().split('\n').join('; ')));
      else resolve();
    });
  });
}

/** Calls `onLine` for each complete line (node:readline costs ~2 ms to load, for this alone). */
function splitLines(stream: NodeJS.ReadableStream, onLine: (line: string) => void): void {
  let partial = '';
  stream.on('data', (chunk: Buffer) => {
    partial += chunk.toString();
    const lines = partial.split('\n');
    partial = lines.pop()!;
    lines.forEach(onLine);
  });
}

/**
 * Looks up MACs in the neighbour table, sharing reads between concurrent callers. `since` is when
 * the caller last talked to the address (a TCP connection that succeeded left an entry then):
 * any read started after that moment sees it.
 */
export class NeighbourTable {
  private snapshot: Neighbour[] = [];
  private snapshotAt = -Infinity;
  private latest: { started: number; done: Promise<void> } | undefined;
  private prefetchScheduled = false;

  constructor(private readonly read: () => Promise<Neighbour[]> = readNeighbours) {}

  async macOf(address: string, iface: string | undefined, since: number): Promise<string | undefined> {
    const known = this.find(address, iface)?.mac;
    if (known) return known;
    await this.readSince(since);
    return this.find(address, iface)?.mac;
  }

  async all(since: number): Promise<Neighbour[]> {
    await this.readSince(since);
    return this.snapshot;
  }

  /**
   * Starts a read soon (once per turn of the event loop) for connections made up to now, so a
   * later `macOf` finds the answer ready instead of waiting for a process spawn.
   */
  prefetch(since: number): void {
    if (this.prefetchScheduled || (this.latest && this.latest.started >= since)) return;
    this.prefetchScheduled = true;
    setImmediate(() => {
      this.prefetchScheduled = false;
      void this.readSince(since);
    });
  }

  private find(address: string, iface: string | undefined): Neighbour | undefined {
    const wanted = normalizeAddress(address);
    return this.snapshot.find((n) => n.address === wanted && (iface === undefined || n.interface === iface));
  }

  private async readSince(since: number): Promise<void> {
    if (!this.latest || this.latest.started < since) {
      const started = performance.now();
      const done = this.read().then(
        (neighbours) => {
          if (started >= this.snapshotAt) {
            this.snapshot = neighbours;
            this.snapshotAt = started;
          }
        },
        () => {},
      );
      this.latest = { started, done };
    }
    await this.latest.done;
  }
}
