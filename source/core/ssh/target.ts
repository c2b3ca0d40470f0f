import { shellQuote } from '../plan/shell.js';
import { isIPv6 } from 'node:net';
import { usageError } from '../exit-codes.js';
import type { Target } from './types.js';

export const defaultSshPort = 22;
export const defaultSshUser = 'root';

export interface TargetDefaults {
  /** Used when the spec names no user (`-l`/default `root`). */
  user?: string;
  /** Used when the spec names no port (`-p`). */
  port?: number;
}

/** fe80::/10: the only addresses whose meaning depends on the interface they are reached through. */
export function isLinkLocal(address: string): boolean {
  if (!isIPv6(address)) return false;
  const first = Number.parseInt(address.split(':')[0] || '0', 16);
  return (first & 0xffc0) === 0xfe80;
}

function parsePort(text: string, spec: string): number {
  const port = /^\d{1,5}$/.test(text) ? Number(text) : Number.NaN;
  if (!(port >= 1 && port <= 65535)) throw usageError(`bad port '${text}' in target '${spec}'`);
  return port;
}

/**
 * Parses `[user@]host[:port]`, `[user@][v6addr%zone]:port` or `[user@]v6addr%zone`.
 * The zone must be an interface NAME: ssh2 (like getaddrinfo) rejects numeric zones with EINVAL,
 * and a link-local address without a zone names no machine at all.
 */
export function parseTarget(spec: string, defaults: TargetDefaults = {}): Target {
  const text = spec.trim();
  if (text === '') throw usageError('empty target', 'expected user@host[:port], e.g. root@fe80::47%eth0');
  const at = text.lastIndexOf('@');
  const user = at >= 0 ? text.slice(0, at) : (defaults.user ?? defaultSshUser);
  if (user === '' || /[\s:/]/.test(user)) throw usageError(`bad user name in target '${spec}'`);
  let rest = at >= 0 ? text.slice(at + 1) : text;

  let address: string;
  let port: number | undefined;
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']');
    if (close < 0) throw usageError(`unclosed '[' in target '${spec}'`);
    address = rest.slice(1, close);
    rest = rest.slice(close + 1);
    if (rest.startsWith(':')) port = parsePort(rest.slice(1), spec);
    else if (rest !== '') throw usageError(`unexpected '${rest}' after ']' in target '${spec}'`);
  } else if ((rest.match(/:/g) ?? []).length >= 2) {
    address = rest; // a bare IPv6 address cannot carry a port: its colons would be ambiguous
  } else {
    const colon = rest.indexOf(':');
    address = colon >= 0 ? rest.slice(0, colon) : rest;
    if (colon >= 0) port = parsePort(rest.slice(colon + 1), spec);
  }

  const percent = address.indexOf('%');
  const host = percent >= 0 ? address.slice(0, percent) : address;
  const zone = percent >= 0 ? address.slice(percent + 1) : undefined;
  if (host === '' || /[\s/\\[\]@]/.test(host)) throw usageError(`bad host in target '${spec}'`);
  if (host.includes(':') && !isIPv6(host)) throw usageError(`bad IPv6 address '${host}' in target '${spec}'`);
  if (zone !== undefined) {
    if (!isIPv6(host)) throw usageError(`a zone (%${zone}) only belongs to an IPv6 address, not '${host}'`);
    if (zone === '') throw usageError(`empty zone after '%' in target '${spec}'`);
    if (/^\d+$/.test(zone)) {
      throw usageError(`numeric zone '%${zone}' in target '${spec}'`, `name the interface instead, e.g. ${host}%eth0`);
    }
    if (!/^[\w.:-]{1,15}$/.test(zone)) throw usageError(`bad interface name '${zone}' in target '${spec}'`);
  }
  if (isLinkLocal(host) && zone === undefined) {
    throw usageError(`link-local address ${host} needs its interface`, `write it as ${host}%IFACE, e.g. ${host}%eth0 (ip -6 addr shows your interfaces)`);
  }
  return {
    host: isIPv6(host) ? host.toLowerCase() : host,
    ...(zone !== undefined ? { interface: zone } : {}),
    port: port ?? defaults.port ?? defaultSshPort,
    user,
  };
}

/** The host string ssh2 and net.connect need: `fe80::47%eth0` (zone by name, no brackets). */
export function sshHost(target: Target): string {
  return target.interface ? `${target.host}%${target.interface}` : target.host;
}

/** For messages and for `parseTarget` again: `root@fe80::47%eth0`, `root@[fe80::47%eth0]:2222`. */
export function formatTarget(target: Target): string {
  const host = sshHost(target);
  if (target.port === defaultSshPort) return `${target.user}@${host}`;
  return isIPv6(target.host) ? `${target.user}@[${host}]:${target.port}` : `${target.user}@${host}:${target.port}`;
}

/** The name OpenSSH would write in known_hosts: `host`, or `[host]:port` off port 22. */
export function knownHostsName(target: Target): string {
  const host = sshHost(target);
  return target.port === defaultSshPort ? host : `[${host}]:${target.port}`;
}

/**
 * A command as the target runs it: as is for root, else through `sudo -n` (never a password
 * prompt: stdin carries the secrets). The command itself never holds a secret.
 */
export function asRoot(target: Pick<Target, 'user'>, command: string): string {
  if (target.user === 'root') return command;
  // A user's PATH lacks the sbin directories root's has where they are split (not on NixOS).
  return `sudo -n -- bash -c ${shellQuote(`PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"; ${command}`)}`;
}
