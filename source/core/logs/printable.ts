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
