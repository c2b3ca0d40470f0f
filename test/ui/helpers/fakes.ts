// Stand-ins for what a unit test cannot have: a LAN full of installers, a target's disks.
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import type { Candidate } from '../../../source/core/discovery/candidate.js';
import type { DiscoveryResult, DiscoveryUpdate } from '../../../source/core/discovery/discover.js';
import { parseProbeOutput } from '../../../source/core/facts/parse.js';
import type { Facts } from '../../../source/core/facts/types.js';
import type { DiscoveryHandle } from '../../../source/ui/services.js';

export class FakeDiscovery extends EventEmitter {
  stopped = false;
  readonly result: Promise<DiscoveryResult>;
  private settle!: (result: DiscoveryResult) => void;
  private found: Candidate[] = [];

  constructor() {
    super();
    this.result = new Promise((resolve) => (this.settle = resolve));
  }

  /** Updates sent before the screen subscribed (a test may be quicker than that). */
  private pending: DiscoveryUpdate[] = [];

  add(candidate: Candidate): void {
    this.found = [...this.found.filter((c) => c.id !== candidate.id), candidate];
    const update: DiscoveryUpdate = { candidate, settled: true };
    // The real discovery emits only after its sockets are open, long after the screen
    // subscribed; a test can be faster, so hold updates until someone listens.
    if (this.listenerCount('update') === 0) this.pending.push(update);
    else this.emit('update', update);
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- EventEmitter's own listener type
  override on(event: string | symbol, listener: (...args: any[]) => void): this {
    super.on(event, listener);
    if (event === 'update') for (const update of this.pending.splice(0)) this.emit('update', update);
    return this;
  }

  end(extra: Partial<DiscoveryResult> = {}): void {
    this.settle({
      candidates: this.found,
      interfaces: [{ name: 'eth0', ipv6: true, ipv4: true }],
      skippedInterfaces: [],
      names: ['bootstrap.local', 'nixos.local', 'nixos-installer.local'],
      services: ['_ssh._tcp.local', '_workstation._tcp.local'],
      port: 22,
      unanswered: [],
      problems: [],
      elapsedMs: 3000,
      stoppedBy: this.stopped ? 'abort' : 'timeout',
      ...extra,
    });
  }

  stop(): void {
    this.stopped = true;
    this.end();
  }

  get handle(): DiscoveryHandle {
    return this as unknown as DiscoveryHandle;
  }
}

export const candidate = (n: number, over: Partial<Candidate> = {}): Candidate => ({
  id: `SHA256:key${n}`,
  names: [n === 1 ? 'bootstrap.local' : `bootstrap-${n}.local`],
  addresses: [
    { address: 'fe80::47', interface: `eth${n}`, via: 'ndp' },
    { address: `fe80::5054:ff:fe47:${n}`, interface: `eth${n}`, via: 'mdns' },
  ],
  port: 22,
  mac: `52:54:00:47:00:0${n}`,
  banner: 'SSH-2.0-OpenSSH_9.2p1',
  fingerprint: `SHA256:${String(n).repeat(4)}AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abc`.slice(0, 50),
  hostKeyType: 'ssh-ed25519',
  firstSeenMs: 40 * n,
  ...over,
});

/** Facts of a real machine recorded by the probe script (test/fixtures/probe). */
export function fixtureFacts(name: 'laptop-windows-nvme-sata-usb' | 'bios-server-two-sata'): Facts {
  const text = readFileSync(new URL(`../../fixtures/probe/${name}.txt`, import.meta.url), 'utf8');
  return parseProbeOutput(text, 'fixture');
}
