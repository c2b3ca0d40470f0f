import { execa } from 'execa';
import { Redactor } from '../logs/redact.js';
import { formatCommand } from '../plan/format-plan.js';
import type { Plan, PlannedCommand, PlannedPhase, PhaseId, Secrets } from '../plan/types.js';
import { LineCollector } from '../logs/lines.js';
import type { OutputStream, Session } from '../ssh/types.js';
import { commandInput } from './command-input.js';
import type { RunEvent } from './events.js';
import type { Journal } from './journal.js';
import type { PhaseRunContext } from '../plan/phase.js';
import { phaseById } from '../plan/phases/index.js';
import { secretValues } from './secrets.js';
import { AbortedError } from '../ssh/errors.js';

export interface RunOptions {
  plan: Plan;
  session: Session;
  secrets: Secrets;
  journal: Journal;
  emit: (event: RunEvent) => void;
  /** Skip phases the journal lists as done, once their doneCheck passes on the target. */
  resume?: boolean;
  /** Abort: stop after the running command (interruptible ones are stopped), then clean up. */
  signal?: AbortSignal;
  /** Environment of commands that run on this machine (copy mode: NIX_STORE_URI, NIX_SSHOPTS). */
  localEnv?: Record<string, string>;
}

export type RunOutcome = { status: 'done' } | { status: 'failed'; phase: PhaseId; message: string } | { status: 'aborted'; phase?: PhaseId; message: string };

const lastLinesKept = 20;

class PhaseFailure extends Error {
  constructor(
    message: string,
    readonly exitCode?: number | null,
  ) {
    super(message);
  }
}

class Aborted extends Error {}

/**
 * Runs a plan's phases in order over one SSH session, streaming every line as an event.
 * Stops at the first failure (no cleanup, nothing rebooted: the state stays for --resume);
 * on abort, undoes the mounts and mappings this run made.
 */
export async function runPlan(options: RunOptions): Promise<RunOutcome> {
  const { plan, session, secrets, journal, emit, signal } = options;
  const redactor = new Redactor(secretValues(secrets));
  const started = Date.now();
  const ranThisRun: PlannedPhase[] = [];
  let current: PlannedPhase | undefined;
  emit({ type: 'run-start', phases: plan.phases.map(({ id, title }) => ({ id, title })), logFile: journal.value.logFile });

  const phaseContext: PhaseRunContext = {
    session,
    secrets,
    async readSecretOutput(command) {
      const result = await session.exec(command);
      if (result.code !== 0) throw new PhaseFailure(`'${command}' failed (exit ${result.code})`, result.code);
      return result.stdout;
    },
  };

  try {
    for (const [index, phase] of plan.phases.entries()) {
      if (signal?.aborted) throw new Aborted();
      // Skipped only when recorded as done AND still true on the target; a phase whose result
      // is gone (a mapping closed by an abort) runs again, and each later phase checks its own.
      if (options.resume && journal.isDone(phase.id) && (await alreadyDone(phase, session))) {
        emit({ type: 'phase-skip', id: phase.id, title: phase.title, reason: 'done in an earlier run, checked on the target' });
        continue;
      }
      current = phase;
      ranThisRun.push(phase);
      await journal.markStarted(phase.id);
      const phaseStarted = Date.now();
      emit({ type: 'phase-start', id: phase.id, title: phase.title, index, total: plan.phases.length });
      let tail: string[] = [];
      const onLines = (stream: OutputStream, raw: string[]) => {
        const lines = redactor.redactLines(raw);
        tail = [...tail, ...lines.slice(-lastLinesKept)].slice(-lastLinesKept);
        emit({ type: 'output', id: phase.id, stream, lines });
      };
      try {
        for (const command of phase.commands) {
          if (signal?.aborted) throw new Aborted();
          emit({ type: 'command', id: phase.id, command: redactor.redact(formatCommand(command)) });
          const code = await runCommand(command, session, secrets, onLines, signal, options.localEnv);
          if (signal?.aborted && command.interruptible) throw new Aborted();
          if (code !== 0) throw new PhaseFailure(`'${redactor.redact(command.run)}' exited with status ${code ?? 'unknown (killed)'}`, code);
        }
        await phaseById(phase.id)?.verify?.(plan, phaseContext);
      } catch (error) {
        if (error instanceof Aborted) throw error;
        const message = error instanceof PhaseFailure ? error.message : `${describeError(error, redactor)}`;
        emit({
          type: 'phase-failed',
          id: phase.id,
          message: `${phase.title} failed: ${message}`,
          exitCode: error instanceof PhaseFailure ? error.exitCode : undefined,
          lastLines: tail,
        });
        return { status: 'failed', phase: phase.id, message };
      }
      await journal.markDone(phase.id);
      emit({ type: 'phase-done', id: phase.id, elapsedMs: Date.now() - phaseStarted });
      current = undefined;
    }
  } catch (error) {
    if (!(error instanceof Aborted)) throw error;
    const cleaned = await cleanUp(ranThisRun, session, (stream, lines) =>
      emit({ type: 'output', id: current?.id ?? ranThisRun.at(-1)?.id ?? plan.phases[0]!.id, stream, lines: redactor.redactLines(lines) }),
    );
    const where = current ? `during '${current.title}'` : 'between phases';
    const undone = cleaned
      ? 'mounts and mappings made by this run were undone'
      : 'some mounts or mappings of this run may still be active (the target did not answer)';
    const message = `stopped ${where}; ${undone}. Continue with: nixos-bootstrap install --resume`;
    emit({ type: 'aborted', id: current?.id, message });
    return { status: 'aborted', phase: current?.id, message };
  }
  emit({ type: 'run-done', elapsedMs: Date.now() - started, logFile: journal.value.logFile });
  return { status: 'done' };
}

async function runCommand(
  command: PlannedCommand,
  session: Session,
  secrets: Secrets,
  onLines: (stream: OutputStream, lines: string[]) => void,
  signal: AbortSignal | undefined,
  localEnv: Record<string, string> | undefined,
): Promise<number | null> {
  const stdin = await commandInput(command.input, secrets);
  // Only interruptible commands see the abort; the rest finish so no disk is left half-written.
  const commandSignal = command.interruptible ? signal : undefined;
  if (command.where === 'local') {
    const child = execa('bash', ['-c', command.run], { input: stdin, env: localEnv, reject: false, cancelSignal: commandSignal, buffer: false });
    const out = new LineCollector((lines) => onLines('stdout', lines), 0);
    const err = new LineCollector((lines) => onLines('stderr', lines), 0);
    child.stdout?.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => err.push(chunk));
    const result = await child;
    out.end();
    err.end();
    return result.exitCode ?? null;
  }
  try {
    const result = await session.exec(command.run, { stdin, onLines, signal: commandSignal, startSignal: signal, captureBytes: 0 });
    return result.code;
  } catch (error) {
    // Cut while running (interruptible), or given up before it started (waiting to reconnect).
    if (signal?.aborted && (command.interruptible || error instanceof AbortedError)) throw new Aborted();
    throw error;
  }
}

/** What a resume would skip (journal says done and the target proves it) and what it would run. */
export async function resumeStatus(plan: Plan, session: Session, journal: Journal): Promise<{ done: PhaseId[]; remaining: PhaseId[] }> {
  const done: PhaseId[] = [];
  const remaining: PhaseId[] = [];
  for (const phase of plan.phases) {
    const verified = journal.isDone(phase.id) && (await alreadyDone(phase, session));
    (verified ? done : remaining).push(phase.id);
  }
  return { done, remaining };
}

/** A phase is skipped on resume only when the target proves its result is still in place. */
async function alreadyDone(phase: PlannedPhase, session: Session): Promise<boolean> {
  if (!phase.doneCheck) return false;
  const result = await session.exec(phase.doneCheck, { captureBytes: 0 });
  return result.code === 0;
}

/** How long clean-up after a stop waits for a lost connection: the user asked to stop. */
const cleanUpConnectMs = 800;

/** Undoes what the phases left active, newest first; false when a step could not run. */
async function cleanUp(phases: PlannedPhase[], session: Session, onLines: (stream: OutputStream, lines: string[]) => void): Promise<boolean> {
  let complete = true;
  for (const phase of [...phases].reverse()) {
    for (const command of phase.cleanUp ?? []) {
      onLines('stderr', [`cleaning up: ${command.run}`]);
      const startSignal = AbortSignal.timeout(cleanUpConnectMs);
      await session.exec(command.run, { onLines, startSignal }).catch((error: unknown) => {
        complete = false;
        onLines('stderr', [`cleanup failed: ${String(error)}`]);
      });
    }
  }
  return complete;
}

function describeError(error: unknown, redactor: Redactor): string {
  return redactor.redact(error instanceof Error ? error.message : String(error));
}
