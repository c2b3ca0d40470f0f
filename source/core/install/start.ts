// The one way a run starts, for both front ends: it owns the log file, the journal's record of
// it, copy mode's ssh access, the abort, and the retry. The NDJSON/text reporter and the install
// screen only render the events it passes on.
import { LogFile, defaultLogPath } from '../logs/log-file.js';
import type { Plan } from '../plan/types.js';
import type { Session } from '../ssh/types.js';
import type { RunEvent } from './events.js';
import type { Journal } from './journal.js';
import { nixCopyAccess } from './nix-copy-access.js';
import { runPlan as realRunPlan, type RunOptions, type RunOutcome } from './runner.js';
import type { Secrets } from '../plan/types.js';

export interface StartOptions {
  plan: Plan;
  session: Session;
  secrets: Secrets;
  /** A journal just started, or the one a resume carries on. */
  journal: Journal;
  /** Skip what the journal has as done once the target proves it (`install --resume`). */
  resume: boolean;
  /** --log FILE; default ~/.local/state/nixos-bootstrap/HOST-TIME.log */
  logPath?: string;
  /** Every event, after it is in the log file: where a front end renders the run. */
  onEvent: (event: RunEvent) => void;
  /** The runner; tests of a front end pass their own. */
  runPlan?: (options: RunOptions) => Promise<RunOutcome>;
}

export interface RunHandle {
  logPath: string;
  /** Stop after the running command; the runner then undoes this run's mounts and mappings. */
  abort(): void;
  readonly aborting: boolean;
  readonly settled: boolean;
  outcome: Promise<RunOutcome>;
  /** 1 for the first run, then one more for each retry. */
  attempt: number;
  /**
   * The same plan on the same journal and log, as a resume; only once this run has settled.
   * `onEvent` replaces the renderer (a screen starts a fresh view for the new attempt).
   */
  retry(onEvent?: (event: RunEvent) => void): RunHandle;
}

export async function startRun(options: StartOptions): Promise<RunHandle> {
  const logPath = options.logPath ?? defaultLogPath(options.plan.choices.flake.host);
  await options.journal.update({ logFile: logPath });
  return launch({ ...options, logPath }, 1, options.resume);
}

function launch(options: StartOptions & { logPath: string }, attempt: number, resume: boolean): RunHandle {
  const { plan, session, journal, logPath } = options;
  const controller = new AbortController();
  let settled = false;
  const run = async (): Promise<RunOutcome> => {
    const log = new LogFile(logPath);
    // Copy mode: nix copy's own ssh trusts only the pinned key and logs in as the session did.
    const copyAccess = plan.choices.install.mode === 'copy' ? await nixCopyAccess(session) : undefined;
    try {
      return await (options.runPlan ?? realRunPlan)({
        plan,
        session,
        secrets: options.secrets,
        journal,
        resume,
        signal: controller.signal,
        ...(copyAccess ? { localEnv: copyAccess.env } : {}),
        emit: (event) => {
          log.event(event);
          options.onEvent(event);
        },
      });
    } finally {
      log.close();
      await copyAccess?.dispose();
    }
  };
  const outcome = run().finally(() => {
    settled = true;
  });
  return {
    logPath,
    abort: () => controller.abort(),
    get aborting() {
      return controller.signal.aborted;
    },
    get settled() {
      return settled;
    },
    outcome,
    attempt,
    retry(onEvent = options.onEvent) {
      if (!settled) throw new Error('a run can be retried only once it has ended');
      return launch({ ...options, onEvent }, attempt + 1, true);
    },
  };
}
