// The first half of an SSH connection (RFC 4253 §4-8): identification, KEXINIT, one key
// exchange — just far enough to receive the server's host key and check its signature over
// the exchange hash, which proves the server holds that key. Nothing is encrypted, nobody logs
// in. Loading ssh2 for this costs ~35 ms of startup and an extra round trip (NEWKEYS), and
// discovery is judged on its first result.
import {
  createECDH,
  createHash,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  getDiffieHellman,
  randomBytes,
  verify,
  type KeyObject,
} from 'node:crypto';

export const clientIdent = 'SSH-2.0-nixos_bootstrap_discover';

const msg = { disconnect: 1, ignore: 2, unimplemented: 3, debug: 4, kexinit: 20, kexReply: 31 } as const;

/** Key exchange methods we can run, in our order of preference (OpenSSH's, minus PQ hybrids). */
export const kexAlgorithms = [
  'curve25519-sha256',
  'curve25519-sha256@libssh.org',
  'ecdh-sha2-nistp256',
  'ecdh-sha2-nistp384',
  'ecdh-sha2-nistp521',
  'diffie-hellman-group16-sha512',
  'diffie-hellman-group18-sha512',
  'diffie-hellman-group14-sha256',
  'diffie-hellman-group14-sha1',
];
/** Same order as OpenSSH's client, so the key we report is the one `ssh` would show. */
export const hostKeyAlgorithms = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
  'ssh-rsa',
];
// Never used (we stop before NEWKEYS) but the server refuses a KEXINIT it shares none with.
const ciphers = [
  'chacha20-poly1305@openssh.com',
  'aes128-gcm@openssh.com',
  'aes256-gcm@openssh.com',
  'aes128-ctr',
  'aes192-ctr',
  'aes256-ctr',
  'aes128-cbc',
  'aes256-cbc',
  '3des-cbc',
];
const macs = [
  'hmac-sha2-256-etm@openssh.com',
  'hmac-sha2-512-etm@openssh.com',
  'umac-128-etm@openssh.com',
  'hmac-sha2-256',
  'hmac-sha2-512',
  'hmac-sha1',
  'umac-64@openssh.com',
];
const compressions = ['none', 'zlib@openssh.com', 'zlib'];

export class KexError extends Error {
  override name = 'KexError';
}

// ---- wire encoding -------------------------------------------------------------------------

export const uint32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
};
export const sshString = (data: Buffer | string) => {
  const body = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  return Buffer.concat([uint32(body.length), body]);
};
/** RFC 4251 mpint of an unsigned big-endian magnitude. */
export const sshMpint = (magnitude: Buffer) => {
  let start = 0;
  while (start < magnitude.length && magnitude[start] === 0) start += 1;
  const trimmed = magnitude.subarray(start);
  const body = trimmed.length && trimmed[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed;
  return sshString(body);
};

/** Reads SSH wire types from a payload. */
export class WireReader {
  private offset = 0;
  constructor(private readonly buffer: Buffer) {}
  byte(): number {
    if (this.offset + 1 > this.buffer.length) throw new KexError('truncated SSH message');
    return this.buffer[this.offset++]!;
  }
  uint32(): number {
    if (this.offset + 4 > this.buffer.length) throw new KexError('truncated SSH message');
    const n = this.buffer.readUInt32BE(this.offset);
    this.offset += 4;
    return n;
  }
  bytes(length: number): Buffer {
    if (this.offset + length > this.buffer.length) throw new KexError('truncated SSH message');
    const out = this.buffer.subarray(this.offset, this.offset + length);
    this.offset += length;
    return out;
  }
  string(): Buffer {
    return this.bytes(this.uint32());
  }
  text(): string {
    return this.string().toString('utf8');
  }
  nameList(): string[] {
    const text = this.text();
    return text ? text.split(',') : [];
  }
  /** An mpint as an unsigned magnitude (sign byte dropped). */
  mpint(): Buffer {
    const raw = this.string();
    return raw.length && raw[0] === 0 ? raw.subarray(1) : raw;
  }
}

/** One unencrypted binary packet (RFC 4253 §6) around `payload`. */
export function encodePacket(payload: Buffer): Buffer {
  const blockBytes = 8;
  let padding = blockBytes - ((4 + 1 + payload.length) % blockBytes);
  if (padding < 4) padding += blockBytes;
  return Buffer.concat([uint32(1 + payload.length + padding), Buffer.from([padding]), payload, randomBytes(padding)]);
}

/** Splits complete packets off the front of `buffer`; returns their payloads and the rest. */
export function decodePackets(buffer: Buffer): { payloads: Buffer[]; rest: Buffer } {
  const payloads: Buffer[] = [];
  let offset = 0;
  while (buffer.length - offset >= 5) {
    const length = buffer.readUInt32BE(offset);
    if (length < 5 || length > 256 * 1024) throw new KexError(`bad SSH packet length ${length}`);
    if (buffer.length - offset < 4 + length) break;
    const padding = buffer[offset + 4]!;
    if (padding + 1 > length) throw new KexError('bad SSH packet padding');
    payloads.push(buffer.subarray(offset + 5, offset + 4 + length - padding));
    offset += 4 + length;
  }
  return { payloads, rest: buffer.subarray(offset) };
}

// ---- algorithm negotiation -----------------------------------------------------------------

export function buildKexInit(cookie: Buffer = randomBytes(16)): Buffer {
  const list = (names: string[]) => sshString(names.join(','));
  return Buffer.concat([
    Buffer.from([msg.kexinit]),
    cookie,
    list(kexAlgorithms),
    list(hostKeyAlgorithms),
    list(ciphers),
    list(ciphers),
    list(macs),
    list(macs),
    list(compressions),
    list(compressions),
    list([]),
    list([]),
    Buffer.from([0]),
    uint32(0),
  ]);
}

export interface ServerKexInit {
  kex: string[];
  hostKey: string[];
}

export function parseKexInit(payload: Buffer): ServerKexInit {
  const reader = new WireReader(payload);
  if (reader.byte() !== msg.kexinit) throw new KexError('expected KEXINIT');
  reader.bytes(16);
  return { kex: reader.nameList(), hostKey: reader.nameList() };
}

/** RFC 4253 §7.1: the first of the client's algorithms the server also supports. */
export function negotiate(server: ServerKexInit): { kex: string; hostKey: string } {
  const kex = kexAlgorithms.find((a) => server.kex.includes(a));
  const hostKey = hostKeyAlgorithms.find((a) => server.hostKey.includes(a));
  if (!kex) throw new KexError(`no common key exchange method (server offers ${server.kex.join(',')})`);
  if (!hostKey) throw new KexError(`no common host key type (server offers ${server.hostKey.join(',')})`);
  return { kex, hostKey };
}

// ---- key exchange ----------------------------------------------------------------------

interface Exchange {
  hash: 'sha1' | 'sha256' | 'sha384' | 'sha512';
  /** Our public value as it goes on the wire (string for ECDH, mpint for DH). */
  clientPublic: Buffer;
  /** Shared secret magnitude from the server's public value. */
  secret: (serverPublic: Buffer) => Buffer;
  /** Whether public values are mpints (classic DH) rather than strings (ECDH). */
  mpints: boolean;
}

const x25519Spki = Buffer.from('302a300506032b656e032100', 'hex');

function startExchange(kex: string): Exchange {
  if (kex.startsWith('curve25519-sha256')) {
    const { publicKey, privateKey } = generateKeyPairSync('x25519');
    const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
    return {
      hash: 'sha256',
      clientPublic: raw,
      mpints: false,
      secret: (serverPublic) => {
        if (serverPublic.length !== 32) throw new KexError('bad curve25519 public key');
        const peer = createPublicKey({ key: Buffer.concat([x25519Spki, serverPublic]), format: 'der', type: 'spki' });
        return diffieHellman({ privateKey, publicKey: peer });
      },
    };
  }
  const ecdh = /^ecdh-sha2-nistp(256|384|521)$/.exec(kex);
  if (ecdh) {
    const bits = ecdh[1]!;
    const curve = { '256': 'prime256v1', '384': 'secp384r1', '521': 'secp521r1' }[bits]!;
    const e = createECDH(curve);
    const clientPublic = e.generateKeys();
    return {
      hash: bits === '256' ? 'sha256' : bits === '384' ? 'sha384' : 'sha512',
      clientPublic,
      mpints: false,
      secret: (serverPublic) => e.computeSecret(serverPublic),
    };
  }
  const dh = /^diffie-hellman-group(14|16|18)-(sha1|sha256|sha512)$/.exec(kex);
  if (dh) {
    const group = getDiffieHellman(`modp${dh[1]}` as 'modp14');
    const clientPublic = group.generateKeys();
    return { hash: dh[2] as Exchange['hash'], clientPublic, mpints: true, secret: (serverPublic) => group.computeSecret(serverPublic) };
  }
  throw new KexError(`unsupported key exchange ${kex}`);
}

export function exchangeInit(exchange: Exchange): Buffer {
  // KEX_ECDH_INIT and KEXDH_INIT share number 30.
  return Buffer.concat([Buffer.from([30]), exchange.mpints ? sshMpint(exchange.clientPublic) : sshString(exchange.clientPublic)]);
}

// ---- host key signatures -------------------------------------------------------------------

const b64url = (b: Buffer) => b.toString('base64url');

/** A Node public key from an SSH wire-format host key blob. */
export function hostKeyObject(blob: Buffer): { type: string; key: KeyObject; curveBytes?: number } {
  const reader = new WireReader(blob);
  const type = reader.text();
  if (type === 'ssh-ed25519') {
    return { type, key: createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: b64url(reader.string()) }, format: 'jwk' }) };
  }
  const ec = /^ecdsa-sha2-nistp(256|384|521)$/.exec(type);
  if (ec) {
    reader.string();
    const point = reader.string();
    const size = (point.length - 1) / 2;
    if (point[0] !== 4 || !Number.isInteger(size)) throw new KexError('bad ECDSA host key');
    const crv = `P-${ec[1]}`;
    const x = point.subarray(1, 1 + size);
    const y = point.subarray(1 + size);
    return { type, key: createPublicKey({ key: { kty: 'EC', crv, x: b64url(x), y: b64url(y) }, format: 'jwk' }), curveBytes: size };
  }
  if (type === 'ssh-rsa') {
    const e = reader.mpint();
    const n = reader.mpint();
    return { type, key: createPublicKey({ key: { kty: 'RSA', n: b64url(n), e: b64url(e) }, format: 'jwk' }) };
  }
  throw new KexError(`unsupported host key type ${type}`);
}

/**
 * Checks the server's signature over the exchange hash with the host key it sent. Key type and
 * signature algorithm must both be the host key algorithm the two sides negotiated: a server may
 * not answer an rsa-sha2-512 negotiation with a SHA-1 `ssh-rsa` signature, or with another key.
 */
export function verifyHostSignature(hostKeyBlob: Buffer, signatureBlob: Buffer, exchangeHash: Buffer, negotiated: string): boolean {
  const { type, key, curveBytes } = hostKeyObject(hostKeyBlob);
  if (type !== (negotiated.startsWith('rsa-sha2-') ? 'ssh-rsa' : negotiated)) return false;
  const reader = new WireReader(signatureBlob);
  const algorithm = reader.text();
  const signature = reader.string();
  if (algorithm !== negotiated) return false;
  if (type === 'ssh-ed25519') return algorithm === 'ssh-ed25519' && verify(null, exchangeHash, key, signature);
  if (curveBytes) {
    if (algorithm !== type) return false;
    const inner = new WireReader(signature);
    const pad = (n: Buffer) => Buffer.concat([Buffer.alloc(Math.max(curveBytes - n.length, 0)), n]);
    const rs = Buffer.concat([pad(inner.mpint()), pad(inner.mpint())]);
    const hash = curveBytes === 32 ? 'sha256' : curveBytes === 48 ? 'sha384' : 'sha512';
    return verify(hash, exchangeHash, { key, dsaEncoding: 'ieee-p1363' }, rs);
  }
  const hash = { 'rsa-sha2-512': 'sha512', 'rsa-sha2-256': 'sha256', 'ssh-rsa': 'sha1' }[algorithm];
  return hash !== undefined && verify(hash, exchangeHash, key, signature);
}

// ---- the conversation ----------------------------------------------------------------------

export interface KexTranscript {
  clientIdent: string;
  serverIdent: string;
  clientKexInit: Buffer;
  serverKexInit: Buffer;
}

export interface HostKeyReply {
  /** The server's identification line (without CR LF). */
  banner: string;
  hostKey: Buffer;
  kex: string;
  hostKeyAlgorithm: string;
}

export interface Transport {
  write(data: Buffer | string): void;
}

/**
 * Drives the client side over any byte transport: feed it incoming bytes with `receive`;
 * it writes its own packets and settles `done` with the verified host key.
 */
export class HostKeyExchange {
  readonly done: Promise<HostKeyReply>;
  private resolve!: (reply: HostKeyReply) => void;
  private reject!: (error: Error) => void;
  private pending: Buffer = Buffer.alloc(0);
  private serverIdent: string | undefined;
  private readonly clientKexInit = buildKexInit();
  private serverKexInit: Buffer | undefined;
  private exchange: Exchange | undefined;
  private chosen: { kex: string; hostKey: string } | undefined;
  private finished = false;

  constructor(private readonly transport: Transport) {
    this.done = new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    // Identification and KEXINIT can go out before the server's arrive (RFC 4253 §4.2, §7.1).
    transport.write(`${clientIdent}\r\n`);
    transport.write(encodePacket(this.clientKexInit));
  }

  /** The identification line received so far, if any (for "not an SSH server" messages). */
  get banner(): string | undefined {
    return this.serverIdent;
  }

  receive(chunk: Buffer): void {
    if (this.finished) return;
    try {
      this.pending = Buffer.concat([this.pending, chunk]);
      if (this.serverIdent === undefined && !this.readIdent()) return;
      const { payloads, rest } = decodePackets(this.pending);
      this.pending = rest;
      for (const payload of payloads) this.handle(payload);
    } catch (error) {
      this.fail(error instanceof Error ? error : new KexError(String(error)));
    }
  }

  fail(error: Error): void {
    if (this.finished) return;
    this.finished = true;
    this.reject(error);
  }

  /** Lines before `SSH-` are allowed (RFC 4253 §4.2); returns true once the ident is read. */
  private readIdent(): boolean {
    for (;;) {
      const end = this.pending.indexOf(0x0a);
      if (end < 0) {
        if (this.pending.length > 8192) throw new KexError('not an SSH server (no identification line)');
        return false;
      }
      const line = this.pending.subarray(0, end).toString('latin1').replace(/\r$/, '');
      this.pending = this.pending.subarray(end + 1);
      if (line.startsWith('SSH-')) {
        if (!/^SSH-(2\.0|1\.99)-/.test(line)) throw new KexError(`unsupported SSH version: ${line}`);
        this.serverIdent = line;
        return true;
      }
    }
  }

  private handle(payload: Buffer): void {
    const type = payload[0];
    if (type === msg.ignore || type === msg.debug || type === msg.unimplemented) return;
    if (type === msg.disconnect) {
      const reader = new WireReader(payload.subarray(1));
      reader.uint32();
      throw new KexError(`server disconnected: ${reader.text()}`);
    }
    if (type === msg.kexinit && !this.serverKexInit) {
      this.serverKexInit = Buffer.from(payload);
      this.chosen = negotiate(parseKexInit(payload));
      this.exchange = startExchange(this.chosen.kex);
      this.transport.write(encodePacket(exchangeInit(this.exchange)));
      return;
    }
    if (type === msg.kexReply && this.exchange && this.chosen) {
      this.finish(payload);
      return;
    }
    throw new KexError(`unexpected SSH message ${type} during key exchange`);
  }

  private finish(payload: Buffer): void {
    const exchange = this.exchange!;
    const reader = new WireReader(payload.subarray(1));
    const hostKey = Buffer.from(reader.string());
    const serverPublic = exchange.mpints ? reader.mpint() : reader.string();
    const signature = reader.string();
    const secret = exchange.secret(serverPublic);
    const hash = createHash(exchange.hash)
      .update(sshString(clientIdent))
      .update(sshString(this.serverIdent!))
      .update(sshString(this.clientKexInit))
      .update(sshString(this.serverKexInit!))
      .update(sshString(hostKey))
      .update(exchange.mpints ? sshMpint(exchange.clientPublic) : sshString(exchange.clientPublic))
      .update(exchange.mpints ? sshMpint(serverPublic) : sshString(serverPublic))
      .update(sshMpint(secret))
      .digest();
    if (!verifyHostSignature(hostKey, signature, hash, this.chosen!.hostKey)) throw new KexError('the host key signature does not verify');
    this.finished = true;
    this.resolve({ banner: this.serverIdent!, hostKey, kex: this.chosen!.kex, hostKeyAlgorithm: this.chosen!.hostKey });
  }
}

/** SSH_MSG_DISCONNECT "by application": lets sshd log a clean goodbye instead of a reset. */
export function disconnectPacket(): Buffer {
  return encodePacket(Buffer.concat([Buffer.from([msg.disconnect]), uint32(11), sshString('discovery done'), sshString('')]));
}
