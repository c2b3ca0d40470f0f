import type { PlanContext } from '../plan/plan-context.js';
import type { PhaseId, Plan, PlannedCommand } from '../plan/types.js';
import type { Session } from '../ssh/types.js';
import type { Secrets } from './secrets.js';

/** What a phase's own checks may use while a run is under way. */
export interface PhaseRunContext {
  session: Session;
  secrets: Secrets;
  /** Runs a target command without logging its output (it may hold a secret); throws on failure. */
  readSecretOutput(command: string): Promise<string>;
}

/**
 * One step of an install. The pure part (commands, destroys, doneCheck) builds the plan that is
 * shown before anything runs; `verify` and `cleanUp` are the runtime part the runner calls.
 */
export interface PhaseDefinition {
  id: PhaseId;
  title: string;
  applies(context: PlanContext): boolean;
  commands(context: PlanContext): PlannedCommand[];
  destroys?(context: PlanContext): string[];
  /** A read-only target command that exits 0 when this phase's result is in place. */
  doneCheck?(context: PlanContext): string;
  /** After the commands succeeded: prove the result (throws with a message when it is wrong). */
  verify?(plan: Plan, run: PhaseRunContext): Promise<void>;
  /** Commands that undo what this phase left active (mounts, mappings) when a run stops early. */
  cleanUp?(context: PlanContext): PlannedCommand[];
}
