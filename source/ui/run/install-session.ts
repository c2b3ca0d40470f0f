// Starts a run the way `install` does (journal, log file, secrets on stdin only), with the
// events going to an InstallFeed instead of a reporter. Returns at once: the run goes on while
// the screen watches the feed.
import { join } from 'node:path';
import type { RunOutcome } from '../../core/install/runner.js';
import type { Secrets } from '../../core/install/secrets.js';
import { LogFile } from '../../core/logs/log-file.js';
import { stateDir } from '../../core/paths.js';
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
}

export interface StartInstallOptions {
  plan: Plan;
  session: Session;
  target: Target;
  secrets: Secrets;
  services: WizardServices;
  ageKeyFile?: string;
  /** --log FILE; default ~/.local/state/nixos-bootstrap/HOST-TIME.log */
  logPath?: string;
  tailCapacity?: number;
}

export const defaultLogPath = (host: string, now = new Date()) =>
  join(stateDir(), `${host || 'install'}-${now.toISOString().replace(/[:.]/g, '-')}.log`);

export async function startInstall(options: StartInstallOptions): Promise<InstallHandle> {
  const { plan, session, services } = options;
  const logPath = options.logPath ?? defaultLogPath(plan.choices.flake.host);
  const journal = await services.startJournal({
    target: options.target,
    fingerprint: session.fingerprint,
    choices: plan.choices,
    ...(options.ageKeyFile ? { ageKeyFile: options.ageKeyFile } : {}),
  });
  await journal.update({ logFile: logPath });
  const log = new LogFile(logPath);
  const feed = new InstallFeed(plan.phases, log, options.tailCapacity);
  const controller = new AbortController();
  let settled = false;
  const outcome = services
    .runPlan({ plan, session, secrets: options.secrets, journal, emit: feed.push, signal: controller.signal })
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
  };
}
