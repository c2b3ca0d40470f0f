import { StringDecoder } from 'node:string_decoder';

/** A line longer than this is handed on in pieces rather than buffered without end. */
const maxLineChars = 64 * 1024;
const carriageReturn = 13;
const withoutCarriageReturn = (line: string) => (line.charCodeAt(line.length - 1) === carriageReturn ? line.slice(0, -1) : line);

/**
 * Splits one output stream into lines (UTF-8 safe across chunk borders, `\r\n` tolerated) and
 * keeps the last `captureBytes` of it: the tail is what explains a failure. The lines of one
 * chunk are handed on together: a flood of output costs a call per chunk downstream (redaction,
 * log, screen), not a call and an event per line.
 */
export class LineCollector {
  private readonly decoder = new StringDecoder('utf8');
  private partial = '';
  private readonly chunks: Buffer[] = [];
  private capturedBytes = 0;

  constructor(
    private readonly onLines: ((lines: string[]) => void) | undefined,
    private readonly captureBytes: number,
  ) {}

  push(chunk: Buffer): void {
    this.capture(chunk);
    if (!this.onLines) return;
    const text = this.decoder.write(chunk);
    let lines: string[] = [];
    if (text.includes('\n')) {
      // One native split per chunk: a flood of short lines was an indexOf and two slices per line.
      const joined = this.partial + text;
      lines = joined.split('\n');
      this.partial = lines.pop()!;
      if (joined.includes('\r')) lines = lines.map(withoutCarriageReturn);
    } else {
      this.partial += text;
    }
    while (this.partial.length > maxLineChars) {
      lines.push(this.partial.slice(0, maxLineChars));
      this.partial = this.partial.slice(maxLineChars);
    }
    if (lines.length > 0) this.onLines(lines);
  }

  /** Flushes a last line that had no newline. */
  end(): void {
    if (!this.onLines) return;
    this.partial += this.decoder.end();
    if (this.partial !== '') this.onLines([withoutCarriageReturn(this.partial)]);
    this.partial = '';
  }

  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }

  private capture(chunk: Buffer): void {
    if (this.captureBytes <= 0) return;
    this.chunks.push(chunk);
    this.capturedBytes += chunk.length;
    while (this.capturedBytes > this.captureBytes && this.chunks.length > 0) {
      const excess = this.capturedBytes - this.captureBytes;
      const first = this.chunks[0]!;
      if (first.length <= excess) {
        this.chunks.shift();
        this.capturedBytes -= first.length;
      } else {
        this.chunks[0] = first.subarray(excess);
        this.capturedBytes -= excess;
      }
    }
  }
}
