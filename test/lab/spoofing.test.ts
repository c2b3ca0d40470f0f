// Issue 9, promise 4: a second host answers bootstrap.local with another host key. Discovery
// shows both, with their fingerprints; a pinned session refuses the impostor (exit 3) before
// authenticating, so it is sent no key offer, no password and no secret.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { LabHandle, startLab, stopLab } from './lab-fixture.js';
import { diskDigest } from './disk-digest.js';

const id = 'nbp';
let lab: LabHandle;
const password = 'installer-root-password';
const passphrase = 'a long enough LUKS passphrase';

before(async () => {
  // Two installers on two links, both announcing bootstrap.local; the second is the impostor.
  lab = await startLab({ id, installers: [{ password }, { password }] });
  const setup = await lab.laptop(['bash', '-c', `printf '%s' '${passphrase}' > /root/pass`]);
  assert.equal(setup.exitCode, 0, setup.stderr);
});
after(async () => {
  await stopLab(lab, id);
});

const authRequests = (index: number) =>
  readFileSync(`${lab.installerState(index).dir}/sshd.log`, 'utf8')
    .split('\n')
    .filter((l) => /Accepted|Postponed|Failed (none|password|publickey)|Authentication refused/.test(l));

test('discovery lists both bootstrap.local hosts, each with its own fingerprint', async () => {
  const run = await lab.cli(['discover', '--json', '--timeout', '2']);
  assert.equal(run.exitCode, 0, run.stderr);
  const found = run.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { names: string[]; fingerprint: string });
  const byFingerprint = new Map(found.map((c) => [c.fingerprint, c.names]));
  for (const index of [1, 2]) {
    assert.deepEqual(byFingerprint.get(lab.installerState(index).hostKeyFingerprint), ['bootstrap.local'], `installer ${index} missing or misnamed`);
  }
  assert.equal(found.length, 2);
});

test('install with no TARGET and two installers answering: refused (exit 3) naming both, nothing sent; --expect-fingerprint picks one', async () => {
  const args = ['install', '--flake', 'github:me/c#web', '--age-key', 'none', '--allow-loop-disks', '--dry-run', '--env-password'];
  const before = [authRequests(1).length, authRequests(2).length];
  const both = await lab.cli(args, { env: { SSH_PASS: password } });
  assert.equal(both.exitCode, 3, both.stderr);
  assert.match(both.stderr, /2 installers found; name the one to install/);
  assert.deepEqual([authRequests(1).length, authRequests(2).length], before, 'an installer was sent a login');
  const chosen = await lab.cli([...args, '--expect-fingerprint', lab.installerState(2).hostKeyFingerprint], { env: { SSH_PASS: password } });
  assert.equal(chosen.exitCode, 0, chosen.stderr);
  assert.equal(authRequests(1).length, before[0], 'the other installer was sent a login');
});

test('a session pinned to the real key refuses the impostor with both fingerprints and sends it nothing', async () => {
  const real = lab.installerState(1).hostKeyFingerprint;
  const fake = lab.installerState(2).hostKeyFingerprint;
  const disks = lab.installerState(2).disks.map((d) => diskDigest(d.image));
  const before = authRequests(2).length;
  const run = await lab.cli(
    [
      'install',
      `root@${lab.address(2)}`,
      '--expect-fingerprint',
      real,
      '--env-password',
      '--flake',
      'github:me/c#web',
      '--luks',
      '--luks-passphrase-file',
      '/root/pass',
      '--age-key',
      'none',
      '--allow-loop-disks',
      '--yes',
    ],
    { env: { SSH_PASS: password } },
  );
  assert.equal(run.exitCode, 3, run.stderr);
  assert.ok(run.stderr.includes(real) && run.stderr.includes(fake), run.stderr);
  assert.deepEqual(authRequests(2).slice(before), [], 'the impostor received an authentication request');
  assert.deepEqual(
    lab.installerState(2).disks.map((d) => diskDigest(d.image)),
    disks,
  );
  assert.ok(!run.stderr.includes(password) && !run.stderr.includes(passphrase));
});

test('once a host key is known, a different key at the same address is refused (exit 3), nothing sent', async () => {
  // First contact records the real key in the tool's own known_hosts (never ~/.ssh/known_hosts).
  const first = await lab.cli(['install', `root@${lab.address(1)}`, '--flake', 'github:me/c#web', '--age-key', 'none', '--allow-loop-disks', '--dry-run']);
  assert.equal(first.exitCode, 0, first.stderr);
  assert.ok(
    authRequests(1).some((l) => /Accepted publickey/.test(l)),
    'the sshd log shows logins (else "nothing sent" proves nothing)',
  );
  const known = await lab.laptop(['cat', '/root/.config/nixos-bootstrap/known_hosts']);
  assert.match(known.stdout, /ssh-ed25519/);
  // Now the impostor's key answers at the real installer's address.
  const swap = await lab.installer(
    1,
    [
      `kill "$(cat /run/sshd.pid)"`,
      `cp ${lab.installerState(2).hostKeyFile} /etc/ssh/ssh_host_ed25519_key`,
      `setsid /usr/sbin/sshd -D -e >> ${lab.installerState(1).dir}/sshd.log 2>&1 < /dev/null &`,
      'for i in $(seq 50); do [ -s /run/sshd.pid ] && break; sleep 0.1; done',
    ].join('\n'),
  );
  assert.equal(swap.exitCode, 0, swap.stderr);
  const before = authRequests(1).length;
  const run = await lab.cli(
    ['install', `root@${lab.address(1)}`, '--flake', 'github:me/c#web', '--age-key', 'none', '--allow-loop-disks', '--dry-run', '--env-password'],
    { env: { SSH_PASS: password } },
  );
  assert.equal(run.exitCode, 3, run.stderr);
  assert.ok(run.stderr.includes(lab.installerState(1).hostKeyFingerprint) && run.stderr.includes(lab.installerState(2).hostKeyFingerprint), run.stderr);
  assert.deepEqual(authRequests(1).slice(before), [], 'the changed host received an authentication request');
  const untouched = await lab.laptop(['bash', '-c', 'test ! -e /root/.ssh/known_hosts && echo clean']);
  assert.equal(untouched.stdout.trim(), 'clean', '~/.ssh/known_hosts was written');
});
