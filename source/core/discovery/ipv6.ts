import { isIP, isIPv6 } from 'node:net';

/** An address as users and tools write it: optional brackets, optional `%zone`. */
export interface ZonedAddress {
  address: string;
  zone?: string;
}

/** Splits `[fe80::47%eth0]`, `fe80::47%eth0` or `10.0.0.2` into address and zone (brackets dropped). */
export function splitZone(text: string): ZonedAddress {
  const bracketed = text.startsWith('[') && text.endsWith(']');
  const bare = bracketed ? text.slice(1, -1) : text;
  const percent = bare.indexOf('%');
  if (percent < 0) return { address: bare };
  // Inside URI brackets the `%` is escaped as `%25` (RFC 6874): `[fe80::47%25eth0]`.
  const raw = bare.slice(percent + 1);
  const zone = bracketed && raw.startsWith('25') && raw.length > 2 ? raw.slice(2) : raw;
  return zone ? { address: bare.slice(0, percent), zone } : { address: bare.slice(0, percent) };
}

/** Eight 16-bit words of an IPv6 address (zone ignored), or undefined if it is not one. */
export function ipv6Words(text: string): number[] | undefined {
  const { address } = splitZone(text);
  if (!isIPv6(address)) return undefined;
  // An embedded dotted quad (::ffff:10.0.0.1) stands for the last two words.
  const text6 = address.replace(/(\d+)\.(\d+)\.(\d+)\.(\d+)$/, (_m, a: string, b: string, c: string, d: string) =>
    `${((Number(a) << 8) | Number(b)).toString(16)}:${((Number(c) << 8) | Number(d)).toString(16)}`);
  const parse = (part: string | undefined) => (part ? part.split(':').map((h) => parseInt(h, 16)) : []);
  const halves = text6.split('::');
  const leftWords = parse(halves[0]);
  const rightWords = parse(halves[1]);
  const fill = halves.length === 2 ? 8 - leftWords.length - rightWords.length : 0;
  const words = [...leftWords, ...new Array<number>(Math.max(fill, 0)).fill(0), ...rightWords];
  return words.length === 8 ? words : undefined;
}

/** RFC 5952 text form: lower case, longest run (≥2) of zero words as `::`, no leading zeros. */
export function formatIpv6(words: number[]): string {
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i += 1;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j += 1;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = (ws: number[]) => ws.map((w) => w.toString(16)).join(':');
  if (bestStart < 0) return hex(words);
  return `${hex(words.slice(0, bestStart))}::${hex(words.slice(bestStart + bestLength))}`;
}

/** Canonical form of an IPv4 or IPv6 address without zone, so equal addresses compare equal. */
export function normalizeAddress(text: string): string {
  const { address } = splitZone(text);
  const words = ipv6Words(address);
  return words ? formatIpv6(words) : address;
}

export const isIpv6 = (text: string) => isIPv6(splitZone(text).address);
export const isIpAddress = (text: string) => isIP(splitZone(text).address) !== 0;

/** fe80::/10: needs an interface (zone) to be reachable. */
export function isLinkLocalIpv6(text: string): boolean {
  const words = ipv6Words(text);
  return words !== undefined && (words[0]! & 0xffc0) === 0xfe80;
}

/**
 * The host string for net.connect/ssh2: link-local IPv6 gets `%ifname` (a zone by NAME:
 * Node rejects numeric or missing zones for fe80:: with EINVAL); anything else stays bare.
 */
export function connectHost(address: string, iface: string | undefined): string {
  const bare = splitZone(address).address;
  return isLinkLocalIpv6(bare) && iface ? `${bare}%${iface}` : bare;
}
