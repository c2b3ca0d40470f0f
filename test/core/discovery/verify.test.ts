import { test } from 'node:test';
import assert from 'node:assert/strict';
import { VerifyError, verifySsh } from '../../../source/core/discovery/verify.js';
import ssh2 from 'ssh2';
import { keySwapProxy } from '../ssh/key-swap-proxy.js';
import { sshServer, tcpServer, type KeySpec } from './ssh-test-server.js';

const kexCases: [KeySpec, string | undefined][] = [
  [['ed25519'], undefined],
  [['ed25519'], 'curve25519-sha256@libssh.org'],
  [['ecdsa', 256], 'ecdh-sha2-nistp256'],
  [['ecdsa', 384], 'ecdh-sha2-nistp384'],
  [['ecdsa', 521], 'ecdh-sha2-nistp521'],
  [['rsa', 2048], 'diffie-hellman-group14-sha256'],
  [['ed25519'], 'diffie-hellman-group16-sha512'],
  [['ed25519'], 'diffie-hellman-group14-sha1'],
];

for (const [key, kex] of kexCases) {
  test(`reads the ${key.join('-')} host key over ${kex ?? 'the default key exchange'} without logging in`, async () => {
    const server = await sshServer(key, kex ? [kex] : undefined);
    try {
      let connected = false;
      const identity = await verifySsh({ address: '127.0.0.1', port: server.port }, { timeoutMs: 5000, onConnected: () => (connected = true) });
      assert.equal(identity.fingerprint, server.fingerprint);
      assert.match(identity.banner, /^SSH-2\.0-ssh2js/);
      assert.equal(identity.hostKeyType, key[0] === 'ed25519' ? 'ssh-ed25519' : key[0] === 'rsa' ? 'ssh-rsa' : `ecdsa-sha2-nistp${key[1]}`);
      assert.ok(connected);
    } finally {
      await server.close();
    }
  });
}

async function failure(promise: Promise<unknown>): Promise<VerifyError> {
  const error = await promise.then(
    () => assert.fail('expected a failure'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof VerifyError, String(error));
  return error;
}

test('a closed port is "refused" (something is there, no SSH)', async () => {
  const server = await tcpServer(() => {});
  const { port } = server;
  await server.close();
  const error = await failure(verifySsh({ address: '127.0.0.1', port }, { timeoutMs: 5000 }));
  assert.equal(error.kind, 'refused');
  assert.match(error.message, /^127\.0\.0\.1 port \d+: connection refused$/);
});

test('a web server on the port is "not-ssh"', async () => {
  const server = await tcpServer((socket) => socket.end('HTTP/1.1 400 Bad Request\r\n\r\n'));
  try {
    const error = await failure(verifySsh({ address: '127.0.0.1', port: server.port }, { timeoutMs: 5000 }));
    assert.equal(error.kind, 'not-ssh');
  } finally {
    await server.close();
  }
});

test('an SSH greeting followed by garbage fails the handshake, with the reason', async () => {
  const server = await tcpServer((socket) => socket.write('SSH-2.0-Broken\r\n\x00\x00\x00\x05\x00garbage-garbage'));
  try {
    const error = await failure(verifySsh({ address: '127.0.0.1', port: server.port }, { timeoutMs: 5000 }));
    assert.equal(error.kind, 'handshake');
    assert.match(error.message, /bad SSH packet|unexpected SSH message|padding/);
  } finally {
    await server.close();
  }
});

test('a silent server times out; an abort stops a verification at once', async () => {
  const server = await tcpServer(() => {});
  try {
    const slow = await failure(verifySsh({ address: '127.0.0.1', port: server.port }, { timeoutMs: 150 }));
    assert.equal(slow.kind, 'timeout');
    const controller = new AbortController();
    const started = performance.now();
    const pending = verifySsh({ address: '127.0.0.1', port: server.port }, { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    const aborted = await failure(pending);
    assert.equal(aborted.kind, 'aborted');
    assert.ok(performance.now() - started < 1000);
  } finally {
    await server.close();
  }
});

test('a banner carrying terminal escapes (ESC ]52 writes the clipboard) is shown without them', async () => {
  const server = await sshServer(['ed25519'], undefined, 'OpenSSH_9.6\u001b]52;c;cm0gLXJmIH4K\u0007\u001b[2J');
  try {
    const identity = await verifySsh({ address: '127.0.0.1', port: server.port }, { timeoutMs: 5000 });
    assert.equal(identity.fingerprint, server.fingerprint);
    assert.equal(identity.banner, 'SSH-2.0-OpenSSH_9.6');
  } finally {
    await server.close();
  }
});

test('a relay that shows another machine’s public key fails the signature check (the key is never reported)', async () => {
  const server = await sshServer(['ed25519']);
  const other = ssh2.utils.generateKeyPairSync('ed25519');
  const proxy = await keySwapProxy(server.port, Buffer.from(other.public.split(' ')[1]!, 'base64'));
  try {
    const error = await failure(verifySsh({ address: '127.0.0.1', port: proxy.port }, { timeoutMs: 5000 }));
    assert.match(error.message, /signature does not verify/);
  } finally {
    await proxy.close();
    await server.close();
  }
});
