import { usageError } from '../exit-codes.js';

export const MiB = 1024 ** 2;
export const GiB = 1024 ** 3;

const unitsMiB: Record<string, number> = { '': 1, m: 1, mb: 1, mib: 1, g: 1024, gb: 1024, gib: 1024, t: 1024 ** 2, tb: 1024 ** 2, tib: 1024 ** 2 };

/** Parses a partition size such as `512M`, `8G`, `1.5GiB` (binary units; bare numbers are MiB) into MiB. */
export function parseSizeMiB(text: string, flag: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  const unit = match ? unitsMiB[match[2]!.toLowerCase()] : undefined;
  if (!match || unit === undefined) throw usageError(`${flag}: cannot read size '${text}'`, 'use a number with M or G, e.g. 512M or 8G');
  const mib = Math.round(Number(match[1]) * unit);
  if (!Number.isFinite(mib) || mib > 1024 ** 3) throw usageError(`${flag}: size '${text}' is out of range`);
  return mib;
}

/** `8589934592` → `8 GiB`, `1000204886016` → `931.5 GiB`. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  // 8 GiB, 931.5 GiB: a decimal only where it says something.
  return `${Number.isInteger(value) ? value : value.toFixed(1)} ${units[unit]}`;
}
