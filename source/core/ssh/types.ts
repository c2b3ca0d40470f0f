import type { HostKeyInfo } from './host-identity.js';

/** Where to connect: an address (IPv6 link-local carries its zone in `interface`). */
export interface Target {
  host: string;
  /** Zone for IPv6 link-local hosts: the interface name, e.g. `eth0`. */
  interface?: string;
  port: number;
  user: string;
}

export type OutputStream = 'stdout' | 'stderr';

export interface ExecOptions {
  /** Written to the remote command's stdin, then stdin is closed. The only way secrets travel. */
  stdin?: string | Buffer;
  /** Called with the complete output lines (without their newlines) of each chunk that arrives. */
  onLines?: (stream: OutputStream, lines: string[]) => void;
  /** Aborting closes the channel; the promise then rejects. */
  signal?: AbortSignal;
  /**
   * Aborts only the wait for a connection (a reconnect can take a minute), never a command that
   * started: a command that must not be cut can still be given up before it begins.
   */
  startSignal?: AbortSignal;
  /** Keep at most this many bytes of stdout/stderr in the result (default 1 MiB each). */
  captureBytes?: number;
}

export interface ExecResult {
  /** Remote exit status; null when the command was killed by a signal. */
  code: number | null;
  signal?: string;
  stdout: string;
  stderr: string;
}

/**
 * One SSH connection to the installer, pinned to the host key seen first.
 * Every remote action of a run goes through one Session.
 */
export interface Session {
  readonly target: Target;
  /** Pinned host key fingerprint, `SHA256:…`. */
  readonly fingerprint: string;
  /** The pinned key as shown when the session opened (a real session has it; test fakes may not). */
  readonly hostKey?: HostKeyInfo;
  /** How the session logged in: `agent`, `key FILE`, `password`. */
  readonly authMethod?: string;
  exec(command: string, options?: ExecOptions): Promise<ExecResult>;
  close(): Promise<void>;
}
