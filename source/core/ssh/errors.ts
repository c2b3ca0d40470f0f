import { BootstrapError, ExitCode } from '../exit-codes.js';

/** The host presented a key other than the one expected or pinned: nothing more is sent (exit 3). */
export class HostKeyMismatchError extends BootstrapError {
  constructor(
    readonly where: string,
    readonly expected: string,
    readonly actual: string,
    why: string,
    hint = 'if the installer was rebooted it has a new key: check it on its console (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub) and pass that with --expect-fingerprint',
  ) {
    super(`host key mismatch for ${where}: expected ${expected}, got ${actual} (${why}); nothing was sent`, ExitCode.refused, hint);
    this.name = 'HostKeyMismatchError';
  }
}

/** The user (or the caller's policy) did not accept the host key (exit 3). */
export class HostKeyRejectedError extends BootstrapError {
  constructor(
    readonly where: string,
    readonly actual: string,
    reason: string,
  ) {
    super(`host key ${actual} of ${where} not accepted: ${reason}; nothing was sent`, ExitCode.refused);
    this.name = 'HostKeyRejectedError';
  }
}

/** Every authentication method failed (exit 4). Never carries a password, only method names. */
export class AuthFailedError extends BootstrapError {
  constructor(
    readonly where: string,
    readonly methodsTried: string[],
    readonly serverMethods: string[],
    hint?: string,
  ) {
    const tried = methodsTried.length > 0 ? methodsTried.join(', ') : 'no usable method';
    const offered = serverMethods.length > 0 ? `; server accepts ${serverMethods.join(', ')}` : '';
    super(`authentication failed for ${where} (tried: ${tried}${offered})`, ExitCode.unreachable, hint);
    this.name = 'AuthFailedError';
  }
}

/** The connection dropped under a running command: its outcome on the target is unknown. */
export class ConnectionLostError extends BootstrapError {
  constructor(
    readonly where: string,
    readonly command?: string,
  ) {
    super(
      command === undefined
        ? `connection to ${where} lost`
        : `connection to ${where} lost while running '${abbreviate(command)}' (its outcome on the target is unknown)`,
      ExitCode.unreachable,
    );
    this.name = 'ConnectionLostError';
  }
}

/** A command (or connect) stopped through its AbortSignal (exit 130). */
export class AbortedError extends BootstrapError {
  constructor(what: string) {
    super(`aborted: ${what}`, ExitCode.aborted);
    this.name = 'AbortedError';
  }
}

/** First line of a command, shortened for messages (commands never carry secrets: those go on stdin). */
export function abbreviate(command: string, maxChars = 60): string {
  const firstLine = command.trim().split('\n')[0] ?? '';
  const more = firstLine.length > maxChars || command.trim().includes('\n');
  return more ? `${firstLine.slice(0, maxChars)}…` : firstLine;
}
