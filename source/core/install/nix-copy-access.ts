// Copy mode's `nix copy` runs its own OpenSSH. It must trust exactly the key this session pinned
// (not ~/.ssh/known_hosts, not whatever answers) and log in the way the session did.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { refusal, usageError } from '../exit-codes.js';
import { hostKeyType } from '../ssh/fingerprint.js';
import type { Session } from '../ssh/types.js';
import { nixStoreUri } from './nix-store-uri.js';

/** known_hosts entries are matched by this name instead of the (zoned, bracketed) address. */
const hostKeyAlias = 'nixos-bootstrap-installer';

export interface NixCopyAccess {
  /** NIX_STORE_URI and NIX_SSHOPTS for the local `nix copy`. */
  env: Record<string, string>;
  /** Removes the one-entry known_hosts file. */
  dispose(): Promise<void>;
}

export async function nixCopyAccess(session: Session): Promise<NixCopyAccess> {
  const { hostKey, authMethod = '' } = session;
  if (!hostKey) throw new Error('copy mode needs the session’s pinned host key');
  if (!authMethod.startsWith('key ') && authMethod !== 'agent') {
    throw refusal(
      `--mode copy cannot log in the way this session did (${authMethod || 'unknown'}): nix copy runs its own ssh, and a password is never handed to it`,
      'authenticate with a key (-i FILE) or ssh-agent, or use --mode flake to build on the target',
    );
  }
  // nix copy writes the installer's store over its own ssh, which has no sudo in between.
  if (session.target.user !== 'root')
    throw refusal(
      `--mode copy needs a root login: ${session.target.user}@ works only through sudo, which nix copy cannot use`,
      'log in as root, or use --mode flake',
    );
  const identity = authMethod.startsWith('key ') ? authMethod.slice(4) : undefined;
  // Nix splits NIX_SSHOPTS on whitespace, with no quoting.
  if (identity && /\s/.test(identity)) throw usageError(`--mode copy: the key path '${identity}' has a space, which nix's NIX_SSHOPTS cannot carry`);
  const dir = await mkdtemp(join(tmpdir(), 'nb-nix-copy-'));
  const knownHosts = join(dir, 'known_hosts');
  await writeFile(knownHosts, `${hostKeyAlias} ${hostKeyType(hostKey.key)} ${hostKey.key.toString('base64')}\n`, { mode: 0o600 });
  const options = [
    '-p',
    String(session.target.port),
    '-o',
    `UserKnownHostsFile=${knownHosts}`,
    '-o',
    'GlobalKnownHostsFile=/dev/null',
    '-o',
    `HostKeyAlias=${hostKeyAlias}`,
    '-o',
    'StrictHostKeyChecking=yes',
    '-o',
    'BatchMode=yes',
    ...(identity ? ['-i', identity, '-o', 'IdentitiesOnly=yes'] : []),
  ];
  return {
    env: { NIX_STORE_URI: nixStoreUri(session.target), NIX_SSHOPTS: options.join(' ') },
    dispose: () => rm(dir, { recursive: true, force: true }),
  };
}
