// Starts a run the way `install` does (journal, log file, secrets on stdin only), with the
// events going to an InstallFeed instead of a reporter. Returns at once: the run goes on while
// the screen watches the feed. A failed run can be retried in place, as `install --resume` would.
import type { Journal } from '../../core/install/journal.js';
import { nixCopyAccess } from '../../core/install/nix-copy-access.js';
import type { ResumeIdentity } from '../../core/install/resume-check.js';
import type { RunOutcome } from '../../core/install/runner.js';
import type { Secrets } from '../../core/install/secrets.js';
import { LogFile, defaultLogPath } from '../../core/logs/log-file.js';
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
  const logPath = options.logPath ?? defaultLogPath(plan.choices.flake.host);
  const journal = await services.startJournal({
    target: options.target,
    fingerprint: session.fingerprint,
    choices: plan.choices,
    ...(options.identity ? { identity: options.identity } : {}),
    ...(options.ageKeyFile ? { ageKeyFile: options.ageKeyFile } : {}),
  });
  await journal.update({ logFile: logPath });
  return launch({ ...options, journal, logPath }, 1);
}

function launch(options: StartInstallOptions & { journal: Journal; logPath: string }, attempt: number): InstallHandle {
  const { plan, session, services, journal, logPath } = options;
  const log = new LogFile(logPath);
  const feed = new InstallFeed(plan.phases, log, options.tailCapacity);
  const controller = new AbortController();
  let settled = false;
  const run = async () => {
    // Copy mode: nix copy's own ssh trusts only the pinned key, as `install` does.
    const copyAccess = plan.choices.install.mode === 'copy' ? await nixCopyAccess(session) : undefined;
    try {
      return await services.runPlan({
        plan,
        session,
        secrets: options.secrets,
        journal,
        resume: attempt > 1,
        emit: feed.push,
        signal: controller.signal,
        ...(copyAccess ? { localEnv: copyAccess.env } : {}),
      });
    } finally {
      await copyAccess?.dispose();
    }
  };
  const outcome = run()
    .catch((error: unknown): RunOutcome => {
      // The runner reports phase failures itself; anything thrown is a bug or a lost session.
      const message = error instanceof Error ? error.message : String(error);
      feed.push({ type: 'aborted', message: `the run stopped unexpectedly: ${message}` });
      const running = feed.snapshot(0).rows.find((row) => row.status === 'running' || row.status === 'failed');
      return { status: 'failed', phase: running?.id ?? plan.phases[0]!.id, message };
    })
    .finally(() => {
      settled = true;
      log.close();
    });
  return {
    feed,
    logPath,
    startedAt: feed.startedAt,
    abort: () => controller.abort(),
    get aborting() {
      return controller.signal.aborted;
    },
    get settled() {
      return settled;
    },
    outcome,
    attempt,
    retry() {
      if (!settled) throw new Error('a run can be retried only once it has ended');
      return launch(options, attempt + 1);
    },
  };
}
