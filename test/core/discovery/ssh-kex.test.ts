import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPrivateKey, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import {
  WireReader,
  buildKexInit,
  decodePackets,
  encodePacket,
  negotiate,
  parseKexInit,
  sshMpint,
  sshString,
  verifyHostSignature,
} from '../../../source/core/discovery/ssh-kex.js';

test('mpint encoding follows RFC 4251: no leading zeros, a zero byte before a high bit, empty for 0', () => {
  assert.equal(sshMpint(Buffer.from([0, 0, 0x12, 0x34])).toString('hex'), '000000021234');
  assert.equal(sshMpint(Buffer.from([0x80, 0])).toString('hex'), '00000003008000');
  assert.equal(sshMpint(Buffer.from([0, 0])).toString('hex'), '00000000');
  assert.deepEqual(new WireReader(sshMpint(Buffer.from([0x80, 1]))).mpint(), Buffer.from([0x80, 1]));
});

test('packets round-trip, padded to 8-byte blocks with at least 4 bytes of padding', () => {
  for (const size of [0, 1, 3, 4, 11, 100]) {
    const payload = randomBytes(size);
    const packet = encodePacket(payload);
    assert.equal(packet.length % 8, 0);
    assert.ok(packet[4]! >= 4);
    const { payloads, rest } = decodePackets(Buffer.concat([packet, packet.subarray(0, 3)]));
    assert.deepEqual(payloads, [payload]);
    assert.equal(rest.length, 3, 'an incomplete packet waits for more bytes');
  }
  assert.throws(() => decodePackets(Buffer.from('HTTP/1.1 400 Bad Request\r\n')), /bad SSH packet length/);
});

test('our KEXINIT parses back, and negotiation picks the first of OUR algorithms the server has', () => {
  const ours = parseKexInit(buildKexInit());
  assert.equal(ours.kex[0], 'curve25519-sha256');
  assert.equal(ours.hostKey[0], 'ssh-ed25519');
  assert.deepEqual(
    negotiate({ kex: ['sntrup761x25519-sha512@openssh.com', 'ecdh-sha2-nistp256', 'curve25519-sha256'], hostKey: ['rsa-sha2-256', 'ssh-ed25519'] }),
    {
      kex: 'curve25519-sha256',
      hostKey: 'ssh-ed25519',
    },
  );
  assert.throws(() => negotiate({ kex: ['diffie-hellman-group1-sha1'], hostKey: ['ssh-ed25519'] }), /no common key exchange/);
  assert.throws(() => negotiate({ kex: ['curve25519-sha256'], hostKey: ['ssh-dss'] }), /no common host key type/);
});

function keyBlob(type: string, key: KeyObject): Buffer {
  const jwk = key.export({ format: 'jwk' });
  const b = (s: string | undefined) => Buffer.from(s!, 'base64url');
  if (type === 'ssh-ed25519') return Buffer.concat([sshString(type), sshString(b(jwk.x))]);
  if (type === 'ssh-rsa') return Buffer.concat([sshString(type), sshMpint(b(jwk.e)), sshMpint(b(jwk.n))]);
  const curve = type.slice('ecdsa-sha2-'.length);
  return Buffer.concat([sshString(type), sshString(curve), sshString(Buffer.concat([Buffer.from([4]), b(jwk.x), b(jwk.y)]))]);
}

function signatureBlob(algorithm: string, privateKey: KeyObject, hash: Buffer): Buffer {
  if (algorithm === 'ssh-ed25519') return Buffer.concat([sshString(algorithm), sshString(sign(null, hash, privateKey))]);
  if (algorithm.startsWith('ecdsa')) {
    const bits = algorithm.endsWith('256') ? 256 : algorithm.endsWith('384') ? 384 : 521;
    const rs = sign(bits === 256 ? 'sha256' : bits === 384 ? 'sha384' : 'sha512', hash, { key: privateKey, dsaEncoding: 'ieee-p1363' });
    const half = rs.length / 2;
    return Buffer.concat([sshString(algorithm), sshString(Buffer.concat([sshMpint(rs.subarray(0, half)), sshMpint(rs.subarray(half))]))]);
  }
  const digest = { 'rsa-sha2-512': 'sha512', 'rsa-sha2-256': 'sha256', 'ssh-rsa': 'sha1' }[algorithm]!;
  return Buffer.concat([sshString(algorithm), sshString(sign(digest, hash, privateKey))]);
}

const cases: [string, string, () => { privateKey: KeyObject; publicKey: KeyObject }][] = [
  ['ssh-ed25519', 'ssh-ed25519', () => generateKeyPairSync('ed25519')],
  ['ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp256', () => generateKeyPairSync('ec', { namedCurve: 'P-256' })],
  ['ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp384', () => generateKeyPairSync('ec', { namedCurve: 'P-384' })],
  ['ecdsa-sha2-nistp521', 'ecdsa-sha2-nistp521', () => generateKeyPairSync('ec', { namedCurve: 'P-521' })],
  ['ssh-rsa', 'rsa-sha2-512', () => generateKeyPairSync('rsa', { modulusLength: 2048 })],
  ['ssh-rsa', 'rsa-sha2-256', () => generateKeyPairSync('rsa', { modulusLength: 2048 })],
];

for (const [type, algorithm, make] of cases) {
  test(`${algorithm} signatures over the exchange hash verify, and a tampered one does not`, () => {
    const { privateKey, publicKey } = make();
    const hash = randomBytes(32);
    const blob = keyBlob(type, publicKey);
    const signature = signatureBlob(algorithm, createPrivateKey(privateKey.export({ format: 'pem', type: 'pkcs8' })), hash);
    assert.equal(verifyHostSignature(blob, signature, hash, algorithm), true);
    const otherHash = Buffer.from(hash);
    otherHash[0] = otherHash[0]! ^ 1;
    assert.equal(verifyHostSignature(blob, signature, otherHash, algorithm), false);
    const otherKey = keyBlob(type, make().publicKey);
    assert.equal(verifyHostSignature(otherKey, signature, hash, algorithm), false);
  });
}

test('the signature is bound to the negotiated host key algorithm: no SHA-1 downgrade, no other key type', () => {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const hash = randomBytes(32);
  const blob = keyBlob('ssh-rsa', rsa.publicKey);
  const sha1 = signatureBlob('ssh-rsa', createPrivateKey(rsa.privateKey.export({ format: 'pem', type: 'pkcs8' })), hash);
  assert.equal(verifyHostSignature(blob, sha1, hash, 'ssh-rsa'), true, 'ssh-rsa when ssh-rsa was negotiated');
  assert.equal(verifyHostSignature(blob, sha1, hash, 'rsa-sha2-512'), false, 'a valid SHA-1 signature after rsa-sha2-512 was negotiated');
  const ed = generateKeyPairSync('ed25519');
  const edBlob = keyBlob('ssh-ed25519', ed.publicKey);
  const edSignature = signatureBlob('ssh-ed25519', ed.privateKey, hash);
  assert.equal(verifyHostSignature(edBlob, edSignature, hash, 'ssh-ed25519'), true);
  assert.equal(verifyHostSignature(edBlob, edSignature, hash, 'ecdsa-sha2-nistp256'), false, 'an ed25519 key after ECDSA was negotiated');
});
