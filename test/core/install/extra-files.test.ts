// --extra-files: checked on this machine first, then copied into /mnt by the plan's own command
// (run here against a scratch root: modes kept, root-owned, --chown applied, existing
// directories left as they were).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync, readlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BootstrapError } from '../../../source/core/exit-codes.js';
import { treeTar } from '../../../source/core/install/command-input.js';
import { checkExtraFiles } from '../../../source/core/install/extra-files-check.js';
import { plan } from '../../../source/core/plan/plan.js';
import { parseInstallFlags } from '../../../source/headless/install-options.js';
import { choices, facts } from '../plan/fixtures.js';

const work = mkdtempSync(join(tmpdir(), 'nb-extra-'));
after(() => rmSync(work, { recursive: true, force: true }));
const usage = (pattern: RegExp) => (error: unknown) =>
  error instanceof BootstrapError && error.exitCode === 2 && pattern.test(`${error.message} ${error.hint ?? ''}`);

function tree(name: string): string {
  const dir = join(work, name);
  mkdirSync(join(dir, 'etc', 'ssh'), { recursive: true });
  mkdirSync(join(dir, 'persist', 'home', 'me'), { recursive: true });
  writeFileSync(join(dir, 'etc', 'ssh', 'ssh_host_ed25519_key'), 'key\n', { mode: 0o600 });
  writeFileSync(join(dir, 'persist', 'home', 'me', 'notes'), 'hi\n', { mode: 0o644 });
  symlinkSync('ssh/ssh_host_ed25519_key', join(dir, 'etc', 'hostkey-link'));
  chmodSync(join(dir, 'etc'), 0o700);
  return dir;
}

test('--chown takes PATH and UID:GID as nixos-anywhere does, and only with --extra-files', () => {
  const flake = ['--flake', 'github:me/c#web'];
  const request = parseInstallFlags([...flake, '--extra-files', '/x', '--chown', '/persist/home/me', '1000:100', '--chown', '/var/lib/a', '0:0'], {});
  assert.deepEqual(request.choices.extraFiles, {
    dir: '/x',
    owners: [
      { path: '/persist/home/me', uid: 1000, gid: 100 },
      { path: '/var/lib/a', uid: 0, gid: 0 },
    ],
  });
  assert.throws(() => parseInstallFlags([...flake, '--extra-files', '/x', '--chown', '/p'], {}), usage(/--chown takes two values/));
  assert.throws(() => parseInstallFlags([...flake, '--extra-files', '/x', '--chown', '/p', 'me:users'], {}), usage(/UID:GID in numbers/));
  assert.throws(() => parseInstallFlags([...flake, '--extra-files', '/x', '--chown', 'rel', '1:1'], {}), usage(/a path inside the new system/));
  // The new system's root directory, however it is spelt, never changes hands.
  for (const root of ['/', '/.', '//', '/persist/..', '/persist/./x', '/a//b']) {
    assert.throws(() => parseInstallFlags([...flake, '--extra-files', '/x', '--chown', root, '1000:100'], {}), usage(/a path inside the new system/), root);
  }
  assert.throws(() => parseInstallFlags([...flake, '--extra-files', '/x', '--chown', '/p', '99999999999:1'], {}), usage(/UID:GID in numbers/));
  assert.throws(() => parseInstallFlags([...flake, '--chown', '/p', '1:1'], {}), usage(/give --extra-files DIR too/));
  assert.equal(parseInstallFlags(flake, {}).choices.extraFiles, null);
});

test('a symlink that leaves the directory, or a special file, is refused before anything is contacted', async () => {
  const good = tree('good');
  assert.equal(await checkExtraFiles(good), good);
  const escaping = tree('escaping');
  symlinkSync('../../good/etc/ssh/ssh_host_ed25519_key', join(escaping, 'etc', 'stolen'));
  await assert.rejects(checkExtraFiles(escaping), usage(/etc\/stolen links to \.\.\/\.\.\/good.*outside/));
  const absolute = tree('absolute');
  symlinkSync('/etc/shadow', join(absolute, 'shadow'));
  await assert.rejects(checkExtraFiles(absolute), usage(/shadow links to \/etc\/shadow, outside/));
  const fifo = tree('fifo');
  spawnSync('mkfifo', [join(fifo, 'pipe')]);
  await assert.rejects(checkExtraFiles(fifo), usage(/pipe is not a regular file/));
  await assert.rejects(checkExtraFiles(join(work, 'missing')), usage(/is not a directory/));
  // A chain of links inside DIR that ends outside it is found by resolving it for real.
  const chain = tree('chain');
  mkdirSync(join(chain, 'sub'));
  symlinkSync('..', join(chain, 'sub', 'up'));
  symlinkSync('sub/up/..', join(chain, 'l2'));
  await assert.rejects(checkExtraFiles(chain), usage(/l2 links to sub\/up\/\.\., outside/));
  // A link to a file named '..notes' stays inside; DIR may itself be reached through a link.
  const dots = tree('dots');
  writeFileSync(join(dots, '..notes'), 'n\n');
  symlinkSync('..notes', join(dots, 'notes-link'));
  symlinkSync(dots, join(work, 'dots-link'));
  assert.equal(await checkExtraFiles(join(work, 'dots-link')), dots);
  // --chown names something the directory holds.
  await assert.rejects(checkExtraFiles(good, [{ path: '/persist/nothing' }]), usage(/--chown \/persist\/nothing: not in --extra-files/));
  assert.equal(await checkExtraFiles(good, [{ path: '/persist/home/me' }]), good);
});

test('the plan’s command copies every file with its mode, owned by root, then applies --chown; /mnt and /mnt/etc keep their modes', async () => {
  const dir = tree('copied');
  const thePlan = plan(facts(), choices({ extraFiles: { dir, owners: [{ path: '/persist/home/me', uid: 1000, gid: 100 }] } }));
  const phase = thePlan.phases.find((p) => p.id === 'extra-files')!;
  assert.ok(thePlan.phases.findIndex((p) => p.id === 'extra-files') < thePlan.phases.findIndex((p) => p.id === 'install'), 'before nixos-install');
  writeFileSync(join(dir, 'persist', 'home', 'me', 'tool'), '#!/bin/sh\n', { mode: 0o755 });
  chmodSync(join(dir, 'persist', 'home', 'me', 'tool'), 0o4755);
  mkdirSync(join(dir, 'var', 'lib', 'app'), { recursive: true });
  chmodSync(join(dir, 'var'), 0o700);
  const mnt = join(work, 'mnt');
  mkdirSync(join(mnt, 'etc'), { recursive: true });
  chmodSync(mnt, 0o755);
  chmodSync(join(mnt, 'etc'), 0o755);
  const [dirs, copy, chown] = phase.commands.map((c) => ({ ...c, run: c.run.replaceAll('/mnt', mnt) }));
  assert.equal(spawnSync('bash', ['-c', dirs!.run]).status, 0);
  assert.deepEqual(copy!.input, { tree: dir });
  const tar = spawnSync('bash', ['-c', copy!.run], { input: await treeTar(dir) });
  assert.equal(tar.status, 0, String(tar.stderr));
  assert.equal(spawnSync('bash', ['-c', chown!.run]).status, 0);
  const mode = (path: string) => statSync(join(mnt, path)).mode & 0o777;
  assert.equal(mode('etc/ssh/ssh_host_ed25519_key'), 0o600);
  assert.equal(mode('persist/home/me/notes'), 0o644);
  assert.equal(readlinkSync(join(mnt, 'etc', 'hostkey-link')), 'ssh/ssh_host_ed25519_key');
  assert.equal(mode('.'), 0o755, '/mnt itself unchanged');
  assert.equal(mode('etc'), 0o755, 'an existing directory keeps its mode');
  assert.equal(mode('var'), 0o755, 'a system directory the laptop has at 700 is made as NixOS makes it');
  assert.equal(mode('persist/home/me/tool'), 0o755, 'no setuid bit survives the copy');
  assert.equal(statSync(join(mnt, 'etc', 'ssh', 'ssh_host_ed25519_key')).uid, 0, 'owned by root');
  assert.deepEqual([statSync(join(mnt, 'persist/home/me/notes')).uid, statSync(join(mnt, 'persist/home/me/notes')).gid], [1000, 100]);
});
