// Reads an SSH server's identification and host key without logging in: TCP connect, one key
// exchange whose signature proves the server holds the key, then disconnect.
import { printable } from '../logs/printable.js';
import { connect, isIP, type Socket } from 'node:net';
import { fingerprint, hostKeyType } from '../ssh/fingerprint.js';
import { connectHost } from './ipv6.js';
import { HostKeyExchange, KexError, disconnectPacket } from './ssh-kex.js';

export interface SshIdentity {
  /** The server's identification line, e.g. `SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3`. */
  banner: string;
  fingerprint: string;
  hostKeyType: string;
}

export type VerifyFailure = 'refused' | 'unreachable' | 'timeout' | 'not-ssh' | 'handshake' | 'aborted';

export class VerifyError extends Error {
  override name = 'VerifyError';
  constructor(
    readonly kind: VerifyFailure,
    message: string,
  ) {
    super(message);
  }
}

export interface VerifyTarget {
  address: string;
  interface?: string;
  port: number;
}

export interface VerifyOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
  /** Called when TCP connected: something listens there, before the key exchange. */
  onConnected?: () => void;
}

/**
 * net.connect checks its host with net.isIP, whose large regular expression is compiled by its
 * first two calls: ~20 ms on a 2-core machine. Called while the first mDNS answers are on their
 * way, it spares the first connection that wait; later calls cost nothing.
 */
export function prepareConnect(): void {
  isIP('fe80::1');
  isIP('fe80::2');
}

export function verifySsh(target: VerifyTarget, options: VerifyOptions = {}): Promise<SshIdentity> {
  return new Promise((resolve, reject) => {
    const host = connectHost(target.address, target.interface);
    const where = `${host} port ${target.port}`;
    // eslint-disable-next-line prefer-const -- finish() may run before the socket exists (an abort first)
    let socket: Socket | undefined;
    let exchange: HostKeyExchange | undefined;
    let settled = false;
    const finish = (error: VerifyError | undefined, identity?: SshIdentity) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      if (error) {
        socket?.destroy();
        reject(error);
      } else {
        socket?.end(disconnectPacket());
        // Do not wait for the server's FIN to free the socket.
        setTimeout(() => socket?.destroy(), 1000).unref();
        resolve(identity!);
      }
    };
    const onAbort = () => finish(new VerifyError('aborted', `${where}: stopped`));
    if (options.signal?.aborted) return onAbort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const timer = options.timeoutMs
      ? setTimeout(() => finish(new VerifyError('timeout', `${where}: no SSH answer within ${options.timeoutMs} ms`)), options.timeoutMs)
      : undefined;

    socket = connect({ host, port: target.port, noDelay: true });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      const kind: VerifyFailure = error.code === 'ECONNREFUSED' ? 'refused' : error.code === 'ETIMEDOUT' ? 'timeout' : 'unreachable';
      const text =
        kind === 'refused'
          ? 'connection refused'
          : error.code === 'EHOSTUNREACH'
            ? 'no such host on the link'
            : error.code === 'ECONNRESET'
              ? 'connection reset'
              : error.message;
      finish(new VerifyError(kind, `${where}: ${text}`));
    });
    socket.on('close', () =>
      finish(
        new VerifyError(
          exchange?.banner ? 'handshake' : 'not-ssh',
          `${where}: connection closed ${exchange?.banner ? 'during the key exchange' : 'without an SSH greeting'}`,
        ),
      ),
    );
    socket.once('connect', () => {
      options.onConnected?.();
      exchange = new HostKeyExchange({ write: (data) => socket!.write(data) });
      socket!.on('data', (chunk: Buffer) => exchange!.receive(chunk));
      exchange.done.then(
        (reply) => finish(undefined, { banner: printable(reply.banner), fingerprint: fingerprint(reply.hostKey), hostKeyType: hostKeyType(reply.hostKey) }),
        (error: Error) => {
          const kind: VerifyFailure = exchange?.banner ? 'handshake' : 'not-ssh';
          finish(new VerifyError(kind, `${where}: ${error instanceof KexError ? error.message : `key exchange failed: ${error.message}`}`));
        },
      );
    });
  });
}
