import { StringDecoder } from 'node:string_decoder';

/** A line longer than this is handed on in pieces rather than buffered without end. */
const maxLineChars = 64 * 1024;
const carriageReturn = 13;

/**
 * Splits one output stream into lines (UTF-8 safe across chunk borders, `\r\n` tolerated) and
 * keeps the last `captureBytes` of it: the tail is what explains a failure.
 */
export class LineCollector {
  private readonly decoder = new StringDecoder('utf8');
  private partial = '';
  private readonly chunks: Buffer[] = [];
  private capturedBytes = 0;

  constructor(
    private readonly onLine: ((line: string) => void) | undefined,
    private readonly captureBytes: number,
  ) {}

  push(chunk: Buffer): void {
    this.capture(chunk);
    if (!this.onLine) return;
    const text = this.decoder.write(chunk);
    if (text.includes('\n')) {
      // One native split per chunk: a flood of short lines was an indexOf and two slices per line.
      const lines = (this.partial + text).split('\n');
      this.partial = lines.pop()!;
      for (const line of lines) this.emit(line);
    } else {
      this.partial += text;
    }
    while (this.partial.length > maxLineChars) {
      this.emit(this.partial.slice(0, maxLineChars));
      this.partial = this.partial.slice(maxLineChars);
    }
  }

  /** Flushes a last line that had no newline. */
  end(): void {
    if (!this.onLine) return;
    this.partial += this.decoder.end();
    if (this.partial !== '') this.emit(this.partial);
    this.partial = '';
  }

  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }

  private emit(line: string): void {
    this.onLine!(line.charCodeAt(line.length - 1) === carriageReturn ? line.slice(0, -1) : line);
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
