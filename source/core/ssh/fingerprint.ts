import { createHash } from 'node:crypto';

/** Host key fingerprint exactly as `ssh-keygen -l` prints it: `SHA256:` + unpadded base64. */
export function fingerprint(hostKey: Buffer): string {
  return `SHA256:${createHash('sha256').update(hostKey).digest('base64').replace(/=+$/, '')}`;
}

/** The key type named inside an SSH wire-format public key blob (e.g. `ssh-ed25519`). */
export function hostKeyType(hostKey: Buffer): string {
  const length = hostKey.readUInt32BE(0);
  return hostKey.subarray(4, 4 + length).toString('latin1');
}
