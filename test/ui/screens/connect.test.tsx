// The Connect screen against a real OpenSSH server on 127.0.0.1: host key shown before any
// login, pinned login with a key or a typed password, refusal on a mismatch. Only the probe is
// faked (it would read this machine's disks): it returns facts recorded from a real laptop.
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, scanHostKey } from '../../../source/core/ssh/session.js';
import type { Session } from '../../../source/core/ssh/types.js';
import type { WizardServices } from '../../../source/ui/services.js';
import { startLoopbackSshd, type LoopbackSshd } from '../../core/ssh/loopback-sshd.js';
import { FakeDiscovery, candidate, fixtureFacts } from '../helpers/fakes.js';
import { keys, mountWizard } from '../helpers/wizard.js';

const work = mkdtempSync(join(tmpdir(), 'nb-ui-connect-'));
let counter = 0;
let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});
after(() => rmSync(work, { recursive: true, force: true }));

/** The real SSH calls, kept away from this machine's agent, keys and known_hosts. */
function realSsh(knownHostsFile: string, probed: Session[] = []): Partial<WizardServices> {
  return {
    scanHostKey: (target, options) => scanHostKey(target, { ...options, knownHostsFile }),
    connect: (target, options) => connect(target, { ...options, agentSocket: '', defaultIdentities: false, env: { SSH_PASS: 'unused' }, knownHostsFile }),
    probe: async (session) => {
      const check = await session.exec('echo probe-ran-over-ssh');
      assert.equal(check.stdout.trim(), 'probe-ran-over-ssh');
      probed.push(session);
      return fixtureFacts('laptop-windows-nvme-sata-usb');
    },
  };
}

describe('with a key-only sshd', () => {
  let sshd: LoopbackSshd;
  before(async () => {
    sshd = await startLoopbackSshd();
  });
  after(async () => {
    await sshd.stop();
  });

  test('an installer holding the key of an image made on this laptop is marked verified at first contact', async () => {
    const dir = join(work, 'image-laptop');
    mkdirSync(dir, { recursive: true });
    const image = { name: 'bootstrap', fingerprint: sshd.fingerprint, publicKey: 'ssh-ed25519 AAAA', created: '2026-12-02T17:00:00.000Z', dir: '/x' };
    writeFileSync(join(dir, 'installer-images.json'), JSON.stringify([image]));
    const ui = mountWizard({ argv: [`root@127.0.0.1:${sshd.port}`, '-i', sshd.clientKeyFile], services: realSsh(join(dir, 'known_hosts')) });
    cleanup = ui.cleanup;
    const frame = await ui.waitFor('Is this the installer you mean?');
    assert.match(frame, /verified: the key of the installer image bootstrap made on this laptop \(2026-12-02\)/);
    assert.doesNotMatch(frame, /first time this tool sees/);
  });

  test('shows the host key (fingerprint, pairing code, randomart) before logging in; y logs in, probes, and goes to Disk', async () => {
    const knownHosts = join(work, `known_hosts.${++counter}`);
    const probed: Session[] = [];
    const ui = mountWizard({ argv: [`root@127.0.0.1:${sshd.port}`, '-i', sshd.clientKeyFile], services: realSsh(knownHosts, probed) });
    cleanup = ui.cleanup;
    const frame = await ui.waitFor('Is this the installer you mean?');
    assert.match(frame, new RegExp(`Host key ED25519 256 ${sshd.fingerprint.replace(/[+/]/g, '\\$&')}`));
    const code = sshd.fingerprint.slice('SHA256:'.length, 'SHA256:'.length + 8);
    assert.ok(frame.includes(`${code.slice(0, 4)} ${code.slice(4)}`), 'pairing code shown');
    assert.match(frame, /\+--\[ED25519 256\]--\+/);
    assert.match(frame, /ssh-keygen -lv -f \/etc\/ssh\/ssh_host_ed25519_key\.pub/);
    assert.match(frame, /first time this tool sees/);
    assert.equal(existsSync(knownHosts), false, 'nothing recorded before the person agreed');
    assert.doesNotMatch(sshd.log(), /Accepted publickey/);
    await ui.press('y');
    const disk = await ui.waitFor('Which disk gets NixOS?');
    assert.match(disk, /nvme0n1/);
    assert.equal(probed.length, 1);
    assert.equal(probed[0]!.fingerprint, sshd.fingerprint, 'the session is pinned to the key that was shown');
    assert.match(readFileSync(knownHosts, 'utf8'), /\[127\.0\.0\.1\]:\d+ ssh-ed25519 /);
    assert.equal(ui.runtime.session, probed[0], 'the session stays open for the run');
  });

  test('Esc and n go back to Discover; Esc from a later screen comes back to a pinned session without asking again', async () => {
    const knownHosts = join(work, `known_hosts.${++counter}`);
    const fakes: FakeDiscovery[] = [];
    const listed = candidate(1, { addresses: [{ address: '127.0.0.1', via: 'manual' }], port: sshd.port, fingerprint: sshd.fingerprint });
    const ui = mountWizard({
      argv: ['-i', sshd.clientKeyFile],
      services: {
        ...realSsh(knownHosts),
        discover: async () => {
          fakes.push(new FakeDiscovery());
          return fakes.at(-1)!.handle;
        },
      },
    });
    cleanup = ui.cleanup;
    await ui.waitFor((frame) => frame.includes('Searching') && fakes.length === 1);
    fakes[0]!.add(listed);
    await ui.waitFor('bootstrap.local');
    await ui.press(keys.enter);
    await ui.waitFor('Is this the installer you mean?');
    await ui.press('n');
    await ui.waitFor((frame) => fakes.length === 2 && frame.includes('Searching'));
    fakes[1]!.add(listed);
    await ui.waitFor('bootstrap.local');
    await ui.press(keys.enter);
    await ui.waitFor('Is this the installer you mean?');
    await ui.press(keys.enter);
    await ui.waitFor('Which disk gets NixOS?');
    const session = ui.runtime.session;
    await ui.press(keys.escape);
    await ui.waitFor('Logged in; host key');
    assert.equal(ui.runtime.session, session, 'going back keeps the session');
    await ui.press(keys.enter);
    await ui.waitFor('Which disk gets NixOS?');
  });

  test('--expect-fingerprint that matches logs in without asking', async () => {
    const knownHosts = join(work, `known_hosts.${++counter}`);
    const ui = mountWizard({
      argv: [`root@127.0.0.1:${sshd.port}`, '-i', sshd.clientKeyFile, '--expect-fingerprint', sshd.fingerprint],
      services: realSsh(knownHosts),
    });
    cleanup = ui.cleanup;
    const frame = await ui.waitFor('Which disk gets NixOS?');
    assert.doesNotMatch(frame, /Is this the installer/);
  });

  test('a mismatching --expect-fingerprint is refused before any login; q exits 3', async () => {
    const knownHosts = join(work, `known_hosts.${++counter}`);
    const wrong = 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
    const ui = mountWizard({ argv: [`root@127.0.0.1:${sshd.port}`, '-i', sshd.clientKeyFile, '--expect-fingerprint', wrong], services: realSsh(knownHosts) });
    cleanup = ui.cleanup;
    const frame = await ui.waitFor('host key mismatch');
    assert.ok(frame.includes(wrong) && frame.includes(sshd.fingerprint), 'both fingerprints named');
    await ui.press('q');
    const { code, farewell } = await ui.exited;
    assert.equal(code, 3);
    assert.match(farewell ?? '', /host key mismatch/);
    assert.equal(existsSync(knownHosts), false);
  });
});

describe('with a password-only sshd', () => {
  let sshd: LoopbackSshd;
  const password = 'lab-password-1';
  before(async () => {
    sshd = await startLoopbackSshd({ password, extraConfig: 'PubkeyAuthentication no' });
  });
  after(async () => {
    await sshd.stop();
  });

  test('a masked prompt asks for the password; a wrong one asks again; the right one logs in', async () => {
    const knownHosts = join(work, `known_hosts.${++counter}`);
    const ui = mountWizard({ argv: [`root@127.0.0.1:${sshd.port}`], services: realSsh(knownHosts) });
    cleanup = ui.cleanup;
    await ui.waitFor('Is this the installer you mean?');
    await ui.press('y');
    await ui.waitFor("The installer asks for root's password.");
    await ui.type('wrong-one');
    let frame = await ui.waitFor(/Password: •{9}/);
    assert.doesNotMatch(frame, /wrong-one/);
    await ui.press(keys.enter);
    await ui.waitFor('attempt 2; the last one was wrong');
    await ui.type(password);
    frame = await ui.waitFor(new RegExp(`Password: •{${password.length}}`));
    assert.doesNotMatch(frame, new RegExp(password));
    await ui.press(keys.enter);
    await ui.waitFor('Which disk gets NixOS?');
  });
});

test('an unreachable target is a clear error; r retries; q exits 4', async () => {
  const knownHosts = join(work, `known_hosts.${++counter}`);
  const ui = mountWizard({ argv: ['root@127.0.0.1:1'], services: realSsh(knownHosts) });
  cleanup = ui.cleanup;
  await ui.waitFor(/connection refused/i);
  await ui.press('r');
  await ui.waitFor(/connection refused/i);
  await ui.press('q');
  assert.equal((await ui.exited).code, 4);
});
