import { printableLines } from './logs/printable.js';
/** Process exit codes, documented in --help and the README. */
export const ExitCode = {
  ok: 0,
  phaseFailed: 1,
  usage: 2,
  refused: 3,
  unreachable: 4,
  aborted: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export const exitCodeHelp = `Exit codes:
  0    ok
  1    a phase failed (nothing rebooted; run again with --resume)
  2    bad usage or input
  3    refused for safety (wrong host key, not an installer, unsafe disk, no confirmation)
  4    target unreachable or authentication failed
  130  aborted (Ctrl-C / SIGTERM)`;

/**
 * Marks every BootstrapError. dist/ holds commands bundled whole (scripts/bundle-options.mjs),
 * each with its own copy of this class: the entry knows their errors by this mark, which
 * `instanceof` its own copy would not.
 */
const bootstrapErrorMark = Symbol.for('nixos-bootstrap.BootstrapError');

/**
 * An error meant for the user: a one-line message, the exit code it maps to, and an
 * optional hint on the next line. Messages never contain secrets.
 */
export class BootstrapError extends Error {
  readonly [bootstrapErrorMark] = true;
  constructor(
    message: string,
    readonly exitCode: ExitCode,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'BootstrapError';
  }
}

/** A BootstrapError from this bundle or from a command bundled whole. */
export function isBootstrapError(error: unknown): error is BootstrapError {
  return error instanceof Error && (error as Partial<Record<typeof bootstrapErrorMark, boolean>>)[bootstrapErrorMark] === true;
}

/**
 * A failure as a screen shows it: the message, then the hint (what to do) in brackets, without
 * control sequences (messages may quote what a host sent).
 */
export function errorText(error: unknown): string {
  const text =
    error instanceof BootstrapError
      ? error.hint
        ? `${error.message} (${error.hint})`
        : error.message
      : error instanceof Error
        ? error.message
        : String(error);
  return printableLines(text);
}

export const usageError = (message: string, hint?: string) => new BootstrapError(message, ExitCode.usage, hint);
export const refusal = (message: string, hint?: string) => new BootstrapError(message, ExitCode.refused, hint);
export const unreachable = (message: string, hint?: string) => new BootstrapError(message, ExitCode.unreachable, hint);
