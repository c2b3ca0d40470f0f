import { usageError } from '../exit-codes.js';
import { fingerprint as fingerprintOf, hostKeyType } from './fingerprint.js';
import { lookupHostKey, type HostKeyStatus } from './known-hosts.js';
import { imageWithKey, type InstallerImage } from '../installer/image-registry.js';
import { hostKeyDescription, pairingCode, pairingConsoleCommand, randomArt } from './pairing.js';
import { formatTarget, knownHostsName } from './target.js';
import type { Target } from './types.js';

/** Everything the UI needs to let a person decide about a host key before anything is sent. */
export interface HostKeyInfo {
  target: Target;
  /** `root@fe80::47%eth0` */
  where: string;
  /** `SHA256:…` */
  fingerprint: string;
  /** Wire algorithm, e.g. `ssh-ed25519`. */
  algorithm: string;
  /** As ssh-keygen names it: `ED25519 256`. */
  description: string;
  /** First characters of the fingerprint, grouped: `Wq3D 9fzK`. */
  pairingCode: string;
  /** The `ssh-keygen -lv` picture of this key. */
  randomArt: string;
  /** What to run on the installer's console to see the same fingerprint and picture. */
  consoleCommand: string;
  /** What the tool's known_hosts says about this host. */
  known: HostKeyStatus;
  knownHostsFile: string;
  /** The name this host has (or would get) in known_hosts. */
  knownHostsName: string;
  /** The installer image made on this laptop (nixos-bootstrap installer) that holds this key: verified at first contact. */
  image?: { name: string; created: string };
  /** Set when an expected fingerprint was given (and matched: a mismatch never reaches the UI). */
  matchesExpected?: boolean;
  /** The raw key blob. */
  key: Buffer;
}

export function describeHostKey(target: Target, key: Buffer, knownHostsText: string, knownHostsFile: string, images: InstallerImage[] = []): HostKeyInfo {
  const fingerprint = fingerprintOf(key);
  const image = imageWithKey(images, fingerprint);
  const { type, bits } = hostKeyDescription(key);
  const name = knownHostsName(target);
  return {
    target,
    where: formatTarget(target),
    fingerprint,
    algorithm: hostKeyType(key),
    description: `${type} ${bits}`,
    pairingCode: pairingCode(fingerprint),
    randomArt: randomArt(key),
    consoleCommand: pairingConsoleCommand,
    known: lookupHostKey(knownHostsText, name, key),
    knownHostsFile,
    knownHostsName: name,
    key,
    ...(image ? { image: { name: image.name, created: image.created } } : {}),
  };
}

/**
 * `SHA256:abc…` as ssh-keygen prints it. Accepts the bare base64 and trailing `=` padding too;
 * MD5 fingerprints (`MD5:…` / hex pairs) are refused as a usage error: too weak to pin on.
 */
export function normalizeFingerprint(text: string): string {
  const trimmed = text.trim();
  if (/^MD5:/i.test(trimmed) || /^([0-9a-f]{2}:){15}[0-9a-f]{2}$/i.test(trimmed)) {
    throw usageError(`MD5 fingerprint '${trimmed}' given`, 'use the SHA256 form: ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub');
  }
  const body = trimmed.replace(/^SHA256:/i, '').replace(/=+$/, '');
  if (!/^[A-Za-z0-9+/]{43}$/.test(body)) {
    throw usageError(`bad fingerprint '${trimmed}'`, 'expected SHA256:<43 base64 characters>, as ssh-keygen -l prints it');
  }
  return `SHA256:${body}`;
}
