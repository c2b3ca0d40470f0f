// Merging what discovery saw into one entry per installer. Pure: the same sightings and
// verifications always give the same list, in the same order, with the same ids.
import { installerLinkLocal } from '../defaults.js';
import type { Candidate, CandidateAddress, DiscoverySource } from './candidate.js';
import { eui64AddressToMac } from './eui64.js';
import { isIpv6, isLinkLocalIpv6, normalizeAddress } from './ipv6.js';

/** One address seen on one link by one method, before anyone talked SSH to it. */
export interface Sighting {
  address: string;
  interface?: string;
  via: DiscoverySource;
  /** mDNS host name whose A/AAAA record gave this address. */
  name?: string;
  /** MAC from the neighbour table or an mDNS workstation record. */
  mac?: string;
  atMs: number;
}

/** An SSH server that answered on one endpoint. */
export interface Verification {
  address: string;
  interface?: string;
  port: number;
  banner: string;
  fingerprint: string;
  hostKeyType: string;
  /** From EUI-64 or the neighbour table right after the connection. */
  mac?: string;
  atMs: number;
}

/** `address%interface`: the same address on two links is two places. */
export const placeKey = (address: string, iface: string | undefined) => `${normalizeAddress(address)}%${isLinkLocalIpv6(address) ? (iface ?? '') : ''}`;

/** The interface matters for reaching link-local addresses only; IPv4 answers on any link. */
const samePlace = (a: { address: string; interface?: string }, b: { address: string; interface?: string }) =>
  placeKey(a.address, a.interface) === placeKey(b.address, b.interface);

/**
 * Which address to show (and try) first: IPv4, then global IPv6, then link-local with the static
 * fe80::47 first (it is what the installer docs tell users to type).
 */
export function addressRank(address: string): number {
  if (!isIpv6(address)) return 0;
  if (!isLinkLocalIpv6(address)) return 1;
  return normalizeAddress(address) === installerLinkLocal ? 2 : 3;
}

interface Group {
  id: string;
  fingerprint: string;
  mac?: string;
  verifications: Verification[];
}

/**
 * One entry per installer: keyed by host key fingerprint, split by MAC when two machines
 * present the same key (a cloned image or a spoofer). Lists the places where that key was
 * verified, plus unverified places of the same MAC on the same link; names and first-seen
 * times come from the sightings of those places.
 */
export function mergeCandidates(sightings: readonly Sighting[], verifications: readonly Verification[]): Candidate[] {
  const groups: Group[] = [];
  const ordered = [...verifications].sort((a, b) => a.atMs - b.atMs);
  for (const v of ordered) {
    const mac = v.mac ?? eui64AddressToMac(v.address) ?? sightings.find((s) => s.mac && samePlace(s, v))?.mac;
    const sameKey = groups.filter((g) => g.fingerprint === v.fingerprint);
    let group =
      (mac && sameKey.find((g) => g.mac === mac)) ||
      (mac && sameKey.find((g) => g.mac === undefined)) ||
      (!mac && sameKey.find((g) => g.verifications.some((w) => w.interface === v.interface))) ||
      (!mac && sameKey[0]) ||
      undefined;
    if (!group) {
      group = { id: sameKey.length ? `${v.fingerprint}#${sameKey.length + 1}` : v.fingerprint, fingerprint: v.fingerprint, verifications: [] };
      groups.push(group);
    }
    if (mac && !group.mac) group.mac = mac;
    group.verifications.push(v);
  }
  // Ties by id in code-unit order: localeCompare's first call loads ICU's collator, ~5 ms in
  // the middle of the first installer's key exchange.
  return groups
    .map((group) => toCandidate(group, sightings, ordered))
    .sort((a, b) => a.firstSeenMs - b.firstSeenMs || (a.id! < b.id! ? -1 : a.id! > b.id! ? 1 : 0));
}

/** The MAC a sighting reveals by itself: its own record, or its EUI-64 interface identifier. */
const sightingMac = (s: Sighting) => s.mac ?? eui64AddressToMac(s.address);

function toCandidate(group: Group, sightings: readonly Sighting[], verifications: readonly Verification[]): Candidate {
  const first = group.verifications[0]!;
  const places: (CandidateAddress & { rank: number; atMs: number })[] = [];
  const names: string[] = [];
  let firstSeenMs = first.atMs;
  for (const v of group.verifications) {
    const seen = sightings.filter((s) => samePlace(s, v)).sort((a, b) => a.atMs - b.atMs);
    for (const s of seen) if (s.name && !names.includes(s.name)) names.push(s.name);
    const atMs = seen[0]?.atMs ?? v.atMs;
    firstSeenMs = Math.min(firstSeenMs, atMs);
    if (places.some((p) => samePlace(p, v))) continue;
    const address = normalizeAddress(v.address);
    const place: CandidateAddress & { rank: number; atMs: number } = { address, via: seen[0]?.via ?? 'ndp', rank: addressRank(address), atMs };
    if (v.interface) place.interface = v.interface;
    places.push(place);
  }
  // Another address of the same network card on the same link (its EUI-64 address, say) is the
  // same machine: list it without waiting for a key exchange of its own.
  const links = new Set(group.verifications.map((v) => v.interface));
  for (const s of [...sightings].sort((a, b) => a.atMs - b.atMs)) {
    if (!group.mac || sightingMac(s) !== group.mac || !links.has(s.interface)) continue;
    if (verifications.some((v) => samePlace(v, s))) continue;
    if (s.name && !names.includes(s.name)) names.push(s.name);
    if (places.some((p) => samePlace(p, s))) continue;
    const address = normalizeAddress(s.address);
    const place: CandidateAddress & { rank: number; atMs: number } = { address, via: s.via, rank: addressRank(address), atMs: s.atMs };
    if (s.interface) place.interface = s.interface;
    places.push(place);
    firstSeenMs = Math.min(firstSeenMs, s.atMs);
  }
  places.sort((a, b) => a.rank - b.rank || a.atMs - b.atMs);
  const candidate: Candidate = {
    id: group.id,
    names,
    addresses: places.map(({ rank: _rank, atMs: _atMs, ...address }) => address),
    port: first.port,
    banner: first.banner,
    fingerprint: group.fingerprint,
    hostKeyType: first.hostKeyType,
    firstSeenMs: Math.round(firstSeenMs),
  };
  if (group.mac) candidate.mac = group.mac;
  return candidate;
}

/** Sighted places that no SSH server answered on (yet): for "nothing found" explanations. */
export function unverifiedPlaces(sightings: readonly Sighting[], verifications: readonly Verification[]): Sighting[] {
  const result: Sighting[] = [];
  for (const s of [...sightings].sort((a, b) => a.atMs - b.atMs)) {
    if (verifications.some((v) => samePlace(v, s))) continue;
    const existing = result.find((r) => samePlace(r, s));
    if (existing) {
      if (!existing.name && s.name) existing.name = s.name;
      continue;
    }
    result.push({ ...s });
  }
  return result;
}
