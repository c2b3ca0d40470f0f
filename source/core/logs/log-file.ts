import { closeSync, fchmodSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { RunEvent } from '../install/events.js';
import { stateDir } from '../paths.js';

/** Where a run logs unless told (--log): ~/.local/state/nixos-bootstrap/HOST-TIME.log */
export const defaultLogPath = (host: string, now = new Date()) => join(stateDir(), `${host || 'install'}-${now.toISOString().replace(/[:.]/g, '-')}.log`);

const flushIntervalMs = 100;
const flushChars = 64 * 1024;

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

  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    this.fd = openSync(path, 'a', 0o600);
    fchmodSync(this.fd, 0o600);
  }

  line(text: string): void {
    this.append('', [text]);
  }

  event(event: RunEvent): void {
    if (event.type === 'output') this.append(outputPrefix(event.stream), event.lines);
    else this.append('', [formatEventForLog(event)]);
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.length === 0 || this.fd < 0) return;
    writeSync(this.fd, this.pending.length === 1 ? this.pending[0]! : this.pending.join(''));
    this.pending = [];
    this.pendingChars = 0;
  }

  close(): void {
    this.flush();
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }

  /** The lines of one event (a chunk of output) share a stamp: one native join, not a string per line. */
  private append(mark: string, lines: string[]): void {
    const now = Date.now();
    if (now !== this.stampMs) {
      this.stampMs = now;
      this.stamp = new Date(now).toISOString();
    }
    const prefix = `${this.stamp} ${mark}`;
    const text = `${prefix}${lines.join(`\n${prefix}`)}\n`;
    this.pending.push(text);
    this.pendingChars += text.length;
    if (this.pendingChars >= flushChars) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), flushIntervalMs);
  }
}

const outputPrefix = (stream: 'stdout' | 'stderr') => `  ${stream === 'stderr' ? '!' : '|'} `;

/** An event's log line; output is written line by line under its stream's mark. */
export function formatEventForLog(event: Exclude<RunEvent, { type: 'output' }>): string {
  switch (event.type) {
    case 'run-start':
      return `run started: ${event.phases.map((p) => p.id).join(', ')}`;
    case 'phase-start':
      return `[${event.index + 1}/${event.total}] ${event.title} (${event.id})`;
    case 'phase-skip':
      return `skipped ${event.title}: ${event.reason}`;
    case 'command':
      return `  ${event.command}`;
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
