// Loopback SSH servers for tests: ssh2's server with chosen host key and key exchange, and
// plain TCP servers that misbehave in chosen ways. Never listens beyond 127.0.0.1.
import { createServer, type Server as TcpServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import ssh2 from 'ssh2';
import { fingerprint } from '../../../source/core/ssh/fingerprint.js';

export type KeySpec = ['ed25519'] | ['ecdsa', 256 | 384 | 521] | ['rsa', 2048];

export interface TestServer {
  port: number;
  /** The host key's `SHA256:…`, computed from its public half. */
  fingerprint: string;
  close(): Promise<void>;
}

const listen = (server: TcpServer | ssh2.Server) =>
  new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));

const closeServer = (server: TcpServer | ssh2.Server, sockets: Set<Socket>) =>
  new Promise<void>((resolve) => {
    sockets.forEach((s) => s.destroy());
    server.close(() => resolve());
  });

function generate(key: KeySpec): { private: string; public: string } {
  return key[0] === 'ed25519'
    ? ssh2.utils.generateKeyPairSync('ed25519')
    : key[0] === 'ecdsa'
      ? ssh2.utils.generateKeyPairSync('ecdsa', { bits: key[1] })
      : ssh2.utils.generateKeyPairSync('rsa', { bits: key[1] });
}

/** A key pair ssh2 itself can load. Its ed25519 generator strips a public key's leading zero
 * bytes (about 1 key in 256 comes out unreadable, mscdex/ssh2#1390), so such keys are drawn again. */
function loadableKeyPair(key: KeySpec): { private: string; public: string } {
  for (;;) {
    const pair = generate(key);
    if (!(ssh2.utils.parseKey(pair.private) instanceof Error)) return pair;
  }
}

export async function sshServer(key: KeySpec, kex?: string[], ident?: string): Promise<TestServer> {
  const pair = loadableKeyPair(key);
  const blob = Buffer.from(pair.public.split(' ')[1]!, 'base64');
  const server = new ssh2.Server(
    { hostKeys: [pair.private], ...(ident ? { ident } : {}), ...(kex ? { algorithms: { kex: kex as ssh2.KexAlgorithm[] } } : {}) },
    (client) => {
      client.on('error', () => {});
      client.on('authentication', (ctx) => ctx.reject());
    },
  );
  const sockets = new Set<Socket>();
  server.on('connection', (client) => client.on('error', () => {}));
  const port = await listen(server);
  return { port, fingerprint: fingerprint(blob), close: () => closeServer(server, sockets) };
}

/** A TCP server that runs `behave` for each connection. */
export async function tcpServer(behave: (socket: Socket) => void): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
    behave(socket);
  });
  const port = await listen(server);
  return { port, close: () => closeServer(server, sockets) };
}
