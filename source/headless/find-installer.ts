import { unreachable, usageError } from '../core/exit-codes.js';
import { discover } from '../core/discovery/discover.js';
import type { Candidate } from '../core/discovery/candidate.js';
import type { Target } from '../core/ssh/types.js';

/** The target when none was named: the one installer on the LAN, or a clear error. */
export async function findOneInstaller(options: { port?: number }): Promise<Target> {
  const result = await discover({ port: options.port }).result;
  const found = result.candidates.filter((c) => c.fingerprint);
  if (found.length === 0) {
    throw unreachable('no installer found on the LAN', "name it: nixos-bootstrap install root@fe80::47%eth0 …, or see 'nixos-bootstrap discover'");
  }
  if (found.length > 1) {
    throw usageError(`${found.length} installers found; name the one to install: ${found.map(describe).join('; ')}`);
  }
  const best = found[0]!.addresses[0]!;
  return { host: best.address, interface: best.interface, port: found[0]!.port, user: 'root' };
}

const describe = (c: Candidate) => `${c.names[0] ?? c.addresses[0]?.address} (${c.fingerprint})`;
