// Issue 17, the stock ISO path: an installer like nixpkgs' minimal ISO (no avahi, no fe80::47,
// root refused over SSH, a `nixos` user with passwordless sudo). Discovery still finds it; a
// refused root login says what to type on its console (with this user's own key line); logged in
// as nixos, every command runs through `sudo -n` with secrets still on stdin only; a sudo that
// wants a password is a clear refusal.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { LabHandle, startLab, stopLab } from './lab-fixture.js';
import { sampleLocalProcesses, startRemoteSampler, stopRemoteSampler } from './secret-sampler.js';
import { records } from './vm-lab.js';

const id = 'nbst';
let lab: LabHandle;
const work = '/root/work';
const passphrase = 'stock iso passphrase 47';

before(async () => {
  lab = await startLab({ id, installers: [{ stockIso: true }], vm: { stockIso: true } });
  const setup = await lab.laptop(['bash', '-c', `mkdir -p ${work} && printf '%s\\n' '${passphrase}' > ${work}/pass`]);
  assert.equal(setup.exitCode, 0, setup.stderr);
});
after(async () => {
  await stopLab(lab, id);
});

const installer = () => lab.installerState(1);
const where = (user: string) => `${user}@${lab.address(1)}`;
const dryRun = ['--flake', 'github:me/c#web', '--age-key', 'none', '--allow-loop-disks', '--dry-run'];

test('found by neighbour discovery alone: no mDNS name, no fe80::47', async () => {
  assert.equal(installer().hasStaticLinkLocal, false);
  // The VM beside it runs under TCG and takes a core: more time than usual for the key exchanges.
  const run = await lab.cli(['discover', '--json', '--timeout', '6']);
  assert.equal(run.exitCode, 0, run.stderr);
  const found = run.stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { names: string[]; fingerprint: string; addresses: Array<{ address: string }> });
  const mine = found.filter((c) => c.fingerprint === installer().hostKeyFingerprint);
  assert.equal(mine.length, 1);
  found.splice(0, found.length, ...mine);
  assert.deepEqual(found[0]!.names, []);
  assert.ok(!found[0]!.addresses.some((a) => a.address === 'fe80::47'));
});

test('root refused: the error says what to type on the console, with this laptop’s own key line', async () => {
  const run = await lab.cli(['install', where('root'), ...dryRun]);
  assert.equal(run.exitCode, 4, run.stderr);
  assert.match(run.stderr, /authentication failed for root@/);
  assert.match(run.stderr, /sudo passwd root/);
  const key = readFileSync(`${lab.state.laptop.home}/.ssh/id_ed25519.pub`, 'utf8').trim();
  assert.ok(run.stderr.includes(`echo '${key}' | sudo tee -a /root/.ssh/authorized_keys`), run.stderr);
  assert.ok(run.stderr.includes(`log in as nixos@${lab.address(1)}`));
});

test('as nixos: the probe and the plan run through sudo -n; the passphrase never reaches an argv', async () => {
  const run = await lab.cli(['install', where('nixos'), ...dryRun, '--luks', '--luks-passphrase-file', `${work}/pass`, '--json'], { cwd: work });
  assert.equal(run.exitCode, 0, run.stderr);
  const plan = run.stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { type: string; disk?: { path: string } })
    .find((r) => r.type === 'plan');
  assert.equal(plan?.disk?.path, installer().disks.find((d) => d.role === 'internal')!.device, 'the probe, run as root, found the internal disk');
  assert.ok(!run.stdout.includes(passphrase));
  const ranAsRoot = await lab.installer(1, 'cat /var/log/sudo.log');
  assert.match(ranAsRoot.stdout, /nixos : .*USER=root ; COMMAND=\/usr\/bin\/bash -c/, 'nothing ran through sudo');
  assert.match(ranAsRoot.stdout, /lsblk/, 'the probe did not run as root');
  // Secrets on stdin pass through sudo: the same path every secret-taking phase uses.
  const luks = await lab.installer(
    1,
    `su nixos -c "printf '%s' '${passphrase}' | sudo -n -- bash -c 'cat > /tmp/through-sudo; id -u'"; cat /tmp/through-sudo; rm -f /tmp/through-sudo`,
  );
  assert.equal(luks.stdout, `0\n${passphrase}`, luks.stderr);
});

test('a sudo that wants a password is refused with what to change, before any plan', async () => {
  await lab.installer(1, 'mv /etc/sudoers.d/nixos /root/nixos.sudoers');
  try {
    const run = await lab.cli(['install', where('nixos'), ...dryRun]);
    assert.equal(run.exitCode, 3, run.stderr);
    assert.match(run.stderr, /logs in, but sudo -n fails for nixos/);
    assert.match(run.stderr, /NOPASSWD/);
  } finally {
    await lab.installer(1, 'mv /root/nixos.sudoers /etc/sudoers.d/nixos');
  }
});

test('a whole install on the stock-ISO VM as nixos: LUKS, the age key, every phase through sudo -n; no secret in any argv or environment', async () => {
  const vmShell = (command: string, options?: { input?: string | Buffer }) => lab.vmSsh(command, options);
  await startRemoteSampler(vmShell, [passphrase, 'AGE-SECRET-KEY-1']);
  const local = sampleLocalProcesses([passphrase, 'AGE-SECRET-KEY-1']);
  const run = await lab.cli(
    ['install', `nixos@${lab.vmAddress()}`, '--flake', 'github:me/c#web', '--luks', '--luks-passphrase-file', `${work}/pass`, '--luks-iter-time', '200'].concat(
      ['--finish', 'none', '--yes', '--json'],
    ),
    { cwd: work },
  );
  const localSamples = local.stop();
  const remote = await stopRemoteSampler(vmShell);
  assert.equal(run.exitCode, 0, run.stderr + run.stdout.slice(-2000));
  assert.deepEqual(
    records(run.stdout)
      .filter((e) => e.type === 'phase-done')
      .map((e) => e.id),
    ['partition', 'luks-format', 'luks-open', 'format', 'mount', 'install', 'age-key', 'finish'],
  );
  assert.deepEqual(localSamples.hits, []);
  assert.deepEqual(remote.hits, [], 'a secret reached an argv or environment on the installer (sudo included)');
  const after = await lab.vmSsh(
    'grep -c "nixos : .*USER=root ; COMMAND=/usr/bin/bash -c" /var/log/sudo.log; cryptsetup open --test-passphrase --key-file - /dev/disk/by-partlabel/cryptroot && echo key-opens',
    { input: passphrase },
  );
  assert.ok(Number(after.stdout.split('\n')[0]) > 10, `too few commands through sudo: ${after.stdout}`);
  assert.match(after.stdout, /^key-opens$/m, 'the disk was not encrypted with the passphrase given');
  const log = await lab.vmSsh('cat /var/log/sudo.log');
  assert.ok(!log.stdout.includes(passphrase), 'the passphrase is in sudo’s log');
});
