// The install screen's data, kept OUTSIDE React: runner events land here (log file + phase
// rows + the last lines) at whatever rate the target prints, and the screen takes a snapshot on
// a timer. A flood of output costs a push per chunk, not a render per line.
import type { RunEvent } from '../../core/install/events.js';
import type { PhaseId } from '../../core/plan/types.js';
import { TailLines, type TailLine } from './tail-lines.js';

export type PhaseStatus = 'pending' | 'running' | 'done' | 'failed' | 'skipped';

export interface PhaseRow {
  id: PhaseId;
  title: string;
  status: PhaseStatus;
  /** Date.now() when it started (running rows). */
  startedAt?: number;
  elapsedMs?: number;
  /** Skip reason or failure message. */
  note?: string;
}

export interface FeedSnapshot {
  rows: PhaseRow[];
  tail: TailLine[];
  /** Output lines seen so far. */
  lines: number;
  startedAt: number;
  finished: boolean;
  /** Set by phase-failed. */
  failure?: { id: PhaseId; message: string; lastLines: string[] };
  abortedMessage?: string;
  version: number;
}

/** Anything that keeps the full log (the LogFile). */
export interface EventSink {
  event(event: RunEvent): void;
}

/** Lines kept for the screen: more than any terminal shows. */
export const defaultTailCapacity = 256;

export class InstallFeed {
  private rows: PhaseRow[];
  private readonly tail: TailLines;
  private failure: FeedSnapshot['failure'];
  private abortedMessage: string | undefined;
  private finished = false;
  private outputLines = 0;
  /** Bumped on every change; the screen renders only when it moved. */
  version = 0;
  readonly startedAt: number;

  constructor(
    phases: { id: PhaseId; title: string }[],
    private readonly sink?: EventSink,
    tailCapacity = defaultTailCapacity,
    private readonly now: () => number = Date.now,
  ) {
    this.rows = phases.map(({ id, title }) => ({ id, title, status: 'pending' }));
    this.tail = new TailLines(tailCapacity);
    this.startedAt = now();
  }

  /** The runner's emit: log first (the full record), then the screen's model. */
  readonly push = (event: RunEvent): void => {
    this.sink?.event(event);
    this.version++;
    switch (event.type) {
      case 'run-start':
        if (this.rows.length === 0) this.rows = event.phases.map(({ id, title }) => ({ id, title, status: 'pending' }));
        return;
      case 'phase-start':
        this.update(event.id, { status: 'running', startedAt: this.now() });
        return;
      case 'phase-skip':
        this.update(event.id, { status: 'skipped', note: event.reason });
        return;
      case 'command':
        this.tail.push('command', [event.command]);
        return;
      case 'output':
        this.outputLines += event.lines.length;
        this.tail.push(event.stream, event.lines);
        return;
      case 'phase-done':
        this.update(event.id, { status: 'done', elapsedMs: event.elapsedMs });
        return;
      case 'phase-failed': {
        const row = this.rows.find((r) => r.id === event.id);
        this.update(event.id, { status: 'failed', note: event.message, elapsedMs: row?.startedAt ? this.now() - row.startedAt : undefined });
        this.failure = { id: event.id, message: event.message, lastLines: event.lastLines };
        this.finished = true;
        return;
      }
      case 'run-done':
        this.finished = true;
        return;
      case 'aborted':
        this.abortedMessage = event.message;
        this.tail.push('note', [event.message]);
        if (event.id) {
          const row = this.rows.find((r) => r.id === event.id);
          this.update(event.id, { status: 'failed', note: 'stopped', elapsedMs: row?.startedAt ? this.now() - row.startedAt : undefined });
        }
        this.finished = true;
        return;
    }
  };

  /** A note from the wizard itself (not the runner), shown in the tail. */
  note(text: string): void {
    this.version++;
    this.tail.push('note', [text]);
  }

  private update(id: PhaseId, patch: Partial<PhaseRow>): void {
    this.rows = this.rows.map((row) => (row.id === id ? { ...row, ...patch } : row));
  }

  snapshot(tailLines = this.tail.capacity): FeedSnapshot {
    const snapshot: FeedSnapshot = {
      rows: this.rows,
      tail: this.tail.last(tailLines),
      lines: this.outputLines,
      startedAt: this.startedAt,
      finished: this.finished,
      version: this.version,
    };
    if (this.failure) snapshot.failure = this.failure;
    if (this.abortedMessage !== undefined) snapshot.abortedMessage = this.abortedMessage;
    return snapshot;
  }
}
