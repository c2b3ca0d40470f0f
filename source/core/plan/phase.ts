import type { PlanContext } from './plan-context.js';
import type { PhaseId, Plan, PlannedCommand, Secrets } from './types.js';
import type { Session } from '../ssh/types.js';

/** What a phase's own checks may use while a run is under way. */
export interface PhaseRunContext {
  session: Session;
  secrets: Secrets;
  /** Runs a target command without logging its output (it may hold a secret); throws on failure. */
  readSecretOutput(command: string): Promise<string>;
}

/** For phases every plan has. */
export const always = (context: PlanContext): context is PlanContext => context !== null;

/**
 * One step of an install. The pure part (commands, destroys, doneCheck) builds the plan that is
 * shown before anything runs; `verify` and `cleanUp` are the runtime part the runner calls.
 */
export interface PhaseDefinition<Id extends string = PhaseId, C extends PlanContext = PlanContext> {
  id: Id;
  title: string;
  /** Whether the phase belongs to this plan; it also narrows the context to what the phase needs. */
  applies(context: PlanContext): context is C;
  commands(context: C): PlannedCommand[];
  destroys?(context: C): string[];
  /** A read-only target command that exits 0 when this phase's result is in place. */
  doneCheck?(context: C): string;
  /** After the commands succeeded: prove the result (throws with a message when it is wrong). */
  verify?(plan: Plan, run: PhaseRunContext): Promise<void>;
  /** Commands that undo what this phase left active (mounts, mappings) when a run stops early. */
  cleanUp?(context: C): PlannedCommand[];
}
