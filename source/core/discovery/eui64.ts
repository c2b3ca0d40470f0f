import { formatIpv6, ipv6Words } from './ipv6.js';

const macPattern = /^[0-9a-f]{2}(?::[0-9a-f]{2}){5}$/;

/** Lower-case, colon-separated MAC, or undefined when `text` is not a 48-bit MAC. */
export function normalizeMac(text: string): string | undefined {
  const mac = text.trim().toLowerCase().replace(/-/g, ':');
  return macPattern.test(mac) ? mac : undefined;
}

/** The modified EUI-64 link-local address the kernel derives from a MAC (RFC 4291 appendix A). */
export function macToEui64LinkLocal(mac: string): string {
  const normal = normalizeMac(mac);
  if (!normal) throw new Error(`not a MAC address: ${mac}`);
  const b = normal.split(':').map((h) => parseInt(h, 16));
  // Flipping the universal/local bit is what makes it "modified" EUI-64.
  return formatIpv6([0xfe80, 0, 0, 0, ((b[0]! ^ 0x02) << 8) | b[1]!, (b[2]! << 8) | 0xff, 0xfe00 | b[3]!, (b[4]! << 8) | b[5]!]);
}

/** True when the interface identifier of an IPv6 address has the `ff:fe` EUI-64 filler. */
export function isEui64Address(address: string): boolean {
  const words = ipv6Words(address);
  return words !== undefined && (words[5]! & 0xff) === 0xff && words[6]! >> 8 === 0xfe;
}

/** The MAC an EUI-64-derived IPv6 address (any prefix) was made from, or undefined. */
export function eui64AddressToMac(address: string): string | undefined {
  const words = ipv6Words(address);
  if (!words || !isEui64Address(address)) return undefined;
  const bytes = [(words[4]! >> 8) ^ 0x02, words[4]! & 0xff, words[5]! >> 8, words[6]! & 0xff, words[7]! >> 8, words[7]! & 0xff];
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join(':');
}
