// Text a host sent (SSH banners, remote output, disk labels, names) must not reach a terminal
// with its control sequences: an ESC ]52 writes the user's clipboard, others move the cursor
// under Ink's feet or rewrite what the user reads.

// eslint-disable-next-line no-control-regex -- control sequences are what this removes
const controlPattern = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]|[\x00-\x08\x0b-\x1f\x7f-\x9f]/g;

/** Removes escape sequences and control characters; a carriage return keeps only what follows it. */
export function printable(line: string): string {
  const afterReturn = line.includes('\r') ? line.slice(line.lastIndexOf('\r', line.length - 2) + 1) : line;
  return afterReturn.replace(controlPattern, '').replace(/\t/g, '  ');
}

// Plain ASCII: one cell per character, so cutting it needs no width tables.
const plainAscii = /^[\x20-\x7e]*$/;

/**
 * A line made printable and cut to `columns` cells, for a log tail. Cut here rather than by
 * Ink's truncate-end: that slices through ANSI per line and frame, keeps every cut line in a
 * cache that never shrinks, and its `…` sends each measurement down the Unicode-width path
 * (~65 µs a line instead of ~0.2 µs). Text that is not plain ASCII is returned uncut, for Ink.
 */
export function printableWithin(line: string, columns: number): string {
  const text = printable(line);
  return text.length > columns && plainAscii.test(text) ? text.slice(0, Math.max(0, columns)) : text;
}

/** Several lines of such text (a message, a block of output), each made printable. */
export const printableLines = (text: string) => text.split('\n').map(printable).join('\n');

/** Every string inside a parsed value (facts from a probe), made printable. */
export function printableDeep<T>(value: T): T {
  if (typeof value === 'string') return printable(value) as T;
  if (Array.isArray(value)) return value.map(printableDeep) as T;
  if (value && typeof value === 'object' && !Buffer.isBuffer(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, printableDeep(v)])) as T;
  }
  return value;
}
