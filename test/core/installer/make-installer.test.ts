// `nixos-bootstrap installer`: who may enter, the host key kept out of the flake, the image
// trusted by this laptop, the key added to a built ISO (a real xorriso on a small ISO made here).
import { after, afterEach, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { BootstrapError } from '../../../source/core/exit-codes.js';
import { addHostKeyToIso, sha256File } from '../../../source/core/installer/finish-iso.js';
import { imageRegistryFile, readImages } from '../../../source/core/installer/image-registry.js';
import { makeInstaller, readManifest } from '../../../source/core/installer/make-installer.js';
import { authorizedKeysFor, publicKeysIn } from '../../../source/core/ssh/public-keys.js';
import { lookupHostKey, readKnownHosts } from '../../../source/core/ssh/known-hosts.js';
import { describeHostKey } from '../../../source/core/ssh/host-identity.js';
import { main } from '../../../source/headless/installer-command.js';

const work = mkdtempSync(join(tmpdir(), 'nb-installer-'));
after(() => rmSync(work, { recursive: true, force: true }));
let home: string;
const saved = { ...process.env };
beforeEach(() => {
  home = mkdtempSync(join(work, 'home-'));
  mkdirSync(join(home, '.ssh'));
  spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'me@laptop', '-f', join(home, '.ssh', 'id_ed25519')]);
  Object.assign(process.env, { HOME: home, XDG_STATE_HOME: join(home, 'state'), XDG_CONFIG_HOME: join(home, 'config') });
  delete process.env.SSH_AUTH_SOCK;
});
afterEach(() => {
  for (const name of ['HOME', 'XDG_STATE_HOME', 'XDG_CONFIG_HOME', 'SSH_AUTH_SOCK']) {
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  }
});
const usage = (pattern: RegExp) => (error: unknown) => error instanceof BootstrapError && error.exitCode === 2 && pattern.test(error.message);
const knownHosts = () => join(home, 'config', 'nixos-bootstrap', 'known_hosts');
const make = (over: Partial<Parameters<typeof makeInstaller>[0]> = {}) =>
  makeInstaller({
    dir: join(home, 'image'),
    name: 'bootstrap',
    nixpkgs: 'github:NixOS/nixpkgs/nixos-unstable',
    authorizedKeys: ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKey me@laptop'],
    passwordLogin: false,
    replace: false,
    knownHostsFile: knownHosts(),
    ...over,
  });

test('the keys that may enter: ~/.ssh/*.pub by default, --ssh-key files instead when given; private keys refused', async () => {
  const mine = readFileSync(join(home, '.ssh', 'id_ed25519.pub'), 'utf8').trim();
  assert.deepEqual(await authorizedKeysFor([]), [mine]);
  writeFileSync(join(work, 'other.pub'), `${mine}\nssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOther other@host\n`);
  assert.deepEqual(await authorizedKeysFor([join(work, 'other.pub')]), [mine, 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOther other@host']);
  await assert.rejects(authorizedKeysFor([join(home, '.ssh', 'id_ed25519')]), usage(/is a private key/));
  assert.deepEqual(publicKeysIn('# comment\nnot a key\n', 'x'), []);
});

test('the image: flake files written, the host key outside the flake (0600), trusted by this laptop under its names', async () => {
  const made = await make();
  assert.deepEqual(readdirSync(made.dir).sort(), ['README.md', 'flake.nix', 'installer.nix', 'nixos-bootstrap-installer.json']);
  assert.ok(!made.hostKeyFile.startsWith(made.dir), 'the private key is inside the flake: nix build would copy it into the store');
  assert.equal(statSync(made.hostKeyFile).mode & 0o777, 0o600);
  for (const file of readdirSync(made.dir)) assert.doesNotMatch(readFileSync(join(made.dir, file), 'utf8'), /PRIVATE KEY/);
  const images = await readImages(imageRegistryFile(knownHosts()));
  assert.deepEqual(
    images.map((i) => [i.name, i.fingerprint]),
    [['bootstrap', made.settings.hostKey.fingerprint]],
  );
  const key = Buffer.from(made.settings.hostKey.publicKey.split(' ')[1]!, 'base64');
  const text = await readKnownHosts(knownHosts());
  for (const name of ['bootstrap.local', 'fe80::47%eth0', 'fe80::47%wlan0']) assert.equal(lookupHostKey(text, name, key).status, 'known', name);
  const stranger = Buffer.from('AAAAC3NzaC1lZDI1NTE5AAAAIStranger', 'base64');
  assert.equal(lookupHostKey(text, 'bootstrap.local', stranger).status, 'changed', 'another key under the image’s name is a stranger');
  // At any other address (DHCP, EUI-64) the key still says which image it is.
  const info = describeHostKey({ user: 'root', host: '192.0.2.7', port: 22 }, key, text, knownHosts(), images);
  assert.equal(info.image?.name, 'bootstrap');
  assert.equal(describeHostKey({ user: 'root', host: '192.0.2.7', port: 22 }, stranger, text, knownHosts(), images).image, undefined);
  assert.equal((await readManifest(made.dir)).hostKeyFile, made.hostKeyFile);
});

const refused = (pattern: RegExp) => (error: unknown) => error instanceof BootstrapError && error.exitCode === 3 && pattern.test(error.message);

test('refused: an image nobody can enter, an existing image without --replace, and --replace over anything but an image', async () => {
  await assert.rejects(make({ authorizedKeys: [] }), usage(/no SSH key to let in/));
  const first = await make({ authorizedKeys: [], passwordLogin: true, name: 'old-name' });
  await assert.rejects(make(), refused(/already holds the image old-name/));
  const replaced = await make({ replace: true });
  assert.notEqual(replaced.settings.hostKey.fingerprint, first.settings.hostKey.fingerprint);
  const images = await readImages(imageRegistryFile(knownHosts()));
  assert.deepEqual(
    images.map((i) => i.fingerprint),
    [replaced.settings.hostKey.fingerprint],
    'the replaced image (another name) is still trusted',
  );
  const oldKey = Buffer.from(first.settings.hostKey.publicKey.split(' ')[1]!, 'base64');
  assert.notEqual(lookupHostKey(await readKnownHosts(knownHosts()), 'old-name.local', oldKey).status, 'known');
  // A directory of the user's own is never replaced, --replace or not.
  const mine = join(home, 'nixos-config');
  mkdirSync(mine);
  writeFileSync(join(mine, 'flake.nix'), '{ }\n');
  await assert.rejects(make({ dir: mine, replace: true }), refused(/is not an installer image directory/));
  assert.equal(readFileSync(join(mine, 'flake.nix'), 'utf8'), '{ }\n');
});

test('--forget NAME: the image is trusted no more; flags that would be ignored are refused', async () => {
  const made = await make();
  let out = '';
  const sink = { write: (chunk: string) => ((out += chunk), true) } as unknown as NodeJS.WritableStream;
  assert.equal(await main(['--forget', 'bootstrap'], process.env, sink), 0);
  assert.match(out, /The image bootstrap \(SHA256:\S+\) is trusted no more/);
  const key = Buffer.from(made.settings.hostKey.publicKey.split(' ')[1]!, 'base64');
  assert.equal(lookupHostKey(await readKnownHosts(knownHosts()), 'bootstrap.local', key).status, 'new');
  assert.deepEqual(await readImages(imageRegistryFile(knownHosts())), []);
  await assert.rejects(main(['--forget', 'bootstrap'], process.env, sink), usage(/no installer image named bootstrap/));
  await assert.rejects(main(['--iso', 'x.iso', '--name', 'rack'], process.env, sink), usage(/--name makes a new image; it does nothing with --iso/));
  await assert.rejects(main(['--yes'], process.env, sink), usage(/--yes goes with --write DEVICE/));
  await assert.rejects(main(['--iso', 'x.iso', '--write', '/dev/sdz'], process.env, sink), usage(/give one of --iso, --write at a time/));
});

test('a built ISO gets the host key beside the store (read back from the ISO), mode 0600, with its checksums', async () => {
  const made = await make();
  const root = join(work, 'iso-root');
  mkdirSync(join(root, 'boot'), { recursive: true });
  writeFileSync(join(root, 'boot', 'kernel'), 'a kernel\n');
  const built = join(work, 'built.iso');
  const mkiso = spawnSync('xorriso', ['-as', 'mkisofs', '-quiet', '-R', '-V', 'NIXOS_TEST', '-o', built, root], { encoding: 'utf8' });
  assert.equal(mkiso.status, 0, mkiso.stderr);
  const out = join(dirname(made.hostKeyFile), 'nixos-bootstrap-bootstrap.iso');
  const sum = await addHostKeyToIso(built, made.hostKeyFile, out);
  assert.equal(statSync(out).mode & 0o777, 0o600);
  assert.equal(sum, await sha256File(out));
  assert.equal(readFileSync(`${out}.sha256`, 'utf8'), `${sum}  nixos-bootstrap-bootstrap.iso\n`);
  assert.equal(readFileSync(join(dirname(out), 'SHA256SUMS'), 'utf8'), `${sum}  nixos-bootstrap-bootstrap.iso\n`);
  assert.equal(statSync(dirname(out)).mode & 0o777, 0o700, 'the ISO and its temp file sit in a private directory');
  const extracted = join(work, 'extracted-key');
  const read = spawnSync('xorriso', ['-osirrox', 'on', '-indev', out, '-extract', '/nixos-bootstrap/ssh_host_ed25519_key', extracted], { encoding: 'utf8' });
  assert.equal(read.status, 0, read.stderr);
  assert.deepEqual(readFileSync(extracted), readFileSync(made.hostKeyFile));
  const owner = spawnSync('xorriso', ['-indev', out, '-lsl', '/nixos-bootstrap', '--'], { encoding: 'utf8' });
  assert.match(owner.stdout, /-r-------- +1 0 +0 .*ssh_host_ed25519_key/, 'the key on the ISO is root’s, 0400');
  const kernel = spawnSync('xorriso', ['-osirrox', 'on', '-indev', out, '-extract', '/boot/kernel', join(work, 'kernel')], { encoding: 'utf8' });
  assert.equal(kernel.status, 0, 'what the ISO held before is still there');
});

test('the command: writes the image and, with no Nix store here, prints how to build it', async () => {
  let out = '';
  const sink = { write: (chunk: string) => ((out += chunk), true) } as unknown as NodeJS.WritableStream;
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: '/usr/bin:/bin' };
  delete env.NIX_REMOTE;
  assert.equal(await main(['--dir', join(home, 'cli-image'), '--name', 'lab-47'], env, sink), 0);
  assert.match(out, /name {8}lab-47\.local, and fe80::47 on every link/);
  assert.match(out, /root login {2}1 SSH key\(s\)/);
  assert.match(out, /private key ~\/state\/nixos-bootstrap\/installers\/lab-47-\d{8}-\d{6}\/\n {14}\(0600\), outside the flake/);
  if (!readdirSync('/').includes('nix')) {
    assert.match(out, /Nix is not set up on this machine/);
    // A flake path nix takes as a directory, not as a registry name.
    assert.match(out, /cd \S+cli-image && nix build \.#iso\n {2}nixos-bootstrap installer --dir \. --iso result\/iso\/\*\.iso/);
  }
  await assert.rejects(main(['--name', 'Not_A_Name'], env, sink), usage(/is not an mDNS host name/));
});

/** A git work tree holding a flake, as a user's config repository is. */
function userFlake(files: Record<string, string>, untracked: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(home, 'config-'));
  const git = (...args: string[]) => assert.equal(spawnSync('git', ['-C', dir, ...args], { encoding: 'utf8' }).status, 0);
  git('init', '-q');
  for (const [path, text] of Object.entries({ ...files, ...untracked })) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  git('add', '--', ...Object.keys(files));
  return dir;
}

test('--embed-flake: the flake as Nix sees it (tracked files) is copied into the image; an untracked key stays behind', async () => {
  const flake = userFlake(
    { 'flake.nix': '{ outputs = _: { }; }\n', 'flake.lock': '{}\n', 'hosts/web.nix': '{ }\n' },
    { 'secrets/host.agekey': `AGE-SECRET-KEY-1${'Q'.repeat(58)}\n` },
  );
  const made = await make({ embedFlake: { source: flake, prebuilt: ['web'] } });
  const copy = join(made.dir, 'flake');
  const files = spawnSync('find', [copy, '-type', 'f', '-printf', '%P\n'], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean).sort();
  assert.deepEqual(files, ['flake.lock', 'flake.nix', 'hosts/web.nix']);
  assert.deepEqual(made.settings.embeddedFlake, { source: flake, prebuilt: ['web'] });
  assert.deepEqual((await readManifest(made.dir)).embeddedFlake, made.settings.embeddedFlake);
  assert.match(readFileSync(join(made.dir, 'installer.nix'), 'utf8'), /environment\.etc\."nixos\/flake"\.source = \.\/flake;/);
  assert.match(readFileSync(join(made.dir, 'flake.nix'), 'utf8'), /inputs\.embedded\.url = "path:\.\/flake";/);
  // Made again without it: the copy goes too.
  await make({ replace: true });
  assert.equal(readdirSync(made.dir).includes('flake'), false);
});

test('--embed-flake refused, writing no image and no key: what looks like a secret, a link out, no flake.nix; --prebuilt alone', async () => {
  const keyDirs = () =>
    existsSync(join(home, 'state', 'nixos-bootstrap', 'installers')) ? readdirSync(join(home, 'state', 'nixos-bootstrap', 'installers')) : [];
  const embed = (source: string, prebuilt: string[] = []) => make({ embedFlake: { source, prebuilt } });
  const ssh = userFlake({
    'flake.nix': '{ }\n',
    'keys/ssh_host_ed25519_key': '-----BEGIN OPENSSH PRIVATE KEY-----\nb3Blbg==\n-----END OPENSSH PRIVATE KEY-----\n',
  });
  await assert.rejects(embed(ssh), refused(/keys\/ssh_host_ed25519_key holds a private key/));
  // Past the first MiB of a file, and a PGP key block.
  const pgp = userFlake({ 'flake.nix': '{ }\n', 'notes.txt': `${'x'.repeat(2 * 1024 * 1024)}\n-----BEGIN PGP PRIVATE KEY BLOCK-----\n` });
  await assert.rejects(embed(pgp), refused(/notes\.txt holds a private key/));
  const wireguard = userFlake({ 'flake.nix': '{ }\n', 'wg.nix': `{ networking.wireguard.interfaces.wg0.privateKey = "${'A'.repeat(43)}="; }\n` });
  await assert.rejects(embed(wireguard), refused(/wg\.nix holds a private key/));
  const crypted = userFlake({ 'flake.nix': '{ }\n', '.gitattributes': 'secrets.nix filter=git-crypt diff=git-crypt\n', 'secrets.nix': '{ }\n' });
  await assert.rejects(embed(crypted), refused(/secrets\.nix goes through the git filter git-crypt/));
  const plain = mkdtempSync(join(home, 'plain-'));
  writeFileSync(join(plain, 'flake.nix'), '{ }\n');
  mkdirSync(join(plain, 'vendor', 'old', '.git'), { recursive: true });
  await assert.rejects(embed(plain), refused(/vendor\/old\/\.git is a git repository/));
  const linked = userFlake({ 'flake.nix': '{ }\n' });
  spawnSync('ln', ['-s', '/etc/passwd', join(linked, 'passwd')]);
  spawnSync('git', ['-C', linked, 'add', 'passwd']);
  await assert.rejects(embed(linked), refused(/passwd links out of the flake/));
  await assert.rejects(embed(home), usage(/no flake\.nix there/));
  await assert.rejects(
    make({ dir: join(linked, 'image'), embedFlake: { source: linked, prebuilt: [] } }),
    usage(/is inside the flake .*: the image would embed itself/),
  );
  const unlocked = userFlake({ 'flake.nix': '{ }\n' });
  await assert.rejects(embed(unlocked, ['web']), usage(/has no flake\.lock/));
  writeFileSync(join(unlocked, 'flake.lock'), '{}\n');
  await assert.rejects(embed(unlocked, ['web']), usage(/flake\.lock is not tracked by git/));
  assert.equal(readdirSync(home).includes('image'), false, 'a refused image left its directory');
  assert.deepEqual(keyDirs(), [], 'a refused image left a host key');
  // A refused --replace leaves the earlier image as it was, its build link included.
  const earlier = await make();
  spawnSync('ln', ['-s', '/nonexistent-build', join(earlier.dir, 'result')]);
  await assert.rejects(make({ replace: true, embedFlake: { source: ssh, prebuilt: [] } }), refused(/holds a private key/));
  assert.equal((await readManifest(earlier.dir)).hostKey.fingerprint, earlier.settings.hostKey.fingerprint);
  assert.ok(readdirSync(earlier.dir).includes('result'));
  const sink = { write: () => true } as unknown as NodeJS.WritableStream;
  await assert.rejects(main(['--prebuilt', 'web'], process.env, sink), usage(/--prebuilt HOST builds a host of the embedded flake/));
  await assert.rejects(main(['--embed-flake', linked, '--prebuilt', '../x'], process.env, sink), usage(/is not a nixosConfigurations name/));
});
