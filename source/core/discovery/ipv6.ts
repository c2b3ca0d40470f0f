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

const hexWord = /^[0-9a-f]{1,4}$/i;
const decimalOctet = /^(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]\d|\d)$/;

/** The four bytes of a dotted quad (`10.0.0.1`), or undefined if it is not one. */
function ipv4Bytes(text: string): number[] | undefined {
  const parts = text.split('.');
  return parts.length === 4 && parts.every((p) => decimalOctet.test(p)) ? parts.map(Number) : undefined;
}

/**
 * Discovery compares the same few addresses tens of thousands of times (merging its sightings
 * on every update: ~36k parses for 8 installers): each text is parsed once. Bounded, for a
 * wizard that runs discovery again and again on a busy LAN.
 */
const cacheLimit = 4096;
const parsed = new Map<string, readonly number[] | undefined>();
const normalized = new Map<string, string>();
function remember<T>(cache: Map<string, T>, key: string, value: T): T {
  if (cache.size >= cacheLimit) cache.clear();
  cache.set(key, value);
  return value;
}

/**
 * Eight 16-bit words of an IPv6 address (zone ignored), or undefined if it is not one. Parsed by
 * hand rather than checked with net.isIPv6: the first calls of its large regular expression
 * compile it, ~20 ms of a 2-core machine inside discovery's first milliseconds.
 */
export function ipv6Words(text: string): readonly number[] | undefined {
  if (parsed.has(text)) return parsed.get(text);
  return remember(parsed, text, parseIpv6(text));
}

function parseIpv6(text: string): readonly number[] | undefined {
  const { address } = splitZone(text);
  const halves = address.split('::');
  if (halves.length > 2) return undefined;
  const parse = (part: string, last: boolean): number[] | undefined => {
    if (!part) return [];
    const groups = part.split(':');
    const words: number[] = [];
    for (const [i, group] of groups.entries()) {
      // An embedded dotted quad (::ffff:10.0.0.1) stands for the last two words.
      const quad = last && i === groups.length - 1 && group.includes('.') ? ipv4Bytes(group) : undefined;
      if (quad) words.push((quad[0]! << 8) | quad[1]!, (quad[2]! << 8) | quad[3]!);
      else if (hexWord.test(group)) words.push(parseInt(group, 16));
      else return undefined;
    }
    return words;
  };
  const left = parse(halves[0]!, halves.length === 1);
  const right = halves.length === 2 ? parse(halves[1]!, true) : [];
  if (!left || !right) return undefined;
  if (halves.length === 1) return left.length === 8 ? Object.freeze(left) : undefined;
  // `::` stands for at least one zero word.
  const fill = 8 - left.length - right.length;
  return fill >= 1 ? Object.freeze([...left, ...new Array<number>(fill).fill(0), ...right]) : undefined;
}

/** RFC 5952 text form: lower case, longest run (≥2) of zero words as `::`, no leading zeros. */
export function formatIpv6(words: readonly number[]): string {
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8;) {
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
  const hex = (ws: readonly number[]) => ws.map((w) => w.toString(16)).join(':');
  if (bestStart < 0) return hex(words);
  return `${hex(words.slice(0, bestStart))}::${hex(words.slice(bestStart + bestLength))}`;
}

/** Canonical form of an IPv4 or IPv6 address without zone, so equal addresses compare equal. */
export function normalizeAddress(text: string): string {
  const known = normalized.get(text);
  if (known !== undefined) return known;
  const { address } = splitZone(text);
  const words = ipv6Words(address);
  return remember(normalized, text, words ? formatIpv6(words) : address);
}

export const isIpv6 = (text: string) => ipv6Words(text) !== undefined;
export const isIpAddress = (text: string) => isIpv6(text) || ipv4Bytes(splitZone(text).address) !== undefined;

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
