import { refusal, unreachable } from '../core/exit-codes.js';
import { discover } from '../core/discovery/discover.js';
import type { Candidate } from '../core/discovery/candidate.js';
import { fingerprint } from '../core/ssh/fingerprint.js';
import { defaultKnownHostsFile, parseKnownHosts, readKnownHosts } from '../core/ssh/known-hosts.js';
import type { Target } from '../core/ssh/types.js';
import { readImages } from '../core/installer/image-registry.js';

/**
 * The target when none was named: the one installer on the LAN, with the key discovery verified
 * (the caller pins it). An mDNS name can be forged by anyone on the link, so headless goes on
 * only with a key trusted before (the tool's known_hosts, an image made here) or given with --expect-fingerprint;
 * otherwise it refuses before anything, a password least of all, is sent.
 */
export async function findOneInstaller(options: { port?: number; expectFingerprint?: string }): Promise<{ target: Target; fingerprint: string }> {
  const result = await discover({ port: options.port }).result;
  const verified = result.candidates.filter((c) => c.fingerprint);
  if (verified.length === 0) {
    throw unreachable('no installer found on the LAN', "name it: nixos-bootstrap install root@fe80::47%eth0 …, or see 'nixos-bootstrap discover'");
  }
  const expected = options.expectFingerprint;
  const found = expected ? verified.filter((c) => c.fingerprint === expected) : verified;
  if (expected && found.length === 0) {
    throw refusal(
      `no installer with host key ${expected} was found; found: ${verified.map(describe).join('; ')}`,
      'check the key on the installer’s console, or name the target',
    );
  }
  if (found.length > 1) {
    throw refusal(`${found.length} installers found; name the one to install: ${found.map(describe).join('; ')}`, 'give TARGET, e.g. root@fe80::47%eth0');
  }
  const chosen = found[0]!;
  if (!expected && !(await trustedFingerprints()).has(chosen.fingerprint!)) {
    throw refusal(
      `the installer found, ${describe(chosen)}, has a host key this tool has not trusted before`,
      `compare it with the installer's console, then pass --expect-fingerprint ${chosen.fingerprint} (or confirm it once in the wizard)`,
    );
  }
  return { target: installerTarget(chosen), fingerprint: chosen.fingerprint! };
}

/** Where to log in to a discovered installer: its best address (discovery lists it first). */
export function installerTarget(installer: Candidate): Target {
  const best = installer.addresses[0]!;
  return { host: best.address, interface: best.interface, port: installer.port, user: 'root' };
}

/**
 * Host keys trusted before: this tool's known_hosts, and the installer images made here (their
 * keys were made on this machine, so they are verified at first contact).
 */
export async function trustedFingerprints(): Promise<Set<string>> {
  const entries = parseKnownHosts(await readKnownHosts(defaultKnownHostsFile()));
  const images = await readImages();
  return new Set([
    ...entries.filter((entry) => entry.marker === undefined).map((entry) => fingerprint(entry.key)),
    ...images.map((image) => image.fingerprint),
  ]);
}

const describe = (c: Candidate) => `${c.names[0] ?? c.addresses[0]?.address} (${c.fingerprint})`;
