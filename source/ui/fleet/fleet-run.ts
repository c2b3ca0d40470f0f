// The many-machines wizard's run, kept outside React like the one-machine feed: every marked
// machine goes through install --hosts's own per-machine install at once, up to its plan; the
// plans wait for one typed confirmation; then at most `concurrency` run at a time. The screens
// read `machines` on a timer.
import { EventEmitter } from 'node:events';
import { Writable } from 'node:stream';
import type { Candidate } from '../../core/discovery/candidate.js';
import { BootstrapError, errorText, ExitCode } from '../../core/exit-codes.js';
import type { Plan } from '../../core/plan/types.js';
import { installOne, MachineReporter, type Machine, type MachineResult, type MachineRunOptions } from '../../headless/install-hosts.js';
import type { FleetRequest } from '../../headless/install-options.js';
import { InstallFeed } from '../run/install-feed.js';

/** planning: connecting, probing, planning; ready: its plan waits for the confirmation. */
export type MachineStage = 'planning' | 'ready' | 'queued' | 'running' | 'finished';

/** A disk of the machine as its install assessed it (the 'disk' record), for choosing another. */
export interface DiskOption {
  path: string;
  /** Stable name, size, bus, what it holds. */
  description: string;
  eligible: boolean;
  why: string[];
  external: boolean;
  contents: string[];
}

export interface MachineView {
  host: string;
  installer: Candidate;
  stage: MachineStage;
  /** Notes, then the run's phases and output. */
  feed: InstallFeed;
  plan?: Plan;
  /** Why this disk (the recommendation's reason and note), and the others it could have been. */
  diskReason?: string;
  disks?: DiskOption[];
  /** Its disk was chosen at review (the install reports it as given with --disk). */
  diskChosen?: boolean;
  startedAt?: number;
  result?: MachineResult;
}

export type RunMachine = (machine: Machine, installer: Candidate, fleet: FleetRequest, stop: AbortSignal, options: MachineRunOptions) => Promise<MachineResult>;

/**
 * A machine's engine lines go to its feed, not to the terminal Ink draws on. An attempt the
 * review withdrew (another disk chosen) says nothing more: `current` turns false.
 */
class FeedReporter extends MachineReporter {
  constructor(
    private readonly view: MachineView,
    private readonly feed: InstallFeed,
    private readonly current: () => boolean,
    private readonly changed: () => void,
  ) {
    const lines = new Writable({
      write: (chunk: Buffer, _encoding, done) => {
        if (current()) for (const line of String(chunk).replace(/\n$/, '').split('\n')) feed.note(line);
        done();
      },
    });
    super(false, lines, lines);
  }

  override record(type: string, payload: object, text?: string): void {
    if (!this.current()) return;
    if (type === 'disk') {
      const disk = payload as { reason?: string; note?: string | null; candidates?: DiskOption[] };
      this.view.diskReason = [disk.reason, disk.note].filter(Boolean).join('; ');
      if (disk.candidates) this.view.disks = disk.candidates;
    }
    super.record(type, payload, text);
    this.changed();
  }

  override event(event: Parameters<MachineReporter['event']>[0]): void {
    this.feed.push(event);
  }

  /** The review screen shows the plan itself; its feed only says one was made. */
  override plan(plan: Plan): void {
    this.feed.note(`Plan: ${plan.phases.length} phases${plan.disk ? ` on ${plan.disk.path}` : ''}`);
    this.changed();
  }
}

/** How a machine's install ends before its first phase, by the wizard's decision. */
const notInstalled = (why: string) => new BootstrapError(`not installed: ${why}`, ExitCode.aborted);

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
  /**
   * Per machine: its current go at the install, which the review may withdraw (another disk, or
   * left out) by aborting it with the reason; only the current one's end is the machine's result.
   */
  private readonly attempts: Array<AbortController | undefined> = [];
  private readonly settle: Array<(result: MachineResult) => void> = [];

  constructor(
    private readonly selected: { machine: Machine; installer: Candidate }[],
    private readonly fleet: FleetRequest,
    private readonly runMachine: RunMachine = installOne,
  ) {
    this.concurrency = fleet.concurrency;
    // Each running machine listens (SIGINT, SIGTERM): up to 32 with --concurrency 16.
    this.interrupts.setMaxListeners(0);
    this.machines = selected.map(({ machine, installer }) => ({ host: machine.host, installer, stage: 'planning', feed: new InstallFeed([]) }));
    this.results = Promise.all(this.machines.map((_, index) => new Promise<MachineResult>((resolve) => (this.settle[index] = resolve))));
    this.selected.forEach(({ machine }, index) => this.start(index, machine));
  }

  /** Every plan is made (or failed, or left out): the confirmation can be asked. */
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

  /** Review: this machine is not installed, now (a stuck one need not hold the others back). */
  exclude(host: string): void {
    const index = this.indexOf(host, ['planning', 'ready']);
    if (index < 0) return;
    this.attempts[index]!.abort('left out at review');
    this.attempts[index] = undefined;
    this.finish(index, { host, exitCode: ExitCode.ok, status: 'left out', message: 'left out at review' });
  }

  /** Review: plans this machine again on another of its disks (checked as --disk is). */
  chooseDisk(host: string, disk: string): void {
    const index = this.indexOf(host, ['ready']);
    if (index < 0) return;
    const { machine } = this.selected[index]!;
    this.attempts[index]!.abort('planned again on another disk');
    this.machines[index]!.diskChosen = true;
    this.start(index, { ...machine, request: { ...machine.request, disk } });
  }

  /**
   * Ctrl-C: before the confirmation nothing runs, and nothing will; after it, queued machines
   * never start and running ones stop after their running command.
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

  /** Where every machine stands now, as results (for a quit that does not wait for the rest). */
  resultsSoFar(why: string): MachineResult[] {
    return this.machines.map(
      (m) =>
        m.result ?? {
          host: m.host,
          exitCode: ExitCode.aborted,
          status: 'aborted',
          message: why,
          // Its run began (the journal is written before the run's first event): --resume carries it on.
          ...(m.feed.snapshot(0).rows.length ? { ran: true } : {}),
        },
    );
  }

  private indexOf(host: string, stages: MachineStage[]): number {
    const index = this.machines.findIndex((m) => m.host === host);
    const view = this.machines[index];
    // A finished machine (left out too) has no attempt left to withdraw.
    return view && stages.includes(view.stage) ? index : -1;
  }

  private start(index: number, machine: Machine): void {
    const view = this.machines[index]!;
    const feed = new InstallFeed([]);
    Object.assign(view, { stage: 'planning', feed });
    delete view.plan;
    delete view.diskReason;
    delete view.disks;
    this.version++;
    const attempt = new AbortController();
    const withdrawal = new Promise<false>((resolve) => attempt.signal.addEventListener('abort', () => resolve(false), { once: true }));
    const withdrawn = () => (attempt.signal.aborted ? String(attempt.signal.reason) : undefined);
    this.attempts[index] = attempt;
    const current = () => this.attempts[index] === attempt;
    const reporter = new FeedReporter(view, feed, current, () => this.version++);
    let slot = false;
    const confirm = async (plan: Plan) => {
      if (!current()) throw notInstalled(withdrawn() ?? 'planned again');
      view.plan = plan;
      this.set(view, 'ready');
      const go = await Promise.race([this.decision, withdrawal]);
      // Withdrawn in the same turn as the confirmation: the withdrawal wins.
      if (!go || !current()) throw notInstalled(withdrawn() ?? 'the plans were not confirmed');
      this.set(view, 'queued');
      await this.turn();
      slot = true;
      // Woken by Ctrl-C: the install stops before its first phase.
      if (this.stop.signal.aborted) return;
      view.startedAt = Date.now();
      this.set(view, 'running');
    };
    const stop = AbortSignal.any([this.stop.signal, attempt.signal]);
    this.runMachine(machine, view.installer, this.fleet, stop, { reporter, confirm, interrupts: this.interrupts })
      .catch((error: unknown): MachineResult => ({ host: machine.host, exitCode: ExitCode.phaseFailed, status: 'error', message: errorText(error) }))
      .then((result) => {
        if (slot) this.release();
        // Withdrawn (planned again, or left out): this attempt's end is not the machine's result.
        if (current()) this.finish(index, result);
      });
  }

  private finish(index: number, result: MachineResult): void {
    const view = this.machines[index]!;
    view.result = result;
    this.set(view, 'finished');
    this.settle[index]!(result);
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
