// The wizard's start of a run: the journal, then core/install/start.ts (as `install` does), with
// the events going to an InstallFeed instead of a reporter. Returns at once: the run goes on while
// the screen watches the feed. A failed run can be retried in place, as `install --resume` would.
import type { ResumeIdentity } from '../../core/install/resume-check.js';
import type { RunOutcome } from '../../core/install/runner.js';
import type { Secrets } from '../../core/plan/types.js';
import type { RunHandle } from '../../core/install/start.js';
import type { Plan } from '../../core/plan/types.js';
import type { Session, Target } from '../../core/ssh/types.js';
import type { WizardServices } from '../services.js';
import { InstallFeed } from './install-feed.js';

export interface InstallHandle {
  feed: InstallFeed;
  logPath: string;
  startedAt: number;
  /** Stop after the running command; the runner then undoes this run's mounts and mappings. */
  abort(): void;
  readonly aborting: boolean;
  readonly settled: boolean;
  outcome: Promise<RunOutcome>;
  /** 1 for the first run, then one more for each retry. */
  attempt: number;
  /** The same plan on the same journal and log file: phases the journal has as done are skipped
   * once the target proves them (the runner's resume). Only once this run has settled. */
  retry(): InstallHandle;
}

export interface StartInstallOptions {
  plan: Plan;
  session: Session;
  target: Target;
  secrets: Secrets;
  services: WizardServices;
  ageKeyFile?: string;
  /** The disk and installer MAC a later `install --resume` checks again. */
  identity?: ResumeIdentity;
  /** --log FILE; default ~/.local/state/nixos-bootstrap/HOST-TIME.log */
  logPath?: string;
  tailCapacity?: number;
}

export async function startInstall(options: StartInstallOptions): Promise<InstallHandle> {
  const { plan, session, services } = options;
  const journal = await services.startJournal({
    target: options.target,
    fingerprint: session.fingerprint,
    choices: plan.choices,
    ...(options.identity ? { identity: options.identity } : {}),
    ...(options.ageKeyFile ? { ageKeyFile: options.ageKeyFile } : {}),
  });
  const feed = new InstallFeed(plan.phases, undefined, options.tailCapacity);
  // The runner (and execa, the phases) load when a run starts, not with the first frame.
  const { startRun } = await import('../../core/install/start.js');
  const run = await startRun({
    plan,
    session,
    secrets: options.secrets,
    journal,
    resume: false,
    ...(options.logPath ? { logPath: options.logPath } : {}),
    onEvent: feed.push,
    runPlan: services.runPlan,
  });
  return onScreen(run, feed, plan, options.tailCapacity);
}

/** A run as the install screen watches it: through a feed of its own for each attempt. */
function onScreen(run: RunHandle, feed: InstallFeed, plan: Plan, tailCapacity: number | undefined): InstallHandle {
  const outcome = run.outcome.catch((error: unknown): RunOutcome => {
    // The runner reports phase failures itself; anything thrown is a bug or a lost session.
    const message = error instanceof Error ? error.message : String(error);
    feed.push({ type: 'aborted', message: `the run stopped unexpectedly: ${message}` });
    const running = feed.snapshot(0).rows.find((row) => row.status === 'running' || row.status === 'failed');
    return { status: 'failed', phase: running?.id ?? plan.phases[0]!.id, message };
  });
  return {
    feed,
    logPath: run.logPath,
    startedAt: feed.startedAt,
    abort: () => run.abort(),
    get aborting() {
      return run.aborting;
    },
    get settled() {
      return run.settled;
    },
    outcome,
    attempt: run.attempt,
    retry() {
      const next = new InstallFeed(plan.phases, undefined, tailCapacity);
      return onScreen(run.retry(next.push), next, plan, tailCapacity);
    },
  };
}
