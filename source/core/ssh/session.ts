// One SSH connection per run (exec channels on it), pinned to the host key seen first. The host
// key is checked before any authentication is attempted, so a wrong machine never sees a key
// offer or a password. A dropped connection is re-opened with backoff between commands; the
// command that was running when it dropped fails (the run engine decides what comes next).
import ssh2, { type ClientChannel } from 'ssh2';
import { BootstrapError, ExitCode, refusal, unreachable } from '../exit-codes.js';
import { AuthAttempt, Credentials, type AuthOptions } from './auth.js';
import { connectError } from './connect-error.js';
import { AbortedError, AuthFailedError, ConnectionLostError, HostKeyMismatchError, HostKeyRejectedError, abbreviate } from './errors.js';
import { fingerprint as fingerprintOf } from './fingerprint.js';
import { describeHostKey, normalizeFingerprint, type HostKeyInfo } from './host-identity.js';
import { defaultKnownHostsFile, readKnownHosts, recordHostKey } from './known-hosts.js';
import { imageRegistryFile, imageWithKey, readImages } from '../installer/image-registry.js';
import { LineCollector } from '../logs/lines.js';
import { PausableTimer } from './pausable-timer.js';
import { CommandStartFilter, killProcessGroupCommand, withPidReport } from './remote-pid.js';
import { asRoot, formatTarget, sshHost } from './target.js';
import { firstPublicKey } from './public-keys.js';
import { shellQuote } from '../plan/shell.js';
import type { ExecOptions, ExecResult, Session, Target } from './types.js';

export type { HostKeyInfo } from './host-identity.js';

export type SessionEvent =
  | { type: 'host-key'; info: HostKeyInfo }
  | { type: 'host-key-recorded'; file: string }
  /** known_hosts could not be written: the key is still pinned for this session. */
  | { type: 'host-key-not-recorded'; file: string; reason: string }
  | { type: 'authenticated'; method: string }
  | { type: 'disconnected'; reason: string }
  | { type: 'reconnecting'; attempt: number; delayMs: number }
  | { type: 'reconnected'; attempt: number };

export interface ConnectOptions extends AuthOptions {
  /** `--expect-fingerprint SHA256:…`: any other key is refused (exit 3) before anything is sent. */
  expectFingerprint?: string;
  /** The tool's own known_hosts; default ~/.config/nixos-bootstrap/known_hosts (never ~/.ssh/known_hosts). */
  knownHostsFile?: string;
  /** Write the accepted key to knownHostsFile. Default true. */
  recordHostKey?: boolean;
  /** Write host names hashed (`|1|…`) like HashKnownHosts. Default false. */
  hashKnownHosts?: boolean;
  /**
   * Decides about the host key before anything is sent (the wizard shows fingerprint, pairing
   * code and randomart). Without it: a known or new key is accepted (trust on first use) and a
   * key that differs from known_hosts is refused, unless it matches expectFingerprint.
   * The connect timeout does not run while this is pending; sshd's LoginGraceTime (120 s by
   * default) still does, so the wizard may rather call scanHostKey first and pass
   * expectFingerprint.
   */
  onHostKey?: (info: HostKeyInfo) => boolean | Promise<boolean>;
  onEvent?: (event: SessionEvent) => void;
  /** TCP connect + handshake + authentication, not counting time spent on prompts. Default 20 s. */
  connectTimeoutMs?: number;
  /** SSH keepalive: a silent drop is noticed after interval × countMax. Defaults 5 s × 3. */
  keepaliveIntervalMs?: number;
  keepaliveCountMax?: number;
  /** Give up re-opening a dropped connection after this long. Default 60 s. */
  reconnectTimeoutMs?: number;
  /** First pause between reconnect attempts; doubles up to reconnectMaxDelayMs. Defaults 250 ms, 5 s. */
  reconnectInitialDelayMs?: number;
  reconnectMaxDelayMs?: number;
  /** Aborts connecting (not the later session: exec takes its own signal). */
  signal?: AbortSignal;
}

const defaultConnectTimeoutMs = 20_000;
const defaultKeepaliveIntervalMs = 5_000;
const defaultKeepaliveCountMax = 3;
const defaultReconnectTimeoutMs = 60_000;
const defaultReconnectInitialDelayMs = 250;
const defaultReconnectMaxDelayMs = 5_000;
const defaultCaptureBytes = 1024 * 1024;
/** An abort waits this long at most for the remote process group to be gone. */
const killTimeoutMs = 5_000;
/** An abort that comes before the command reported its PID waits this long for it. */
const pidReportWaitMs = 2_000;

type Phase = 'first' | 'reconnect';

// ssh2 is CommonJS: its named exports are not visible to Node's ESM loader.
const { Client } = ssh2;
type Client = InstanceType<typeof Client>;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Asks sshd to signal the command's process group; closing the channel alone leaves it running.
 * ssh2's channel.signal() is a no-op once stdin was closed (and we always close it, so commands
 * see EOF), hence the protocol call it would have made.
 */
function sendSignal(channel: ClientChannel, name: string): void {
  const internal = channel as unknown as {
    outgoing?: { id: number; state: string };
    _client?: { _protocol?: { signal(id: number, name: string): void } };
  };
  try {
    const state = internal.outgoing?.state;
    if (state === 'open' || state === 'eof') internal._client?._protocol?.signal(internal.outgoing!.id, name);
    else channel.signal(name);
  } catch {
    // the channel is already gone: nothing left to signal
  }
}

/** Opens the session: checks the host key, authenticates, records the key. */
export async function connect(target: Target, options: ConnectOptions = {}): Promise<SshSession> {
  const credentials = Credentials.load(options);
  const expected = options.expectFingerprint === undefined ? undefined : normalizeFingerprint(options.expectFingerprint);
  const session = new SshSession(target, options, credentials, expected);
  try {
    await session.open();
  } catch (error) {
    await session.close();
    if (error instanceof AuthFailedError) throw await withConsoleHint(error, target, options);
    throw error;
  }
  return session;
}

/** A refused login says what to type on the installer's console, with this user's own key line. */
async function withConsoleHint(error: AuthFailedError, target: Target, options: ConnectOptions): Promise<AuthFailedError> {
  const key = (await firstPublicKey(options.identityFiles, options.env ?? process.env)) ?? 'ssh-ed25519 AAAA… (your ~/.ssh/id_ed25519.pub)';
  const paste = `echo ${shellQuote(key)} | sudo tee -a ${target.user === 'root' ? '/root' : `/home/${target.user}`}/.ssh/authorized_keys`;
  const onConsole =
    target.user === 'root'
      ? `on the installer's console: sudo passwd root, then give the password (SSH_PASS with --env-password; the wizard asks), or let your key in: sudo mkdir -p /root/.ssh; ${paste}; or log in as ${formatTarget({ ...target, user: 'nixos' })} (commands then run through sudo -n). An image made with nixos-bootstrap installer lets your key in from the start`
      : `on the installer's console: mkdir -p ~/.ssh; ${paste}`;
  return new AuthFailedError(error.where, error.methodsTried, error.serverMethods, [error.hint, onConsole].filter(Boolean).join('; or '));
}

/**
 * Fetches the host key without authenticating (nothing of ours is sent): the wizard can show it,
 * let the user compare it with the console, then connect with expectFingerprint. The key is
 * reported only once the key exchange proved the server holds it (its signature verified): a
 * host replaying someone else's public key fails here.
 */
export async function scanHostKey(target: Target, options: Pick<ConnectOptions, 'knownHostsFile' | 'connectTimeoutMs' | 'signal'> = {}): Promise<HostKeyInfo> {
  const knownHostsFile = options.knownHostsFile ?? defaultKnownHostsFile();
  const knownText = await readKnownHosts(knownHostsFile);
  const images = await readImages(imageRegistryFile(knownHostsFile));
  const where = formatTarget(target);
  return new Promise<HostKeyInfo>((resolve, reject) => {
    const client = new Client();
    let info: HostKeyInfo | undefined;
    let proven = false;
    let settled = false;
    const settle = (error?: BootstrapError) => {
      if (settled) return;
      settled = true;
      timer.clear();
      options.signal?.removeEventListener('abort', onAbort);
      client.destroy(); // end() would wait for a server that may never answer
      if (info && proven) resolve(info);
      else if (info)
        reject(
          refusal(
            `${where} sent host key ${info.fingerprint} but could not prove it holds it (the key exchange failed)`,
            'it may be replaying another machine’s public key: do not trust it',
          ),
        );
      else reject(error ?? unreachable(`${where} closed the connection before showing its host key`));
    };
    const timer = new PausableTimer(options.connectTimeoutMs ?? defaultConnectTimeoutMs, () =>
      settle(unreachable(`timed out after ${(options.connectTimeoutMs ?? defaultConnectTimeoutMs) / 1000} s connecting to ${where}`)),
    );
    const onAbort = () => settle(new AbortedError(`connecting to ${where}`));
    options.signal?.addEventListener('abort', onAbort, { once: true });
    client.on('error', (error: Error & { code?: string }) => settle(connectError(error, where, target)));
    client.on('close', () => settle());
    // Emitted once the exchange (signature included) checked out, before the login starts.
    client.on('handshake', () => {
      proven = true;
      settle();
    });
    client.connect({
      host: sshHost(target),
      port: target.port,
      username: target.user,
      readyTimeout: 0,
      hostVerifier: ((key: Buffer, verify: (valid: boolean) => void) => {
        info = describeHostKey(target, key, knownText, knownHostsFile, images);
        verify(true); // on to the signature check; 'handshake' ends it before any login
      }) as never,
    });
  });
}

/** `work`, or an AbortedError as soon as one of the signals fires (the work itself goes on). */
function untilAborted<T>(work: Promise<T>, signals: (AbortSignal | undefined)[], what: string): Promise<T> {
  const live = signals.filter((s): s is AbortSignal => s !== undefined);
  if (live.length === 0) return work;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      done();
      reject(new AbortedError(what));
    };
    const done = () => live.forEach((s) => s.removeEventListener('abort', onAbort));
    live.forEach((s) => s.addEventListener('abort', onAbort, { once: true }));
    work.then(
      (value) => (done(), resolve(value)),
      (error: unknown) => (done(), reject(error)),
    );
  });
}

/** The Session of source/core/ssh/types.ts over ssh2. */
export class SshSession implements Session {
  readonly where: string;
  private pinned: string | undefined;
  private info: HostKeyInfo | undefined;
  private method = 'none';
  private client: Client | undefined;
  private connecting: Promise<Client> | undefined;
  private fatal: BootstrapError | undefined;
  private closed = false;
  /** Callbacks that fail the operations running on the current connection when it drops. */
  private readonly inFlight = new Set<() => void>();
  private readonly knownHostsFile: string;

  constructor(
    readonly target: Target,
    private readonly options: ConnectOptions,
    private readonly credentials: Credentials,
    private readonly expected: string | undefined,
  ) {
    this.where = formatTarget(target);
    this.knownHostsFile = options.knownHostsFile ?? defaultKnownHostsFile(options.env);
  }

  /** Pinned host key fingerprint, `SHA256:…`. */
  get fingerprint(): string {
    if (this.pinned === undefined) throw new Error('session not open yet');
    return this.pinned;
  }

  /** The host key as shown to the user when the session was opened. */
  get hostKey(): HostKeyInfo {
    if (this.info === undefined) throw new Error('session not open yet');
    return this.info;
  }

  /** The authentication method that worked, e.g. `agent`, `key ~/.ssh/id_ed25519`, `password`. */
  get authMethod(): string {
    return this.method;
  }

  get connected(): boolean {
    return this.client !== undefined;
  }

  /** First connection; called by connect(). */
  async open(): Promise<void> {
    const client = await this.openClient('first', this.options.signal);
    this.attach(client);
    if (this.target.user !== 'root') await this.checkSudo();
    const info = this.info!;
    if (this.options.recordHostKey !== false && info.known.status !== 'known') {
      try {
        await recordHostKey(this.knownHostsFile, info.knownHostsName, info.algorithm, info.key, {
          hash: this.options.hashKnownHosts,
        });
        this.emit({ type: 'host-key-recorded', file: this.knownHostsFile });
      } catch (error) {
        const reason = (error as NodeJS.ErrnoException).code ?? String(error);
        this.emit({ type: 'host-key-not-recorded', file: this.knownHostsFile, reason });
      }
    }
  }

  /** A user other than root works through sudo: it must not ask for a password (it would read the secrets on stdin). */
  private async checkSudo(): Promise<void> {
    const result = await this.exec('true', { captureBytes: 4096 });
    if (result.code === 0) return;
    throw refusal(
      `${this.where} logs in, but sudo -n fails for ${this.target.user}: ${result.stderr.trim().split('\n').at(-1) ?? `exit ${result.code}`}`,
      `every command runs as root through sudo without a password (the stock ISO's nixos user has that); on the installer's console: echo '${this.target.user} ALL=(ALL) NOPASSWD: ALL' | sudo tee /etc/sudoers.d/${this.target.user}, or log in as root`,
    );
  }

  private emit(event: SessionEvent): void {
    try {
      this.options.onEvent?.(event);
    } catch {
      // a UI listener's failure must not break the connection
    }
  }

  /** Decides about the key of the first connection; throws a refusal to stop before auth. */
  private async acceptFirstKey(key: Buffer): Promise<void> {
    const images = await readImages(imageRegistryFile(this.knownHostsFile));
    const info = describeHostKey(this.target, key, await readKnownHosts(this.knownHostsFile), this.knownHostsFile, images);
    if (this.expected !== undefined) {
      if (info.fingerprint !== this.expected) {
        throw new HostKeyMismatchError(this.where, this.expected, info.fingerprint, 'the expected fingerprint');
      }
      info.matchesExpected = true;
    }
    if (info.known.status === 'revoked') {
      throw new HostKeyRejectedError(this.where, info.fingerprint, `marked @revoked in ${this.knownHostsFile}`);
    }
    this.emit({ type: 'host-key', info });
    if (this.options.onHostKey) {
      if (!(await this.options.onHostKey(info))) throw new HostKeyRejectedError(this.where, info.fingerprint, 'declined');
    } else if (info.known.status === 'changed' && !info.matchesExpected) {
      // The name is an installer image's (NAME.local, fe80::47): another machine answers under it.
      const image = info.known.knownFingerprints.map((known) => imageWithKey(images, known)).find(Boolean);
      const imageHint = image
        ? `this laptop expects the installer image ${image.name} here; this is another machine: boot the image, pass its key with --expect-fingerprint, or stop trusting the image (nixos-bootstrap installer --forget ${image.name})`
        : undefined;
      throw new HostKeyMismatchError(this.where, info.known.knownFingerprints.join(' or '), info.fingerprint, `differs from ${this.knownHostsFile}`, imageHint);
    }
    this.info = info;
    this.pinned = info.fingerprint;
  }

  /** Opens and authenticates one connection; the host key decides before anything else is sent. */
  private openClient(phase: Phase, signal?: AbortSignal): Promise<Client> {
    const connectTimeoutMs = this.options.connectTimeoutMs ?? defaultConnectTimeoutMs;
    return new Promise<Client>((resolve, reject) => {
      const client = new Client();
      let settled = false;
      let failure: BootstrapError | undefined;
      const fail = (error: BootstrapError) => {
        if (settled) return;
        settled = true;
        timer.clear();
        signal?.removeEventListener('abort', onAbort);
        client.destroy(); // end() would wait for a server that may never answer
        reject(error);
      };
      const timer = new PausableTimer(connectTimeoutMs, () => fail(unreachable(`timed out after ${connectTimeoutMs / 1000} s connecting to ${this.where}`)));
      const onAbort = () => fail(new AbortedError(`connecting to ${this.where}`));
      if (signal?.aborted) return fail(new AbortedError(`connecting to ${this.where}`));
      signal?.addEventListener('abort', onAbort, { once: true });

      const auth = new AuthAttempt(this.credentials, {
        where: this.where,
        user: this.target.user,
        onPromptStart: () => timer.pause(),
        onPromptEnd: () => timer.resume(),
      });

      client.on('ready', () => {
        if (settled) return void client.end();
        settled = true;
        timer.clear();
        signal?.removeEventListener('abort', onAbort);
        auth.succeeded();
        this.method = auth.lastMethod;
        this.emit({ type: 'authenticated', method: this.method });
        resolve(client);
      });
      client.on('error', (error: Error & { code?: string; level?: string }) => {
        if (failure) return fail(failure);
        // ssh2 reports a failing agent or key and carries on with the next method itself.
        if (error.level === 'agent') return;
        if (error.level === 'client-authentication') {
          if (!auth.exhausted) return;
          return fail(
            new AuthFailedError(
              this.where,
              auth.describeTried(),
              auth.serverMethods,
              auth.serverMethods.includes('password') && !this.credentials.hasPasswordSource
                ? 'the installer takes a password: set SSH_PASS and pass --env-password (or use the wizard)'
                : undefined,
            ),
          );
        }
        fail(connectError(error, this.where, this.target));
      });
      client.on('close', () => {
        fail(failure ?? unreachable(`${this.where} closed the connection during the handshake`));
      });

      client.connect({
        host: sshHost(this.target),
        port: this.target.port,
        username: this.target.user,
        readyTimeout: 0, // PausableTimer above: prompts do not count against the network
        keepaliveInterval: this.options.keepaliveIntervalMs ?? defaultKeepaliveIntervalMs,
        keepaliveCountMax: this.options.keepaliveCountMax ?? defaultKeepaliveCountMax,
        authHandler: auth.handler as never,
        hostVerifier: ((key: Buffer, verify: (valid: boolean) => void) => {
          timer.pause();
          this.checkKey(phase, key).then(
            () => {
              timer.resume();
              verify(!settled);
            },
            (error: BootstrapError) => {
              failure = error;
              verify(false);
            },
          );
        }) as never,
      });
    });
  }

  private async checkKey(phase: Phase, key: Buffer): Promise<void> {
    if (phase === 'first') return this.acceptFirstKey(key);
    const actual = fingerprintOf(key);
    if (actual !== this.pinned) {
      throw new HostKeyMismatchError(this.where, this.pinned!, actual, 'the key pinned for this session; the run stops');
    }
  }

  private attach(client: Client): void {
    this.client = client;
    client.on('error', () => {
      // after 'ready', errors (keepalive timeout, reset) are followed by 'close', handled below
    });
    client.on('close', () => {
      if (this.client !== client) return;
      this.client = undefined;
      for (const fail of [...this.inFlight]) fail();
      if (!this.closed) this.emit({ type: 'disconnected', reason: `connection to ${this.where} lost` });
    });
  }

  private async ensureConnected(): Promise<Client> {
    if (this.fatal) throw this.fatal;
    if (this.closed) throw new BootstrapError(`session to ${this.where} is closed`, ExitCode.phaseFailed);
    if (this.client) return this.client;
    this.connecting ??= this.reconnect().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private async reconnect(): Promise<Client> {
    const timeoutMs = this.options.reconnectTimeoutMs ?? defaultReconnectTimeoutMs;
    const deadline = Date.now() + timeoutMs;
    let delayMs = 0;
    for (let attempt = 1; ; attempt++) {
      this.emit({ type: 'reconnecting', attempt, delayMs });
      if (delayMs > 0) await sleep(delayMs);
      try {
        const client = await this.openClient('reconnect');
        if (this.closed) {
          client.end();
          throw new BootstrapError(`session to ${this.where} is closed`, ExitCode.phaseFailed);
        }
        this.attach(client);
        this.emit({ type: 'reconnected', attempt });
        return client;
      } catch (error) {
        const stop =
          error instanceof HostKeyMismatchError ||
          error instanceof HostKeyRejectedError ||
          error instanceof AuthFailedError ||
          error instanceof AbortedError ||
          !(error instanceof BootstrapError);
        if (stop) {
          if (error instanceof BootstrapError && error.exitCode === ExitCode.refused) this.fatal = error;
          throw error;
        }
        delayMs =
          delayMs === 0
            ? (this.options.reconnectInitialDelayMs ?? defaultReconnectInitialDelayMs)
            : Math.min(delayMs * 2, this.options.reconnectMaxDelayMs ?? defaultReconnectMaxDelayMs);
        if (Date.now() + delayMs > deadline) {
          throw unreachable(`lost the connection to ${this.where} and could not reconnect within ${timeoutMs / 1000} s (${error.message})`);
        }
      }
    }
  }

  async exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    const { signal } = options;
    const what = `'${abbreviate(command)}' on ${this.where}`;
    if (signal?.aborted || options.startSignal?.aborted) throw new AbortedError(what);
    const client = await untilAborted(this.ensureConnected(), [signal, options.startSignal], what);
    if (signal?.aborted) throw new AbortedError(what);
    const captureBytes = options.captureBytes ?? defaultCaptureBytes;

    return new Promise<ExecResult>((resolve, reject) => {
      let done = false;
      let aborting = false;
      let killing = false;
      let closed = false;
      let channel: ClientChannel | undefined;
      let remotePid: number | undefined;
      let pidWait: NodeJS.Timeout | undefined;
      const finish = (error: Error | undefined, result?: ExecResult) => {
        if (done) return;
        done = true;
        clearTimeout(pidWait);
        this.inFlight.delete(onLost);
        signal?.removeEventListener('abort', onAbort);
        if (error) reject(error);
        else resolve(result!);
      };
      const onLost = () => finish(new ConnectionLostError(this.where, command));
      // An abort settles only once the remote process group is gone (or cannot be reached), so
      // clean-up that follows (umount, cryptsetup close) does not race the aborted command.
      const stopRemote = () => {
        if (done || killing) return;
        if (closed) return finish(new AbortedError(what));
        if (remotePid === undefined) {
          // The PID report has not arrived yet: wait for it a little, then give up on the kill.
          pidWait ??= setTimeout(() => {
            channel?.close();
            finish(new AbortedError(what));
          }, pidReportWaitMs);
          return;
        }
        killing = true;
        void this.killRemote(client, remotePid).finally(() => {
          channel?.close();
          finish(new AbortedError(what));
        });
      };
      const onAbort = () => {
        if (aborting || done) return;
        aborting = true;
        if (channel) sendSignal(channel, 'TERM'); // honoured for non-root users; root needs stopRemote
        stopRemote();
      };
      this.inFlight.add(onLost);
      signal?.addEventListener('abort', onAbort, { once: true });

      client.exec(withPidReport(asRoot(this.target, command)), (error, opened) => {
        if (error) {
          return finish(
            this.client === client
              ? new BootstrapError(`cannot start ${what}: ${error.message}`, ExitCode.phaseFailed)
              : new ConnectionLostError(this.where, command),
          );
        }
        if (done) return void opened.close();
        channel = opened;
        const stdout = new LineCollector(options.onLines && ((lines) => options.onLines!('stdout', lines)), captureBytes);
        const stderr = new LineCollector(options.onLines && ((lines) => options.onLines!('stderr', lines)), captureBytes);
        const stdoutFilter = CommandStartFilter.stdout((chunk) => stdout.push(chunk));
        const stderrFilter = CommandStartFilter.stderr(
          (pid) => {
            remotePid = pid;
            if (aborting) stopRemote();
          },
          (chunk) => stderr.push(chunk),
        );
        let code: number | null = null;
        let exitSignal: string | undefined;
        let sawExit = false;
        opened.on('data', (chunk: Buffer) => stdoutFilter.push(chunk));
        opened.stderr.on('data', (chunk: Buffer) => stderrFilter.push(chunk));
        opened.on('exit', (exitCode: number | null, signalName?: string) => {
          sawExit = true;
          if (typeof exitCode === 'number') code = exitCode;
          else if (signalName) exitSignal = signalName;
        });
        opened.on('close', () => {
          closed = true;
          stdoutFilter.end();
          stderrFilter.end();
          stdout.end();
          stderr.end();
          if (aborting) return stopRemote();
          if (!sawExit && this.client !== client) return finish(new ConnectionLostError(this.where, command));
          finish(undefined, {
            code,
            ...(exitSignal ? { signal: exitSignal } : {}),
            stdout: stdout.text(),
            stderr: stderr.text(),
          });
        });
        if (options.stdin !== undefined) opened.end(options.stdin);
        else opened.end();
        if (aborting) stopRemote();
      });
    });
  }

  /** Kills a command's remote process group over a second channel (TERM, then KILL after a grace period). */
  private killRemote(client: Client, pid: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const giveUp = setTimeout(resolve, killTimeoutMs);
      client.exec(asRoot(this.target, killProcessGroupCommand(pid)), (error, channel) => {
        if (error) {
          clearTimeout(giveUp);
          return resolve();
        }
        channel.on('data', () => {});
        channel.stderr.on('data', () => {});
        channel.on('close', () => {
          clearTimeout(giveUp);
          resolve();
        });
        channel.end();
      });
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const client = this.client;
    if (!client) return;
    await new Promise<void>((resolve) => {
      client.once('close', () => resolve());
      client.end();
    });
  }
}
