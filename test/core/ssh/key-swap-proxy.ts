// A man in the middle that knows an installer's PUBLIC key only: it relays a real SSH server but
// puts that key into the server's key exchange reply. The signature then cannot verify; a client
// that reports the key before checking it would show the impostor as the installer.
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

const kexReply = 31;

function packet(payload: Buffer): Buffer {
  // Unencrypted SSH packet: length, padding length, payload, padding (≥ 4, total a multiple of 8).
  let padding = 8 - ((5 + payload.length) % 8);
  if (padding < 4) padding += 8;
  const header = Buffer.alloc(5);
  header.writeUInt32BE(1 + payload.length + padding);
  header[4] = padding;
  return Buffer.concat([header, payload, Buffer.alloc(padding)]);
}

/** Rewrites the server's KEXDH/ECDH reply to carry `hostKeyBlob`; everything else passes. */
function swapper(hostKeyBlob: Buffer): (chunk: Buffer) => Buffer {
  let buffer = Buffer.alloc(0);
  let identSeen = false;
  let done = false;
  return (chunk) => {
    if (done) return chunk;
    buffer = Buffer.concat([buffer, chunk]);
    const out: Buffer[] = [];
    if (!identSeen) {
      const end = buffer.indexOf('\n');
      if (end < 0) return Buffer.alloc(0);
      out.push(buffer.subarray(0, end + 1));
      buffer = buffer.subarray(end + 1);
      identSeen = true;
    }
    while (buffer.length >= 5 && !done) {
      const length = buffer.readUInt32BE(0);
      if (buffer.length < 4 + length) break;
      const payload = buffer.subarray(5, 4 + length - buffer[4]!);
      if (payload[0] === kexReply) {
        const keyLength = payload.readUInt32BE(1);
        const rest = payload.subarray(5 + keyLength);
        const swapped = Buffer.concat([Buffer.from([kexReply]), Buffer.alloc(4), hostKeyBlob, rest]);
        swapped.writeUInt32BE(hostKeyBlob.length, 1);
        out.push(packet(swapped));
        done = true;
      } else {
        out.push(buffer.subarray(0, 4 + length));
      }
      buffer = buffer.subarray(4 + length);
    }
    if (done) out.push(buffer);
    return Buffer.concat(out);
  };
}

export async function keySwapProxy(serverPort: number, hostKeyBlob: Buffer): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(serverPort, '127.0.0.1');
    const swap = swapper(hostKeyBlob);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => {});
      socket.on('close', () => (client.destroy(), upstream.destroy()));
    }
    client.on('data', (chunk: Buffer) => upstream.write(chunk));
    upstream.on('data', (chunk: Buffer) => {
      const out = swap(chunk);
      if (out.length) client.write(out);
    });
  });
  const port = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
  return { port, close: () => new Promise<void>((resolve) => (sockets.forEach((s) => s.destroy()), server.close(() => resolve()))) };
}
