// --hosts FILE: which machine gets which configuration, when one laptop installs several. Each
// entry names its machine (by MAC, host key fingerprint or mDNS name) and gives that machine's
// install flags, the same flags `install` takes (one parser checks both).
import { readFile } from 'node:fs/promises';
import { parse as parseToml } from 'smol-toml';
import { usageError } from '../exit-codes.js';
import { normalizeMac } from '../discovery/eui64.js';
import { normalizeHostName } from '../discovery/mdns.js';

/** How an entry recognises its machine: every key given must match. */
export interface MachineMatch {
  mac?: string;
  fingerprint?: string;
  name?: string;
}

export interface HostEntry {
  /** 1-based position in the file, for messages. */
  position: number;
  match: MachineMatch;
  /** The entry's install flags as argv (`--disk /dev/…`), after the command line's. */
  args: string[];
}

export const matchKeys = ['mac', 'fingerprint', 'name'] as const;
/** Flags that belong to the whole command, never to one machine. */
export const commandOnlyFlags = ['hosts', 'all', 'only', 'concurrency', 'json', 'yes', 'resume', 'dry-run', 'log', 'help', 'expect-fingerprint', 'port'];

type FlagValue = string | number | boolean | Array<string | number | Array<string | number>>;

/**
 * An entry's flags as argv: `true` gives the flag, `false` leaves it out, a string or number is its
 * value, a list gives the flag once per item, and an item that is itself a list gives the flag's
 * several values (`"chown": [["/persist/home/me", "1000:100"]]`).
 */
export function flagArgs(name: string, value: FlagValue, where: string): string[] {
  const flag = `--${name}`;
  if (value === true) return [flag];
  if (value === false) return [];
  if (typeof value === 'string' || typeof value === 'number') return [flag, String(value)];
  if (Array.isArray(value)) {
    return value.flatMap((item) => {
      if (Array.isArray(item) && item.every((v) => typeof v === 'string' || typeof v === 'number')) return [flag, ...item.map(String)];
      if (typeof item === 'string' || typeof item === 'number') return [flag, String(item)];
      throw usageError(`${where}: "${name}" holds ${JSON.stringify(item)}`, 'a flag value is a string, a number, true, or a list of them');
    });
  }
  throw usageError(`${where}: "${name}" holds ${JSON.stringify(value)}`, 'a flag value is a string, a number, true, or a list of them');
}

/**
 * Parses a hosts file's text: JSON, `{ "hosts": [ { "mac": "…", "flake": "./cfg#web1", … }, … ] }`,
 * or TOML when the file's name ends in .toml (`[[hosts]]` tables with the same keys).
 * `machineFlags`: the flags an entry may give (install's choice flags).
 */
export function parseHostsFile(text: string, file: string, machineFlags: readonly string[]): HostEntry[] {
  const toml = /\.toml$/i.test(file);
  let data: unknown;
  try {
    data = toml ? parseToml(text) : JSON.parse(text);
  } catch (error) {
    // smol-toml's message quotes the line with a caret under the column: its first line, and where.
    const { message, line, column } = error as Error & { line?: number; column?: number };
    const reason = `${message.split('\n')[0]}${line ? ` (line ${line}, column ${column})` : ''}`;
    throw usageError(`${file} is not ${toml ? 'TOML' : 'JSON'}: ${reason}`, 'see nixos-bootstrap install --help (Many machines) for the format');
  }
  const hosts = (data as { hosts?: unknown } | null)?.hosts;
  if (!Array.isArray(hosts) || hosts.length === 0)
    throw usageError(
      `${file} has no "hosts" list`,
      toml ? '[[hosts]]\nmac = "52:54:00:12:34:56"\nflake = "./config#web1"' : '{ "hosts": [ { "mac": "52:54:00:12:34:56", "flake": "./config#web1" } ] }',
    );
  // A key beside "hosts" (a flag meant for every machine) would be dropped without a word.
  const beside = data && typeof data === 'object' ? Object.keys(data).filter((key) => key !== 'hosts' && key !== '$schema') : [];
  if (beside.length)
    throw usageError(
      `${file}: "${beside[0]}" is outside the hosts list`,
      "an entry holds its own machine's flags; flags for every machine go on the command line",
    );
  return hosts.map((raw, index) => {
    const where = `${file}, host ${index + 1}`;
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw usageError(`${where} is not an object`);
    const match: MachineMatch = {};
    const args: string[] = [];
    for (const [key, value] of Object.entries(raw as Record<string, FlagValue>)) {
      if ((matchKeys as readonly string[]).includes(key)) {
        if (typeof value !== 'string' || !value.trim()) throw usageError(`${where}: "${key}" must be a string`);
        match[key as keyof MachineMatch] = normalizeMatch(key as keyof MachineMatch, value, where);
      } else if (commandOnlyFlags.includes(key)) {
        throw usageError(`${where}: "${key}" applies to the whole command, not to one machine`, `give --${key} on the command line`);
      } else if (!machineFlags.includes(key)) {
        throw usageError(`${where}: "${key}" is not an install flag`, 'an entry holds "mac", "fingerprint", "name" and install flags without their dashes');
      } else if (key === 'luks-passphrase-file' && value === '-') {
        throw usageError(`${where}: "luks-passphrase-file" cannot be stdin (-): several machines cannot share it`, 'give a file');
      } else args.push(...flagArgs(key, value, where));
    }
    if (!match.mac && !match.fingerprint && !match.name) {
      throw usageError(`${where} names no machine`, 'give "mac" (as the installer shows it), "fingerprint" (its host key, SHA256:…) or "name" (its mDNS name)');
    }
    return { position: index + 1, match, args };
  });
}

function normalizeMatch(key: keyof MachineMatch, value: string, where: string): string {
  if (key === 'mac') {
    const mac = normalizeMac(value);
    if (!mac) throw usageError(`${where}: "mac" ${value} is not a MAC address`, 'e.g. 52:54:00:12:34:56');
    return mac;
  }
  if (key === 'fingerprint') {
    if (!/^SHA256:[A-Za-z0-9+/]{43}$/.test(value.trim()))
      throw usageError(`${where}: "fingerprint" ${value} is not a host key fingerprint`, 'SHA256:… as ssh-keygen -l prints it');
    return value.trim();
  }
  return normalizeHostName(value);
}

export async function readHostsFile(file: string, machineFlags: readonly string[]): Promise<HostEntry[]> {
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw usageError(`cannot read the hosts file ${file}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`);
  });
  return parseHostsFile(text, file, machineFlags);
}

/** How an entry's match reads in a message: `mac 52:54:…, name web-1.local`. */
export const describeMatch = (match: MachineMatch) =>
  matchKeys
    .filter((key) => match[key])
    .map((key) => `${key} ${match[key]}`)
    .join(', ');
