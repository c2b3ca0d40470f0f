import { refusal, unreachable } from '../core/exit-codes.js';
import { discover } from '../core/discovery/discover.js';
import type { Candidate } from '../core/discovery/candidate.js';
import { fingerprint } from '../core/ssh/fingerprint.js';
import { defaultKnownHostsFile, parseKnownHosts, readKnownHosts } from '../core/ssh/known-hosts.js';
import type { Target } from '../core/ssh/types.js';

/**
 * The target when none was named: the one installer on the LAN, with the key discovery verified
 * (the caller pins it). An mDNS name can be forged by anyone on the link, so headless goes on
 * only with a key trusted before (the tool's known_hosts) or given with --expect-fingerprint;
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
  if (!expected && !(await isTrusted(chosen.fingerprint!))) {
    throw refusal(
      `the installer found, ${describe(chosen)}, has a host key this tool has not trusted before`,
      `compare it with the installer's console, then pass --expect-fingerprint ${chosen.fingerprint} (or confirm it once in the wizard)`,
    );
  }
  const best = chosen.addresses[0]!;
  return { target: { host: best.address, interface: best.interface, port: chosen.port, user: 'root' }, fingerprint: chosen.fingerprint! };
}

async function isTrusted(wanted: string): Promise<boolean> {
  const entries = parseKnownHosts(await readKnownHosts(defaultKnownHostsFile()));
  return entries.some((entry) => entry.marker === undefined && fingerprint(entry.key) === wanted);
}

const describe = (c: Candidate) => `${c.names[0] ?? c.addresses[0]?.address} (${c.fingerprint})`;
