import type { OutputStream } from '../ssh/types.js';
import type { PhaseId } from '../plan/types.js';

/** Everything a run reports; the wizard and the NDJSON reporter render the same stream. */
export type RunEvent =
  | { type: 'run-start'; phases: { id: PhaseId; title: string }[]; logFile?: string }
  | { type: 'phase-start'; id: PhaseId; title: string; index: number; total: number }
  | { type: 'phase-skip'; id: PhaseId; title: string; reason: string }
  | { type: 'command'; id: PhaseId; command: string }
  /** The lines of one chunk of a command's output, redacted. */
  | { type: 'output'; id: PhaseId; stream: OutputStream; lines: string[] }
  | { type: 'phase-done'; id: PhaseId; elapsedMs: number }
  | { type: 'phase-failed'; id: PhaseId; message: string; exitCode?: number | null; lastLines: string[] }
  | { type: 'run-done'; elapsedMs: number; logFile?: string }
  | { type: 'aborted'; id?: PhaseId; message: string };
