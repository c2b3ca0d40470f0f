import { printableLines } from '../core/logs/printable.js';
import type { RunEvent } from '../core/install/events.js';
import { formatPlan } from '../core/plan/format-plan.js';
import type { Plan } from '../core/plan/types.js';

/**
 * The headless front end: the same events the wizard renders, as NDJSON (--json, one object per
 * line on stdout) or as plain text for a terminal or a CI log.
 */
export class Reporter {
  /**
   * `host`: one machine of several (install --hosts): every JSON line carries it as `host`, and
   * every text line starts with `[host] `.
   */
  constructor(
    private readonly json: boolean,
    private readonly out: NodeJS.WritableStream = process.stdout,
    private readonly err: NodeJS.WritableStream = process.stderr,
    private readonly host?: string,
  ) {}

  /** Structured facts (target, plan, key, …): a JSON line, or the given text. */
  record(type: string, payload: object, text?: string): void {
    if (this.json) this.out.write(`${JSON.stringify({ type, ...this.tag(), ...payload })}\n`);
    else if (text !== undefined) this.out.write(this.lines(text));
  }

  note(message: string): void {
    if (this.json) this.record('note', { message });
    else this.err.write(this.lines(message));
  }

  /** NDJSON: one record per event, and per line of output (`line`, as a consumer greps it). */
  private records(event: RunEvent): string[] {
    if (event.type !== 'output') return [JSON.stringify({ ...event, ...this.tag() })];
    const { lines, ...rest } = event;
    return lines.map((line) => JSON.stringify({ ...rest, line, ...this.tag() }));
  }

  private tag(): { host?: string } {
    return this.host === undefined ? {} : { host: this.host };
  }

  /** Text for a terminal: what a host sent (nix's messages, labels) without control sequences. */
  private lines(text: string): string {
    const shown = printableLines(text);
    return `${this.host === undefined ? shown : shown.replace(/^/gm, `[${this.host}] `)}\n`;
  }

  plan(plan: Plan, dryRun: boolean): void {
    this.record('plan', { dryRun, disk: plan.disk, phases: plan.phases, warnings: plan.warnings }, formatPlan(plan).join('\n'));
  }

  event(event: RunEvent): void {
    if (this.json) {
      this.out.write(`${this.records(event).join('\n')}\n`);
      return;
    }
    // Remote output reaches the user's terminal as text: without its escape sequences.
    const text = textLine(event);
    if (text !== undefined) (event.type === 'phase-failed' || event.type === 'aborted' ? this.err : this.out).write(this.lines(text));
  }
}

function textLine(event: RunEvent): string | undefined {
  switch (event.type) {
    case 'run-start':
      return event.logFile ? `Logging to ${event.logFile}` : undefined;
    case 'phase-start':
      return `==> [${event.index + 1}/${event.total}] ${event.title}`;
    case 'phase-skip':
      return `==> ${event.title}: skipped (${event.reason})`;
    case 'command':
      return `    ${event.command}`;
    case 'output':
      return event.lines.map((line) => `    ${line}`).join('\n');
    case 'phase-done':
      return `    done in ${(event.elapsedMs / 1000).toFixed(1)} s`;
    case 'phase-failed':
      return [`!! ${event.message}`, ...event.lastLines.map((l) => `!!   ${l}`)].join('\n');
    case 'run-done':
      return `Installed in ${(event.elapsedMs / 1000).toFixed(1)} s.`;
    case 'aborted':
      return `!! ${event.message}`;
  }
}
