// The tool's own known_hosts (OpenSSH format), never ~/.ssh/known_hosts: live installers get a
// fresh host key every boot, and teaching the user's OpenSSH to accept those would train them
// to click through "host key changed" warnings for their real machines.
import { createHmac, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { usageError } from '../exit-codes.js';
import { writeSecretFile } from '../keys/secret-file.js';
import { configDir } from '../paths.js';
import { fingerprint } from './fingerprint.js';
import { oneAtATime } from '../one-at-a-time.js';

/** `$XDG_CONFIG_HOME/nixos-bootstrap/known_hosts`, else `~/.config/nixos-bootstrap/known_hosts`. */
export const defaultKnownHostsFile = (env: NodeJS.ProcessEnv = process.env) => join(configDir(env), 'known_hosts');

export interface KnownHostLine {
  /** `@revoked`, `@cert-authority`, or undefined for a plain line. */
  marker?: string;
  /** Comma-separated patterns or one hashed `|1|salt|hash` name. */
  hosts: string;
  keyType: string;
  key: Buffer;
  /** 1-based line number in the file. */
  line: number;
}

/** Parses known_hosts text; malformed lines and comments are skipped, as OpenSSH does. */
export function parseKnownHosts(text: string): KnownHostLine[] {
  const entries: KnownHostLine[] = [];
  text.split('\n').forEach((raw, index) => {
    const fields = raw.trim().split(/\s+/);
    if (fields[0] === '' || fields[0]!.startsWith('#')) return;
    const marker = fields[0]!.startsWith('@') ? fields.shift() : undefined;
    const [hosts, keyType, keyBase64] = fields;
    if (!hosts || !keyType || !keyBase64 || !/^[A-Za-z0-9+/]+={0,2}$/.test(keyBase64)) return;
    entries.push({ ...(marker ? { marker } : {}), hosts, keyType, key: Buffer.from(keyBase64, 'base64'), line: index + 1 });
  });
  return entries;
}

function globToRegExp(pattern: string): RegExp {
  const body = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 'i');
}

function hashedNameMatches(hashed: string, name: string): boolean {
  const [, magic, salt, hash] = hashed.split('|');
  if (magic !== '1' || !salt || !hash) return false;
  return createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64') === hash;
}

/** Whether one known_hosts host field matches a name (hashed names, globs, `!` negation). */
export function hostFieldMatches(hosts: string, name: string): boolean {
  if (hosts.startsWith('|')) return hashedNameMatches(hosts, name);
  let matched = false;
  for (const pattern of hosts.split(',')) {
    const negated = pattern.startsWith('!');
    if (!globToRegExp(negated ? pattern.slice(1) : pattern).test(name)) continue;
    if (negated) return false;
    matched = true;
  }
  return matched;
}

/** The names a host may be written under: `host` and `[host]:22` are the same thing on port 22. */
function namesFor(name: string): string[] {
  const port22 = /^\[(.+)\]:22$/.exec(name);
  if (port22) return [name, port22[1]!];
  return name.startsWith('[') ? [name] : [name, `[${name}]:22`];
}

export type HostKeyStatus =
  /** The file holds this very key for this host. */
  | { status: 'known' }
  /** The file knows nothing about this host. */
  | { status: 'new' }
  /** The file holds other keys for this host: a re-booted installer, or someone else. */
  | { status: 'changed'; knownFingerprints: string[] }
  /** The key is marked @revoked. */
  | { status: 'revoked' };

export function lookupHostKey(text: string, name: string, hostKey: Buffer): HostKeyStatus {
  const names = namesFor(name);
  const entries = parseKnownHosts(text).filter((entry) => entry.marker !== '@cert-authority' && names.some((n) => hostFieldMatches(entry.hosts, n)));
  if (entries.some((entry) => entry.marker === '@revoked' && entry.key.equals(hostKey))) return { status: 'revoked' };
  const plain = entries.filter((entry) => entry.marker === undefined);
  if (plain.some((entry) => entry.key.equals(hostKey))) return { status: 'known' };
  if (plain.length === 0) return { status: 'new' };
  return { status: 'changed', knownFingerprints: [...new Set(plain.map((entry) => fingerprint(entry.key)))] };
}

/** The file's text; '' when it does not exist yet. Unreadable is a usage error: we will not guess. */
export async function readKnownHosts(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return '';
    throw usageError(`cannot read ${file} (${code ?? String(error)})`, 'fix its permissions: nixos-bootstrap keeps the installers’ host keys there');
  }
}

/** One known_hosts line; `hash` writes the name as `|1|salt|hash` like `HashKnownHosts yes`. */
export function knownHostsLine(name: string, keyType: string, hostKey: Buffer, hash = false): string {
  let hosts = name;
  if (hash) {
    const salt = randomBytes(20);
    hosts = `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
  }
  return `${hosts} ${keyType} ${hostKey.toString('base64')}`;
}

/**
 * Records `hostKey` for `name`, replacing any lines that named this host before (the previous
 * key of a re-booted installer), keeping every other line and comment as it was.
 */
export function recordHostKey(file: string, name: string, keyType: string, hostKey: Buffer, options: { hash?: boolean } = {}): Promise<void> {
  // Read, changed and written again: machines finishing together take turns.
  return oneAtATime(`known-hosts:${file}`, () => recordHostKeyNow(file, name, keyType, hostKey, options));
}

async function recordHostKeyNow(file: string, name: string, keyType: string, hostKey: Buffer, options: { hash?: boolean }): Promise<void> {
  const names = namesFor(name);
  const kept = (await readKnownHosts(file)).split('\n').filter((raw) => {
    const [entry] = parseKnownHosts(raw);
    if (!entry || entry.marker !== undefined) return true;
    const exact = entry.hosts.startsWith('|')
      ? names.some((n) => hashedNameMatches(entry.hosts, n))
      : entry.hosts.split(',').some((pattern) => names.includes(pattern));
    return !exact; // glob lines the user wrote stay
  });
  while (kept.length > 0 && kept[kept.length - 1] === '') kept.pop();
  kept.push(knownHostsLine(name, keyType, hostKey, options.hash), '');
  await writeSecretFile(file, kept.join('\n'), { overwrite: true, createDirectory: true });
}
