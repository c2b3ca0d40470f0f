// Where and how long to look for installers: the same flags for `discover` and the wizard.
import { usageError } from '../core/exit-codes.js';

export const discoveryFlagSpec = {
  timeout: { type: 'string' },
  interface: { type: 'string', multiple: true },
  name: { type: 'string', multiple: true },
} as const;

export interface DiscoveryFlags {
  timeoutMs?: number;
  interfaces: string[];
  /** Extra mDNS names to look for (`.local` is added). */
  names: string[];
}

/** --timeout S: seconds, fractions allowed, up to an hour. */
function timeoutMs(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const seconds = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value.trim()) || !(seconds > 0) || seconds > 3600) {
    throw usageError(`--timeout must be a number of seconds between 0 and 3600, not '${value}'`);
  }
  return Math.round(seconds * 1000);
}

export function discoveryFlags(v: { timeout?: string; interface?: string[]; name?: string[] }): DiscoveryFlags {
  return { timeoutMs: timeoutMs(v.timeout), interfaces: v.interface ?? [], names: v.name ?? [] };
}
