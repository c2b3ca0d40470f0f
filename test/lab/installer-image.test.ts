// Issue 17: an installer booted from an image that `nixos-bootstrap installer` made is verified
// at first contact. The lab installer boots as the image would (its name, host key and keys, read
// from the generated directory; the VM takes the host key from its boot medium, finished by the
// code of `installer --iso`, as the real image does); a second one on another link claims bootstrap.local and
// fe80::47 with a key of its own, and is refused before any login.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { cliPath, LabHandle, startLab, stopLab } from './lab-fixture.js';

const id = 'nbim';
let lab: LabHandle;
const made = mkdtempSync(join(tmpdir(), 'nb-image-'));
const image = join(made, 'image');

before(async () => {
  // The user who makes the image: their own key, config and state (not this machine's).
  const home = join(made, 'home');
  mkdirSync(join(home, '.ssh'), { recursive: true });
  await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'me@laptop', '-f', join(home, '.ssh', 'id_ed25519')]);
  const env = { PATH: process.env.PATH, HOME: home, XDG_CONFIG_HOME: join(home, 'config'), XDG_STATE_HOME: join(home, 'state') };
  const written = await execa(process.execPath, [cliPath, 'installer', '--dir', image, '--no-build'], { env, extendEnv: false, reject: false });
  assert.equal(written.exitCode, 0, written.stderr);
  // The same image booted twice (a netns installer and the VM: one stick, two machines), and an impostor.
  lab = await startLab({ id, installers: [{ installerDir: image }, {}], vm: { installerDir: image } });
  // The lab laptop is that user's laptop: the same key and the same nixos-bootstrap config.
  const laptop = lab.state.laptop.home;
  mkdirSync(join(laptop, '.config', 'nixos-bootstrap'), { recursive: true });
  for (const file of ['known_hosts', 'installer-images.json']) {
    copyFileSync(join(home, 'config', 'nixos-bootstrap', file), join(laptop, '.config', 'nixos-bootstrap', file));
  }
  for (const file of ['id_ed25519', 'id_ed25519.pub']) copyFileSync(join(home, '.ssh', file), join(laptop, '.ssh', file));
});
after(async () => {
  await stopLab(lab, id);
  rmSync(made, { recursive: true, force: true });
});

const manifest = () =>
  JSON.parse(readFileSync(join(image, 'nixos-bootstrap-installer.json'), 'utf8')) as { hostKey: { fingerprint: string }; authorizedKeys: string[] };

test('the installer boots as the image: its host key, and only the image’s keys let in', async () => {
  assert.equal(lab.installerState(1).hostKeyFingerprint, manifest().hostKey.fingerprint);
  assert.equal(lab.state.vm!.hostKeyFingerprint, manifest().hostKey.fingerprint);
  const vmKeys = await lab.vmSsh('cat /root/.ssh/authorized_keys; hostname');
  assert.equal(vmKeys.stdout, `${manifest().authorizedKeys.join('\n')}\nbootstrap\n`);
  // The VM's key came from its boot medium (root-only there), copied 0600 before sshd started.
  const vmHostKey = await lab.vmSsh(
    'stat -c "%a %U %n" /iso/nixos-bootstrap/ssh_host_ed25519_key /etc/ssh/ssh_host_ed25519_key; ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub',
  );
  assert.match(vmHostKey.stdout, /^400 root \/iso\/nixos-bootstrap\/ssh_host_ed25519_key\n600 root \/etc\/ssh\/ssh_host_ed25519_key\n/);
  assert.ok(vmHostKey.stdout.includes(manifest().hostKey.fingerprint), vmHostKey.stdout);
  assert.match(readFileSync(lab.state.vm!.consoleLog, 'utf8'), /host key from the boot medium/);
  const keys = await lab.installer(1, 'cat /root/.ssh/authorized_keys');
  assert.equal(
    keys.stdout,
    manifest()
      .authorizedKeys.map((line) => `${line}\n`)
      .join(''),
  );
});

test('discover marks the image’s installer as made here; the other one is not', async () => {
  const run = await lab.cli(['discover', '--json', '--timeout', '2']);
  assert.equal(run.exitCode, 0, run.stderr);
  const found = run.stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { fingerprint: string; image: string | null; names: string[] });
  assert.equal(found.length, 3);
  assert.deepEqual(
    found.filter((c) => c.fingerprint === manifest().hostKey.fingerprint).map((c) => c.image),
    ['bootstrap', 'bootstrap'],
    'both machines booted from the image',
  );
  assert.equal(found.find((c) => c.fingerprint !== manifest().hostKey.fingerprint)?.image, null);
  const table = await lab.cli(['discover', '--timeout', '2']);
  assert.match(table.stdout, new RegExp(`${manifest().hostKey.fingerprint.replace(/[+/]/g, '\\$&')} ✔ image bootstrap \\(\\d{4}-\\d\\d-\\d\\d\\)`));
});

test('first contact: the image’s installer is verified with no prompt; the impostor is refused before any login', async () => {
  const args = ['install', '--flake', 'github:me/c#web', '--age-key', 'none', '--allow-loop-disks', '--dry-run'];
  for (const address of [lab.address(1), lab.vmAddress()]) {
    const real = await lab.cli([...args, `root@${address}`]);
    assert.equal(real.exitCode, 0, real.stderr);
    assert.match(real.stdout, /verified: the key of the installer image bootstrap made here on \d{4}-\d\d-\d\d/);
  }
  const impostor = await lab.cli([...args, `root@${lab.address(2)}`]);
  assert.equal(impostor.exitCode, 3, impostor.stderr);
  assert.match(impostor.stderr, new RegExp(manifest().hostKey.fingerprint.replace(/[+/]/g, '\\$&')));
  assert.match(impostor.stderr, /expects the installer image bootstrap here; this is another machine.*installer --forget bootstrap/);
  const log = readFileSync(`${lab.installerState(2).dir}/sshd.log`, 'utf8');
  assert.doesNotMatch(log, /Accepted|Failed (none|password|publickey)|Postponed/, 'the impostor was offered a login');
});
