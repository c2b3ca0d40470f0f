import { closeSync, fchmodSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { RunEvent } from '../install/events.js';
import { stateDir } from '../paths.js';

/** Where a run logs unless told (--log): ~/.local/state/nixos-bootstrap/HOST-TIME.log */
export const defaultLogPath = (host: string, now = new Date()) => join(stateDir(), `${host || 'install'}-${now.toISOString().replace(/[:.]/g, '-')}.log`);

const flushIntervalMs = 100;
const flushChars = 64 * 1024;

/** Lines of one kind and one clock reading share a prefix (stamp, stream mark). */
type RunKind = 'stdout' | 'stderr' | 'event';

/**
 * The full log of a run: every event as a timestamped line, already redacted by the runner.
 * Buffered (flushed every 100 ms or 64 KiB) so a flood of output costs little; mode 0600.
 */
export class LogFile {
  private fd: number;
  private pending: string[] = [];
  private pendingChars = 0;
  private timer: NodeJS.Timeout | undefined;
  private stampMs = -1;
  private stamp = '';
  /** Read once per task: lines written in one go (a chunk of output) share a clock reading. */
  private clockMs = -1;
  private clockFresh = false;
  // The open run: texts of one kind and one clock reading, joined under their prefix when it
  // closes (one native join instead of a formatted, stamped string per line).
  private run: string[] = [];
  private runKind: RunKind = 'event';
  private runPrefix = '';

  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    this.fd = openSync(path, 'a', 0o600);
    fchmodSync(this.fd, 0o600);
  }

  line(text: string): void {
    this.append('event', text);
  }

  event(event: RunEvent): void {
    if (event.type === 'output') this.append(event.stream, event.line);
    else this.append('event', formatEventForLog(event));
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.closeRun();
    if (this.pending.length === 0 || this.fd < 0) return;
    // In a flood the pending text is one run: written as it is, not copied once more by a join.
    writeSync(this.fd, this.pending.length === 1 ? this.pending[0]! : this.pending.join(''));
    this.pending = [];
    this.pendingChars = 0;
  }

  close(): void {
    this.flush();
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }

  private append(kind: RunKind, text: string): void {
    const now = this.now();
    if (now !== this.stampMs || kind !== this.runKind) {
      this.closeRun();
      if (now !== this.stampMs) {
        this.stampMs = now;
        this.stamp = new Date(now).toISOString();
      }
      this.runKind = kind;
      this.runPrefix = kind === 'event' ? `${this.stamp} ` : `${this.stamp} ${outputPrefix(kind)}`;
    }
    this.run.push(text);
    this.pendingChars += this.runPrefix.length + text.length + 1;
    if (this.pendingChars >= flushChars) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), flushIntervalMs);
  }

  /**
   * Date.now() once per burst, not per line (a clock read per line was a tenth of a flood's
   * cost here): the lines of one chunk arrived together and get that moment's stamp.
   */
  private now(): number {
    if (!this.clockFresh) {
      this.clockFresh = true;
      this.clockMs = Date.now();
      queueMicrotask(() => {
        this.clockFresh = false;
      });
    }
    return this.clockMs;
  }

  private closeRun(): void {
    if (this.run.length === 0) return;
    this.pending.push(`${this.runPrefix}${this.run.join(`\n${this.runPrefix}`)}\n`);
    this.run = [];
  }
}

const outputPrefix = (stream: 'stdout' | 'stderr') => `  ${stream === 'stderr' ? '!' : '|'} `;

export function formatEventForLog(event: RunEvent): string {
  switch (event.type) {
    case 'run-start':
      return `run started: ${event.phases.map((p) => p.id).join(', ')}`;
    case 'phase-start':
      return `[${event.index + 1}/${event.total}] ${event.title} (${event.id})`;
    case 'phase-skip':
      return `skipped ${event.title}: ${event.reason}`;
    case 'command':
      return `  ${event.command}`;
    case 'output':
      return `${outputPrefix(event.stream)}${event.line}`;
    case 'phase-done':
      return `done ${event.id} in ${(event.elapsedMs / 1000).toFixed(1)} s`;
    case 'phase-failed':
      return `FAILED ${event.id}: ${event.message}`;
    case 'run-done':
      return `run finished in ${(event.elapsedMs / 1000).toFixed(1)} s`;
    case 'aborted':
      return `ABORTED: ${event.message}`;
  }
}
