// The SSH session against a real OpenSSH server on 127.0.0.1 (see loopback-sshd.ts; root needed).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BootstrapError, ExitCode } from '../../../source/core/exit-codes.js';
import { AuthFailedError, ConnectionLostError, HostKeyMismatchError } from '../../../source/core/ssh/errors.js';
import { connect, scanHostKey, type ConnectOptions, type SessionEvent } from '../../../source/core/ssh/session.js';
import type { Target } from '../../../source/core/ssh/types.js';
import { keySwapProxy } from './key-swap-proxy.js';
import { makeKey, startLoopbackSshd, type LoopbackSshd } from './loopback-sshd.js';

const work = mkdtempSync(join(tmpdir(), 'nb-session-'));
after(() => rmSync(work, { recursive: true, force: true }));

const isError = (code: ExitCode, pattern: RegExp) => (error: unknown) => {
  assert.ok(error instanceof BootstrapError, `not a BootstrapError: ${error}`);
  assert.equal(error.exitCode, code, error.message);
  assert.match(error.message, pattern);
  return true;
};

let knownHostsCounter = 0;
const freshKnownHosts = () => join(work, `known_hosts.${++knownHostsCounter}`);
const target = (sshd: LoopbackSshd): Target => ({ host: '127.0.0.1', port: sshd.port, user: 'root' });
// Nothing from this machine's user: no agent, no ~/.ssh keys, no XDG dirs.
const isolated = (extra: ConnectOptions = {}): ConnectOptions => ({
  agentSocket: '',
  defaultIdentities: false,
  env: {},
  knownHostsFile: freshKnownHosts(),
  ...extra,
});
const waitUntil = async (what: string, probe: () => boolean, timeoutMs = 5000) => {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

describe('key-authenticated session', () => {
  let sshd: LoopbackSshd;
  /** Logs every userauth-request, to prove none came (its debug lines also reach sessions' stderr). */
  let debugSshd: LoopbackSshd;
  before(async () => {
    sshd = await startLoopbackSshd();
    debugSshd = await startLoopbackSshd({ extraConfig: 'LogLevel DEBUG1' });
  });
  after(async () => {
    await sshd.stop();
    await debugSshd.stop();
  });

  test('connects with -i, pins the fingerprint and records it in the tool’s known_hosts (0600)', async () => {
    const knownHostsFile = join(work, 'cfg', 'nixos-bootstrap', 'known_hosts');
    const events: SessionEvent[] = [];
    const session = await connect(target(sshd), isolated({ identityFiles: [sshd.clientKeyFile], knownHostsFile, onEvent: (e) => events.push(e) }));
    try {
      assert.equal(session.fingerprint, sshd.fingerprint);
      assert.equal(session.authMethod, `key ${sshd.clientKeyFile}`);
      assert.equal(session.hostKey.known.status, 'new');
      assert.equal(session.hostKey.algorithm, 'ssh-ed25519');
      assert.match(session.hostKey.randomArt, /^\+--\[ED25519 256\]--\+/);
      assert.equal(statSync(knownHostsFile).mode & 0o777, 0o600);
      assert.match(readFileSync(knownHostsFile, 'utf8'), new RegExp(`^\\[127\\.0\\.0\\.1\\]:${sshd.port} ssh-ed25519 `));
      assert.deepEqual(
        events.map((e) => e.type),
        ['host-key', 'authenticated', 'host-key-recorded'],
      );
    } finally {
      await session.close();
    }
    // the second time the key is known and nothing is rewritten
    const before = statSync(knownHostsFile).mtimeMs;
    const again = await connect(target(sshd), isolated({ identityFiles: [sshd.clientKeyFile], knownHostsFile }));
    assert.equal(again.hostKey.known.status, 'known');
    await again.close();
    assert.equal(statSync(knownHostsFile).mtimeMs, before);
  });

  test('exec streams lines, feeds stdin then closes it, and returns code, signal and output', async () => {
    const session = await connect(target(sshd), isolated({ identityFiles: [sshd.clientKeyFile] }));
    try {
      const lines: string[] = [];
      const result = await session.exec('echo one; echo two >&2; cat; printf tail; exit 3', {
        stdin: 'from stdin\n',
        onLines: (stream, batch) => lines.push(...batch.map((line) => `${stream}:${line}`)),
      });
      assert.equal(result.code, 3);
      assert.equal(result.stdout, 'one\nfrom stdin\ntail');
      assert.equal(result.stderr, 'two\n', 'the PID report never shows');
      assert.deepEqual(
        lines.filter((l) => l.startsWith('stdout')),
        ['stdout:one', 'stdout:from stdin', 'stdout:tail'],
      );
      assert.deepEqual(
        lines.filter((l) => l.startsWith('stderr')),
        ['stderr:two'],
      );
      // without stdin the command sees EOF at once instead of hanging
      assert.equal((await session.exec('cat; echo done')).stdout, 'done\n');
      const killed = await session.exec('kill -TERM $$');
      assert.equal(killed.code, null);
      assert.equal(killed.signal, 'SIGTERM');
      // several commands at once share the one connection
      const many = await Promise.all([1, 2, 3, 4].map((n) => session.exec(`echo ${n}`)));
      assert.deepEqual(
        many.map((r) => r.stdout),
        ['1\n', '2\n', '3\n', '4\n'],
      );
    } finally {
      await session.close();
    }
    await assert.rejects(session.exec('true'), isError(ExitCode.phaseFailed, /session to .* is closed/));
  });

  test('aborting a command kills its remote process group (root sessions refuse signal requests)', async () => {
    const session = await connect(target(sshd), isolated({ identityFiles: [sshd.clientKeyFile] }));
    try {
      const marker = `nb-abort-${process.pid}-${Date.now()}`;
      const controller = new AbortController();
      const running = session.exec(`sh -c 'sleep 120; echo ${marker}' & wait`, { signal: controller.signal });
      // `[n]b-…` matches the remote command line but not this pgrep's own shell
      const remote = () => execFileSync('sh', ['-c', `pgrep -f '[${marker[0]}]${marker.slice(1)}' || true`], { encoding: 'utf8' }).trim();
      await waitUntil('the remote command', () => remote() !== '');
      controller.abort();
      await assert.rejects(running, isError(ExitCode.aborted, /aborted: .*sleep 120/));
      assert.equal(
        remote(),
        '',
        `remote processes are gone once exec rejects: ${execFileSync('sh', ['-c', `ps -eo pid,ppid,pgid,stat,cmd | grep '[${marker[0]}]${marker.slice(1)}' || true`], { encoding: 'utf8' })}`,
      );
      await assert.rejects(session.exec('true', { signal: AbortSignal.abort() }), isError(ExitCode.aborted, /aborted/));
      assert.equal((await session.exec('echo still usable')).stdout, 'still usable\n');
    } finally {
      await session.close();
    }
  });

  test('a dropped connection is re-opened before the next command; the command it cut fails clearly', async () => {
    const events: SessionEvent[] = [];
    const session = await connect(target(sshd), isolated({ identityFiles: [sshd.clientKeyFile], onEvent: (e) => events.push(e) }));
    try {
      const cut = session.exec('sleep 30');
      await new Promise((resolve) => setTimeout(resolve, 300));
      sshd.dropConnections();
      await assert.rejects(cut, (error: unknown) => {
        assert.ok(error instanceof ConnectionLostError);
        assert.equal(error.exitCode, ExitCode.unreachable);
        assert.match(error.message, /lost while running 'sleep 30' \(its outcome on the target is unknown\)/);
        return true;
      });
      assert.equal((await session.exec('echo back')).stdout, 'back\n');
      assert.deepEqual(
        events.map((e) => e.type).filter((t) => t !== 'authenticated'),
        ['host-key', 'host-key-recorded', 'disconnected', 'reconnecting', 'reconnected'],
      );
    } finally {
      await session.close();
    }
  });

  test('Ctrl-C while the session is reconnecting ends the wait within a second (the reconnect would take up to a minute)', async () => {
    const gone = await startLoopbackSshd();
    const session = await connect(target(gone), isolated({ identityFiles: [gone.clientKeyFile], reconnectTimeoutMs: 30_000 }));
    try {
      await gone.stop(); // the installer's sshd is gone: every reconnect attempt fails
      await waitUntil('the drop', () => !session.connected);
      const controller = new AbortController();
      const started = Date.now();
      const waiting = session.exec('true', { startSignal: controller.signal });
      setTimeout(() => controller.abort(), 200);
      await assert.rejects(waiting, isError(ExitCode.aborted, /aborted/));
      assert.ok(Date.now() - started < 1200, `took ${Date.now() - started} ms`);
    } finally {
      await session.close();
    }
  });

  test('a reconnect that meets another host key stops the session (exit 3, both fingerprints, nothing sent)', async () => {
    const session = await connect(target(debugSshd), isolated({ identityFiles: [debugSshd.clientKeyFile] }));
    const pinned = session.fingerprint;
    const original = debugSshd.hostKeyFile;
    try {
      await debugSshd.restart({ hostKeyFile: makeKey(debugSshd.dir, `impostor-${Date.now()}`) });
      const impostor = debugSshd.fingerprint;
      assert.notEqual(impostor, pinned);
      await assert.rejects(session.exec('touch /tmp/should-not-exist'), (error: unknown) => {
        assert.ok(error instanceof HostKeyMismatchError);
        assert.equal(error.exitCode, ExitCode.refused);
        assert.ok(error.message.includes(pinned) && error.message.includes(impostor), error.message);
        return true;
      });
      assert.doesNotMatch(debugSshd.log(), /userauth-request|Accepted/, 'no authentication reached the impostor');
      // the session stays stopped, even when the right host comes back
      await debugSshd.restart({ hostKeyFile: original });
      await assert.rejects(session.exec('true'), (error: unknown) => error instanceof HostKeyMismatchError);
    } finally {
      await session.close();
      if (debugSshd.hostKeyFile !== original) await debugSshd.restart({ hostKeyFile: original });
    }
  });

  test('--expect-fingerprint: a match connects, a mismatch is exit 3 naming both, before any authentication', async () => {
    const ok = await connect(target(debugSshd), isolated({ identityFiles: [debugSshd.clientKeyFile], expectFingerprint: debugSshd.fingerprint }));
    assert.equal(ok.hostKey.matchesExpected, true);
    await ok.close();

    const other = execFileSync('ssh-keygen', ['-l', '-f', `${makeKey(work, `other-${Date.now()}`)}.pub`], { encoding: 'utf8' }).split(' ')[1]!;
    await debugSshd.restart(); // fresh log
    await assert.rejects(
      connect(target(debugSshd), isolated({ identityFiles: [debugSshd.clientKeyFile], expectFingerprint: other })),
      isError(
        ExitCode.refused,
        new RegExp(`expected ${other.replace(/[+/]/g, '\\$&')}, got ${debugSshd.fingerprint.replace(/[+/]/g, '\\$&')}.*nothing was sent`),
      ),
    );
    assert.doesNotMatch(debugSshd.log(), /userauth-request/);
    await assert.rejects(connect(target(debugSshd), isolated({ expectFingerprint: 'MD5:aa:bb' })), isError(ExitCode.usage, /MD5/));
    await assert.rejects(connect(target(debugSshd), isolated({ expectFingerprint: 'SHA256:short' })), isError(ExitCode.usage, /bad fingerprint/));
  });

  test('known_hosts says otherwise: refused without a callback; the callback decides and the entry is replaced', async () => {
    const knownHostsFile = freshKnownHosts();
    const oldKey = makeKey(work, `old-${Date.now()}`);
    const [type, base64] = readFileSync(`${oldKey}.pub`, 'utf8').split(' ');
    writeFileSync(knownHostsFile, `[127.0.0.1]:${sshd.port} ${type} ${base64}\n`, { mode: 0o600 });
    await assert.rejects(
      connect(target(sshd), isolated({ identityFiles: [sshd.clientKeyFile], knownHostsFile })),
      isError(ExitCode.refused, /host key mismatch .*differs from/),
    );
    await assert.rejects(
      connect(target(sshd), isolated({ identityFiles: [sshd.clientKeyFile], knownHostsFile, onHostKey: () => false })),
      isError(ExitCode.refused, /not accepted: declined/),
    );
    let seen: string | undefined;
    const session = await connect(
      target(sshd),
      isolated({
        identityFiles: [sshd.clientKeyFile],
        knownHostsFile,
        onHostKey: async (info) => {
          seen = info.known.status;
          await new Promise((resolve) => setTimeout(resolve, 50)); // a person reading the screen
          return true;
        },
      }),
    );
    await session.close();
    assert.equal(seen, 'changed');
    const text = readFileSync(knownHostsFile, 'utf8');
    assert.equal(text.trim().split('\n').length, 1);
    assert.ok(!text.includes(base64!.trim()), 'old key gone');
  });

  test('scanHostKey shows the key without authenticating', async () => {
    await debugSshd.restart();
    const info = await scanHostKey(target(debugSshd), { knownHostsFile: freshKnownHosts() });
    assert.equal(info.fingerprint, debugSshd.fingerprint);
    assert.equal(info.known.status, 'new');
    assert.match(info.pairingCode, /^\S{4} \S{4}$/);
    assert.match(info.consoleCommand, /ssh-keygen -lv/);
    assert.doesNotMatch(debugSshd.log(), /userauth-request/);
  });

  test('scanHostKey reports a key only once the server proved it holds it: a relay showing another key is refused', async () => {
    const real = makeKey(work, `real-installer-${Date.now()}`);
    const stolen = Buffer.from(readFileSync(`${real}.pub`, 'utf8').split(' ')[1]!, 'base64');
    const own = Buffer.from(readFileSync(`${sshd.hostKeyFile}.pub`, 'utf8').split(' ')[1]!, 'base64');
    const impostor = await keySwapProxy(sshd.port, stolen);
    const honest = await keySwapProxy(sshd.port, own);
    try {
      const via = (port: number) => scanHostKey({ host: '127.0.0.1', port, user: 'root' }, { knownHostsFile: freshKnownHosts() });
      await assert.rejects(via(impostor.port), isError(ExitCode.refused, /sent host key SHA256:\S+ but could not prove it holds it/));
      assert.equal((await via(honest.port)).fingerprint, sshd.fingerprint, 'the relay itself is transparent');
    } finally {
      await impostor.close();
      await honest.close();
    }
  });

  test('auth failure is exit 4 naming the methods tried and what the server accepts', async () => {
    const stranger = makeKey(work, `stranger-${Date.now()}`);
    await assert.rejects(connect(target(sshd), isolated({ identityFiles: [stranger] })), (error: unknown) => {
      assert.ok(error instanceof AuthFailedError);
      assert.equal(error.exitCode, ExitCode.unreachable);
      assert.match(
        error.message,
        new RegExp(`authentication failed for root@127\\.0\\.0\\.1:${sshd.port} \\(tried: key ${stranger}; server accepts publickey\\)`),
      );
      return true;
    });
    await assert.rejects(connect(target(sshd), isolated()), isError(ExitCode.unreachable, /tried: no usable method/));
    await assert.rejects(connect(target(sshd), isolated({ identityFiles: [join(work, 'nope')] })), isError(ExitCode.usage, /cannot read identity file/));
    const encrypted = join(work, `encrypted-${Date.now()}`);
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'passphrase', '-f', encrypted]);
    await assert.rejects(connect(target(sshd), isolated({ identityFiles: [encrypted] })), isError(ExitCode.usage, /is encrypted/));
  });

  test('default identities come from ~/.ssh; an encrypted one is named as skipped', async () => {
    const home = mkdtempSync(join(work, 'home-'));
    execFileSync('mkdir', ['-m', '700', join(home, '.ssh')]);
    execFileSync('cp', [sshd.clientKeyFile, join(home, '.ssh', 'id_ecdsa')]); // an ed25519 key under another default name
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'pw', '-f', join(home, '.ssh', 'id_ed25519')]);
    const session = await connect(target(sshd), isolated({ defaultIdentities: true, home }));
    assert.equal(session.authMethod, 'key ~/.ssh/id_ecdsa');
    await session.close();
    execFileSync('rm', [join(home, '.ssh', 'id_ecdsa')]);
    await assert.rejects(
      connect(target(sshd), isolated({ defaultIdentities: true, home })),
      isError(ExitCode.unreachable, /tried: key ~\/\.ssh\/id_ed25519 \(encrypted: use ssh-agent\)/),
    );
  });

  test('ssh-agent (SSH_AUTH_SOCK) authenticates', async () => {
    const socket = join(work, `agent-${Date.now()}.sock`);
    const agent = spawn('ssh-agent', ['-D', '-a', socket], { stdio: 'ignore' });
    try {
      await waitUntil('ssh-agent socket', () => existsSync(socket));
      execFileSync('ssh-add', [sshd.clientKeyFile], { env: { SSH_AUTH_SOCK: socket }, stdio: 'ignore' });
      const session = await connect(target(sshd), { ...isolated({ env: { SSH_AUTH_SOCK: socket } }), agentSocket: undefined });
      assert.equal(session.authMethod, 'agent');
      assert.equal((await session.exec('echo via agent')).stdout, 'via agent\n');
      await session.close();
    } finally {
      agent.kill();
    }
  });
});

describe('password-authenticated session', () => {
  const password = 'correct horse battery';
  let sshd: LoopbackSshd;
  before(async () => {
    sshd = await startLoopbackSshd({ password });
  });
  after(() => sshd.stop());

  test('SSH_PASS with envPassword authenticates; the password is reused on reconnect', async () => {
    const session = await connect(target(sshd), isolated({ envPassword: true, env: { SSH_PASS: password } }));
    try {
      assert.equal(session.authMethod, 'password');
      sshd.dropConnections();
      await waitUntil('the drop', () => !session.connected);
      assert.equal((await session.exec('echo again')).stdout, 'again\n');
    } finally {
      await session.close();
    }
  });

  test('envPassword without SSH_PASS is a usage error', async () => {
    await assert.rejects(connect(target(sshd), isolated({ envPassword: true, env: {} })), isError(ExitCode.usage, /SSH_PASS/));
  });

  test('a wrong password is exit 4 naming the methods, never the password', async () => {
    const wrong = 'not-the-password-1234';
    await assert.rejects(connect(target(sshd), isolated({ envPassword: true, env: { SSH_PASS: wrong } })), (error: unknown) => {
      assert.ok(error instanceof AuthFailedError);
      assert.equal(error.exitCode, ExitCode.unreachable);
      assert.match(error.message, /tried: password; server accepts publickey, password/);
      assert.ok(!JSON.stringify({ m: error.message, h: error.hint, s: error.stack }).includes(wrong));
      return true;
    });
  });

  test('the prompt is asked again after a wrong answer, and not asked for a key-only server', async () => {
    const asked: number[] = [];
    const answers = ['wrong', password];
    const session = await connect(
      target(sshd),
      isolated({ passwordPrompt: async ({ attempt }) => (asked.push(attempt), answers.shift()), connectTimeoutMs: 5000 }),
    );
    assert.deepEqual(asked, [1, 2]);
    assert.equal(session.authMethod, 'password (attempt 2)');
    await session.close();
    const keyOnly = await startLoopbackSshd();
    try {
      let prompted = false;
      await assert.rejects(
        connect(target(keyOnly), isolated({ passwordPrompt: async () => ((prompted = true), password) })),
        isError(ExitCode.unreachable, /authentication failed/),
      );
      assert.equal(prompted, false);
    } finally {
      await keyOnly.stop();
    }
  });
});

describe('unreachable targets', () => {
  test('a closed port is exit 4 "connection refused"', async () => {
    const server = createServer();
    const port = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)));
    await new Promise((resolve) => server.close(resolve));
    await assert.rejects(
      connect({ host: '127.0.0.1', port, user: 'root' }, isolated()),
      isError(ExitCode.unreachable, /connection refused by root@127\.0\.0\.1:\d+/),
    );
  });

  test('a server that never speaks SSH is exit 4 after the connect timeout', async () => {
    const silent: Server = createServer(() => {});
    const port = await new Promise<number>((resolve) => silent.listen(0, '127.0.0.1', () => resolve((silent.address() as { port: number }).port)));
    try {
      const started = Date.now();
      await assert.rejects(
        connect({ host: '127.0.0.1', port, user: 'root' }, isolated({ connectTimeoutMs: 400 })),
        isError(ExitCode.unreachable, /timed out after 0\.4 s connecting to root@127\.0\.0\.1/),
      );
      assert.ok(Date.now() - started < 3000);
    } finally {
      silent.close();
    }
  });

  test('an unknown interface in the zone is exit 4, and aborting a connect is exit 130', async () => {
    await assert.rejects(
      connect({ host: 'fe80::47', interface: 'nb-no-such0', port: 22, user: 'root' }, isolated({ connectTimeoutMs: 2000 })),
      isError(ExitCode.unreachable, /fe80::47%nb-no-such0/),
    );
    const silent: Server = createServer(() => {});
    const port = await new Promise<number>((resolve) => silent.listen(0, '127.0.0.1', () => resolve((silent.address() as { port: number }).port)));
    try {
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 100);
      await assert.rejects(
        connect({ host: '127.0.0.1', port, user: 'root' }, isolated({ signal: controller.signal })),
        isError(ExitCode.aborted, /aborted: connecting/),
      );
    } finally {
      silent.close();
    }
  });
});
