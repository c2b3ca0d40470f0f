// Issue 5 in the lab: connecting to a real sshd on fe80::47%inst1 from the laptop namespace with
// key, password and agent authentication, and refusing a host whose key changed between
// discovery and connect before anything is sent.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { ExitCode } from '../../source/core/exit-codes.js';
import { LabHandle, startLab, stopLab } from './lab-fixture.js';
import { runInLaptop } from '../fixtures/lab-runner/run-in-laptop.js';

const id = 'nbs';
const password = 'lab pass phrase 5';
let lab: LabHandle;

before(async () => {
  lab = await startLab({ id, installers: [{ password }] });
});
after(async () => {
  await stopLab(lab, id);
});

const laptopFile = (path: string) => `/proc/${lab.state.laptop.anchorPid}/root${path}`;
const acceptedLogins = () => (readFileSync(`${lab.installerState(1).dir}/sshd.log`, 'utf8').match(/Accepted /g) ?? []).length;

test('install with no TARGET: an installer whose key was never trusted gets no password; --expect-fingerprint goes on pinned', async () => {
  const args = ['install', '--flake', 'github:me/c#web', '--age-key', 'none', '--allow-loop-disks', '--dry-run', '--env-password'];
  const before = acceptedLogins();
  const refused = await lab.cli(args, { env: { SSH_PASS: password } });
  assert.equal(refused.exitCode, ExitCode.refused, refused.stderr);
  assert.ok(
    /has a host key this tool has not trusted before/.test(refused.stderr) &&
      refused.stderr.includes(`--expect-fingerprint ${lab.installerState(1).hostKeyFingerprint}`),
    refused.stderr,
  );
  assert.doesNotMatch(readFileSync(`${lab.installerState(1).dir}/sshd.log`, 'utf8'), /Failed password|Accepted password/, 'a password was sent');
  assert.equal(acceptedLogins(), before);
  const pinned = await lab.cli([...args, '--expect-fingerprint', lab.installerState(1).hostKeyFingerprint], { env: { SSH_PASS: password } });
  assert.equal(pinned.exitCode, 0, pinned.stderr);
  assert.ok((pinned.stdout + pinned.stderr).includes(`(${lab.installerState(1).hostKeyFingerprint})`), pinned.stderr);
});

test('install --resume finds its journal by the host key before logging in: with none, nothing is sent', async () => {
  const log = () => readFileSync(`${lab.installerState(1).dir}/sshd.log`, 'utf8');
  const before = log().length;
  const run = await lab.cli(['install', '--resume', `root@${lab.address(1)}`, '--env-password'], { env: { SSH_PASS: password } });
  assert.equal(run.exitCode, ExitCode.usage, run.stderr);
  assert.ok(/nothing to resume on /.test(run.stderr) && run.stderr.includes(`(host key ${lab.installerState(1).hostKeyFingerprint})`), run.stderr);
  assert.doesNotMatch(log().slice(before), /Accepted|Failed (password|publickey|none)|Postponed/, 'a login was attempted');
});

test('key auth with the default ~/.ssh key; the host key lands in the tool’s known_hosts only', async () => {
  const answer = await runInLaptop(lab, { target: `root@${lab.address(1)}`, steps: [{ exec: 'hostname; cat /etc/os-release | grep ^VARIANT_ID' }] });
  assert.ok(answer.ok, JSON.stringify(answer));
  assert.equal(answer.fingerprint, lab.installerState(1).hostKeyFingerprint);
  assert.equal(answer.authMethod, 'key ~/.ssh/id_ed25519');
  assert.deepEqual(answer.results, [{ code: 0, stdout: 'bootstrap\nVARIANT_ID=installer\n', stderr: '' }]);
  const knownHosts = readFileSync(laptopFile('/root/.config/nixos-bootstrap/known_hosts'), 'utf8');
  assert.match(knownHosts, new RegExp(`^fe80::47%${lab.installerState(1).laptopInterface} ssh-ed25519 `));
  assert.ok(!existsSync(laptopFile('/root/.ssh/known_hosts')), '~/.ssh/known_hosts is never written');
});

test('password auth: SSH_PASS with envPassword', async () => {
  const answer = await runInLaptop(lab, {
    target: `root@${lab.address(1)}`,
    sshPass: password,
    options: { envPassword: true, defaultIdentities: false, agentSocket: '' },
    steps: [{ exec: 'id -un' }],
  });
  assert.ok(answer.ok, JSON.stringify(answer));
  assert.equal(answer.authMethod, 'password');
  assert.deepEqual(answer.results, [{ code: 0, stdout: 'root\n', stderr: '' }]);
});

test('agent auth: ssh-agent in the laptop namespace holding the lab key', async () => {
  const socket = '/root/nbs-agent.sock';
  const started = await lab.laptop(['sh', '-c', `eval "$(ssh-agent -s -a ${socket})" >/dev/null && ssh-add -q /root/.ssh/id_ed25519 && echo $SSH_AGENT_PID`]);
  assert.equal(started.exitCode, 0, started.stderr);
  const agentPid = Number(started.stdout.trim());
  try {
    const answer = await runInLaptop(lab, {
      target: `root@${lab.address(1)}`,
      options: { agentSocket: socket, defaultIdentities: false },
      steps: [{ exec: 'echo agent-ok' }],
    });
    assert.ok(answer.ok, JSON.stringify(answer));
    assert.equal(answer.authMethod, 'agent');
  } finally {
    process.kill(agentPid);
  }
});

test('wrong password → exit 4 naming the methods tried, never the password', async () => {
  const wrong = 'definitely-wrong-5';
  const answer = await runInLaptop(lab, {
    target: `root@${lab.address(1)}`,
    sshPass: wrong,
    options: { envPassword: true, defaultIdentities: false, agentSocket: '' },
  });
  assert.equal(answer.ok, false);
  assert.ok(!answer.ok);
  assert.equal(answer.exitCode, ExitCode.unreachable);
  assert.match(answer.message, new RegExp(`^authentication failed for root@${lab.address(1)} \\(tried: password; server accepts publickey, password\\)$`));
  assert.ok(!answer.message.includes(wrong));
});

test('host key changed between discover and connect → exit 3 with both fingerprints, no command run', async () => {
  const discovered = await runInLaptop(lab, { target: `root@${lab.address(1)}`, scanOnly: true });
  assert.ok(discovered.ok, JSON.stringify(discovered));
  assert.equal(discovered.fingerprint, lab.installerState(1).hostKeyFingerprint);

  // The installer "reboots" with a new host key: sshd re-reads its keys on SIGHUP (same pid).
  const sshdLog = `${lab.installerState(1).dir}/sshd.log`;
  const listening = () => (readFileSync(sshdLog, 'utf8').match(/Server listening on :: port 22/g) ?? []).length;
  const before = listening();
  const rekey = await lab.installer(
    1,
    'rm -f /etc/ssh/ssh_host_ed25519_key* && ssh-keygen -q -t ed25519 -N "" -f /etc/ssh/ssh_host_ed25519_key && ' +
      'kill -HUP "$(cat /run/sshd.pid)" && ssh-keygen -l -f /etc/ssh/ssh_host_ed25519_key.pub',
  );
  assert.equal(rekey.exitCode, 0, rekey.stderr);
  const newFingerprint = rekey.stdout.split(' ')[1]!;
  const deadline = Date.now() + 10_000;
  while (listening() === before) {
    assert.ok(Date.now() < deadline, 'sshd did not come back after SIGHUP');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }

  const loginsBefore = acceptedLogins();
  const answer = await runInLaptop(lab, {
    target: `root@${lab.address(1)}`,
    options: { expectFingerprint: discovered.fingerprint },
    steps: [{ exec: 'touch /tmp/nbs-must-not-exist' }],
  });
  assert.ok(!answer.ok, JSON.stringify(answer));
  assert.equal(answer.exitCode, ExitCode.refused);
  assert.ok(answer.message.includes(discovered.fingerprint) && answer.message.includes(newFingerprint), answer.message);
  assert.equal(answer.stepsDone, 0);
  assert.equal(acceptedLogins(), loginsBefore, 'no login happened');
  const ran = await lab.installer(1, 'test -e /tmp/nbs-must-not-exist && echo ran || echo not-run');
  assert.equal(ran.stdout, 'not-run\n');

  // Without --expect-fingerprint the tool's known_hosts (written by the first test) still catches it.
  const unpinned = await runInLaptop(lab, { target: `root@${lab.address(1)}`, steps: [{ exec: 'true' }] });
  assert.ok(!unpinned.ok);
  assert.equal(unpinned.exitCode, ExitCode.refused);
  assert.match(unpinned.message, /differs from \/root\/\.config\/nixos-bootstrap\/known_hosts/);
  assert.equal(acceptedLogins(), loginsBefore);
});
