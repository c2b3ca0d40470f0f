// Copy mode: the local `nix copy` runs OpenSSH itself. Its options are checked with the real ssh
// against a real sshd (loopback-sshd.ts, root): the pinned key passes, any other key is refused.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BootstrapError, ExitCode } from '../../../source/core/exit-codes.js';
import { nixCopyAccess } from '../../../source/core/install/nix-copy-access.js';
import type { RunOptions } from '../../../source/core/install/runner.js';
import { plan } from '../../../source/core/plan/plan.js';
import { connect, type SshSession } from '../../../source/core/ssh/session.js';
import { startInstall } from '../../../source/ui/run/install-session.js';
import { realServices } from '../../../source/ui/services.js';
import { makeKey, startLoopbackSshd, type LoopbackSshd } from '../ssh/loopback-sshd.js';
import { choices, facts } from '../plan/fixtures.js';

const work = mkdtempSync(join(tmpdir(), 'nb-copy-'));
const savedStateHome = process.env.XDG_STATE_HOME;
let sshd: LoopbackSshd;
let session: SshSession;
before(async () => {
  process.env.XDG_STATE_HOME = join(work, 'state'); // the wizard's journal goes here
  sshd = await startLoopbackSshd();
  session = await connect(
    { host: '127.0.0.1', port: sshd.port, user: 'root' },
    { agentSocket: '', defaultIdentities: false, env: {}, knownHostsFile: join(work, 'known_hosts'), identityFiles: [sshd.clientKeyFile] },
  );
});
after(async () => {
  if (savedStateHome === undefined) delete process.env.XDG_STATE_HOME;
  else process.env.XDG_STATE_HOME = savedStateHome;
  await session.close();
  await sshd.stop();
  rmSync(work, { recursive: true, force: true });
});

/** What `nix copy` does with NIX_SSHOPTS: `ssh $NIX_SSHOPTS user@host …`. */
const sshWith = (env: Record<string, string>) =>
  spawnSync('ssh', [...env.NIX_SSHOPTS!.split(' '), 'root@127.0.0.1', 'echo through'], { encoding: 'utf8', env: { PATH: process.env.PATH, HOME: work } });

test('nix copy’s ssh trusts exactly the pinned key, logs in with the session’s key, and nothing else', async () => {
  const access = await nixCopyAccess(session);
  try {
    assert.equal(access.env.NIX_STORE_URI, 'ssh://root@127.0.0.1?remote-store=local?root=/mnt');
    assert.match(access.env.NIX_SSHOPTS!, new RegExp(`^-p ${sshd.port} .*StrictHostKeyChecking=yes.*-i ${sshd.clientKeyFile} -o IdentitiesOnly=yes$`));
    const ok = sshWith(access.env);
    assert.equal(ok.status, 0, ok.stderr);
    assert.equal(ok.stdout, 'through\n');
    // the same address now answered by another key: refused before any login
    await sshd.restart({ hostKeyFile: makeKey(sshd.dir, 'impostor') });
    const refused = sshWith(access.env);
    assert.notEqual(refused.status, 0);
    assert.match(refused.stderr, /REMOTE HOST IDENTIFICATION HAS CHANGED|Host key verification failed/);
  } finally {
    const file = /UserKnownHostsFile=(\S+)/.exec(access.env.NIX_SSHOPTS!)![1]!;
    assert.match(readFileSync(file, 'utf8'), /^nixos-bootstrap-installer ssh-ed25519 /);
    await access.dispose();
    assert.ok(!existsSync(file), 'the known_hosts file is removed');
  }
});

test('a session that logged in with a password cannot lend it to nix copy: refused (exit 3)', async () => {
  const passwordSession = { ...session, target: session.target, hostKey: session.hostKey, authMethod: 'password' } as unknown as SshSession;
  await assert.rejects(nixCopyAccess(passwordSession), (error: unknown) => {
    assert.ok(error instanceof BootstrapError);
    assert.equal(error.exitCode, ExitCode.refused);
    assert.match(error.message, /a password is never handed to it/);
    return true;
  });
});

test('the wizard’s copy-mode run gets the same store URI and pinned ssh options as install (it used to get none)', async () => {
  const seen: RunOptions[] = [];
  const copyPlan = plan(facts(), choices({ install: { mode: 'copy', repoPath: '/mnt/nix-config' } }));
  const handle = await startInstall({
    plan: copyPlan,
    session,
    target: session.target,
    secrets: {},
    logPath: join(work, 'copy.log'),
    services: {
      ...realServices,
      runPlan: async (options) => (seen.push(options), { status: 'done' }),
    },
  });
  await handle.outcome;
  assert.equal(seen[0]!.localEnv?.NIX_STORE_URI, 'ssh://root@127.0.0.1?remote-store=local?root=/mnt');
  assert.match(seen[0]!.localEnv?.NIX_SSHOPTS ?? '', /StrictHostKeyChecking=yes/);
});
