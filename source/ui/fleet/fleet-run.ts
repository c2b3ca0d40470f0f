// The many-machines wizard's run, kept outside React like the one-machine feed: every marked
// machine goes through install --hosts's own per-machine install at once, up to its plan; the
// plans wait for one typed confirmation; then at most `concurrency` run at a time. The screens
// read `machines` on a timer.
import { EventEmitter } from 'node:events';
import { Writable } from 'node:stream';
import type { Candidate } from '../../core/discovery/candidate.js';
import { BootstrapError, ExitCode } from '../../core/exit-codes.js';
import type { Plan } from '../../core/plan/types.js';
import { installOne, MachineReporter, type Machine, type MachineResult, type MachineRunOptions } from '../../headless/install-hosts.js';
import type { FleetRequest } from '../../headless/install-options.js';
import { InstallFeed } from '../run/install-feed.js';

/** planning: connecting, probing, planning; ready: its plan waits for the confirmation. */
export type MachineStage = 'planning' | 'ready' | 'queued' | 'running' | 'finished';

export interface MachineView {
  host: string;
  installer: Candidate;
  stage: MachineStage;
  /** Notes, the plan's text, then the run's phases and output. */
  feed: InstallFeed;
  plan?: Plan;
  /** Why this disk (the recommendation's reason). */
  diskReason?: string;
  startedAt?: number;
  result?: MachineResult;
}

export type RunMachine = (machine: Machine, installer: Candidate, fleet: FleetRequest, stop: AbortSignal, options: MachineRunOptions) => Promise<MachineResult>;

/** A machine's engine lines go to its feed, not to the terminal Ink draws on. */
class FeedReporter extends MachineReporter {
  constructor(
    private readonly view: MachineView,
    private readonly changed: () => void,
  ) {
    const lines = new Writable({
      write: (chunk: Buffer, _encoding, done) => {
        for (const line of String(chunk).replace(/\n$/, '').split('\n')) view.feed.note(line);
        done();
      },
    });
    super(false, lines, lines);
  }

  override record(type: string, payload: object, text?: string): void {
    if (type === 'disk') this.view.diskReason = String((payload as { reason?: unknown }).reason ?? '');
    super.record(type, payload, text);
    this.changed();
  }

  override event(event: Parameters<MachineReporter['event']>[0]): void {
    this.view.feed.push(event);
  }

  /** The review screen shows the plan itself; its feed only says one was made. */
  override plan(plan: Plan): void {
    this.view.feed.note(`Plan: ${plan.phases.length} phases${plan.disk ? ` on ${plan.disk.path}` : ''}`);
    this.changed();
  }
}

export class FleetRun {
  readonly machines: MachineView[];
  readonly results: Promise<MachineResult[]>;
  /** Bumped on every change the screens show. */
  version = 0;
  private readonly stop = new AbortController();
  private readonly interrupts = new EventEmitter();
  private decide!: (go: boolean) => void;
  private readonly decision = new Promise<boolean>((resolve) => (this.decide = resolve));
  private running = 0;
  private readonly waiting: Array<() => void> = [];
  private readonly concurrency: number;

  constructor(selected: { machine: Machine; installer: Candidate }[], fleet: FleetRequest, run: RunMachine = installOne) {
    this.concurrency = fleet.concurrency;
    // Each running machine listens (SIGINT, SIGTERM): up to 32 with --concurrency 16.
    this.interrupts.setMaxListeners(0);
    this.machines = selected.map(({ machine, installer }) => ({ host: machine.host, installer, stage: 'planning', feed: new InstallFeed([]) }));
    this.results = Promise.all(
      selected.map(({ machine, installer }, index) => {
        const view = this.machines[index]!;
        const reporter = new FeedReporter(view, () => this.version++);
        let slot = false;
        const confirm = async (plan: Plan) => {
          view.plan = plan;
          this.set(view, 'ready');
          if (!(await this.decision)) throw new BootstrapError('not installed: the plans were not confirmed', ExitCode.aborted);
          this.set(view, 'queued');
          await this.turn();
          slot = true;
          view.startedAt = Date.now();
          this.set(view, 'running');
        };
        return run(machine, installer, fleet, this.stop.signal, { reporter, confirm, interrupts: this.interrupts }).then((result) => {
          if (slot) this.release();
          view.result = result;
          this.set(view, 'finished');
          return result;
        });
      }),
    );
  }

  /** Every plan is made (or failed): the confirmation can be asked. */
  get planned(): boolean {
    return this.machines.every((m) => m.stage === 'ready' || m.stage === 'finished');
  }

  get ready(): MachineView[] {
    return this.machines.filter((m) => m.stage === 'ready');
  }

  /** The typed confirmation: the ready machines start, `concurrency` at a time. */
  confirm(): void {
    this.decide(true);
  }

  /**
   * Ctrl-C: before the confirmation nothing runs, and nothing will; after it, queued machines
   * never start and running ones stop after their running command (a second time: at once).
   */
  interrupt(): void {
    this.decide(false);
    this.stop.abort();
    // Queued machines take their turn now, only to stop before their first phase.
    const woken = this.waiting.splice(0);
    this.running += woken.length;
    woken.forEach((start) => start());
    this.interrupts.emit('SIGINT');
  }

  private set(view: MachineView, stage: MachineStage): void {
    view.stage = stage;
    this.version++;
  }

  private turn(): Promise<void> {
    if (this.running < this.concurrency) {
      this.running++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.running--;
  }
}
