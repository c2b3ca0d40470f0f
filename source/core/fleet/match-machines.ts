// Which discovered installer is which hosts-file entry. Pure: the caller discovers, and says which
// host keys it trusts. A machine is installed only when exactly one installer matches its entry,
// that installer matches no other entry, and its host key is either named in the entry or
// trusted before (a MAC or an mDNS name can be claimed by anyone on the link).
import type { Candidate } from '../discovery/candidate.js';
import { describeMatch, type HostEntry, type MachineMatch } from './hosts-file.js';

export interface MatchedMachine {
  entry: HostEntry;
  installer: Candidate;
}

export interface RefusedEntry {
  entry: HostEntry;
  /** Why it is not installed, with what to do. */
  reason: string;
  /** Nothing answered (exit 4) or something unsafe was found (exit 3). */
  kind: 'missing' | 'refused';
}

export interface MachineMatches {
  matched: MatchedMachine[];
  refused: RefusedEntry[];
  /** Verified installers no entry names: listed, never installed. */
  unmatched: Candidate[];
}

export function matches(match: MachineMatch, installer: Candidate): boolean {
  if (match.mac && installer.mac !== match.mac) return false;
  if (match.fingerprint && installer.fingerprint !== match.fingerprint) return false;
  if (match.name && !installer.names.includes(match.name)) return false;
  return true;
}

export const describeInstaller = (c: Candidate) =>
  `${c.names[0] ?? c.addresses[0]?.address ?? 'an installer'}${c.mac ? ` (MAC ${c.mac})` : ''} ${c.fingerprint ?? 'without a verified key'}`;

export function matchMachines(entries: HostEntry[], installers: Candidate[], isTrusted: (fingerprint: string) => boolean): MachineMatches {
  const verified = installers.filter((c) => c.fingerprint);
  const found = new Map(entries.map((entry) => [entry, verified.filter((c) => matches(entry.match, c))]));
  const claims = (installer: Candidate) => entries.filter((e) => found.get(e)!.includes(installer));
  const matched: MatchedMachine[] = [];
  const refused: RefusedEntry[] = [];
  for (const entry of entries) {
    const what = `host ${entry.position} (${describeMatch(entry.match)})`;
    const candidates = found.get(entry)!;
    if (candidates.length === 0) {
      refused.push({ entry, kind: 'missing', reason: `no installer matching ${what} answered` });
      continue;
    }
    if (candidates.length > 1) {
      refused.push({
        entry,
        kind: 'refused',
        reason: `${candidates.length} installers match ${what}: ${candidates.map(describeInstaller).join('; ')}`,
      });
      continue;
    }
    const installer = candidates[0]!;
    const others = claims(installer).filter((e) => e !== entry);
    if (others.length) {
      refused.push({
        entry,
        kind: 'refused',
        reason: `the installer ${describeInstaller(installer)} matches ${what} and host ${others.map((e) => e.position).join(', ')} too`,
      });
      continue;
    }
    if (!entry.match.fingerprint && !isTrusted(installer.fingerprint!)) {
      refused.push({
        entry,
        kind: 'refused',
        reason: `the installer matching ${what} has a host key this tool has not trusted before (${installer.fingerprint}): compare it with its console and add "fingerprint": "${installer.fingerprint}" to its entry`,
      });
      continue;
    }
    matched.push({ entry, installer });
  }
  const unmatched = verified.filter((c) => claims(c).length === 0);
  return { matched, refused, unmatched };
}
