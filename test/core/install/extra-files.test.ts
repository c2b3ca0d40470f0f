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
const usage = (pattern: RegExp) => (error: unknown) => error instanceof BootstrapError && error.exitCode === 2 && pattern.test(`${error.message} ${error.hint ?? ''}`);

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
  assert.deepEqual(request.choices.extraFiles, { dir: '/x', owners: [{ path: '/persist/home/me', uid: 1000, gid: 100 }, { path: '/var/lib/a', uid: 0, gid: 0 }] });
  assert.throws(() => parseInstallFlags([...flake, '--extra-files', '/x', '--chown', '/p'], {}), usage(/--chown takes two values/));
  assert.throws(() => parseInstallFlags([...flake, '--extra-files', '/x', '--chown', '/p', 'me:users'], {}), usage(/UID:GID in numbers/));
  assert.throws(() => parseInstallFlags([...flake, '--extra-files', '/x', '--chown', 'rel', '1:1'], {}), usage(/a path inside the new system/));
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
});

test('the plan’s command copies every file with its mode, owned by root, then applies --chown; /mnt and /mnt/etc keep their modes', async () => {
  const dir = tree('copied');
  const thePlan = plan(facts(), choices({ extraFiles: { dir, owners: [{ path: '/persist/home/me', uid: 1000, gid: 100 }] } }));
  const phase = thePlan.phases.find((p) => p.id === 'extra-files')!;
  assert.ok(thePlan.phases.findIndex((p) => p.id === 'extra-files') < thePlan.phases.findIndex((p) => p.id === 'install'), 'before nixos-install');
  const mnt = join(work, 'mnt');
  mkdirSync(join(mnt, 'etc'), { recursive: true });
  chmodSync(mnt, 0o755);
  chmodSync(join(mnt, 'etc'), 0o755);
  const [copy, chown] = phase.commands.map((c) => ({ ...c, run: c.run.replaceAll('/mnt', mnt) }));
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
  assert.equal(statSync(join(mnt, 'etc', 'ssh', 'ssh_host_ed25519_key')).uid, 0, 'owned by root');
  assert.deepEqual([statSync(join(mnt, 'persist/home/me/notes')).uid, statSync(join(mnt, 'persist/home/me/notes')).gid], [1000, 100]);
});
