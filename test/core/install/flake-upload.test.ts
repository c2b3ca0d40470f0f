// What of a local flake goes to the installer (and from there into the new system's /nix/store).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BootstrapError, ExitCode } from '../../../source/core/exit-codes.js';
import { flakeTar } from '../../../source/core/install/command-input.js';
import { checkFlakeSource, obtainAgeKey } from '../../../source/core/install/prepare.js';
import { defaultAgeKeyOut, refuseSecretInFlake } from '../../../source/core/keys/secret-paths.js';
import { stateDir } from '../../../source/core/paths.js';
import { parseInstallFlags } from '../../../source/headless/install-options.js';
import { parseWizardFlags } from '../../../source/ui/wizard-options.js';

const listing = (tar: Buffer) =>
  execFileSync('tar', ['-t'], { input: tar, encoding: 'utf8' })
    .trim()
    .split('\n')
    .map((p) => p.replace(/^\.\//, ''))
    .filter((p) => p && p !== '.')
    .sort();
const git = (dir: string, ...args: string[]) => execFileSync('git', ['-C', dir, '-c', 'user.email=t@t', '-c', 'user.name=t', ...args], { stdio: 'pipe' });

function flakeDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'nb-flake-'));
  mkdirSync(join(dir, 'secrets'));
  writeFileSync(join(dir, 'flake.nix'), '{ outputs = _: { }; }\n');
  writeFileSync(join(dir, 'secrets/db.age'), 'x');
  writeFileSync(join(dir, 'web.agekey'), 'AGE-SECRET-KEY-1…');
  return dir;
}

test('a git flake goes up as Nix sees it: tracked files only, never an untracked key beside flake.nix', async () => {
  const dir = flakeDir();
  try {
    git(dir, 'init', '-q');
    git(dir, 'add', 'flake.nix', 'secrets/db.age');
    writeFileSync(join(dir, '.gitignore'), 'result\n');
    git(dir, 'add', '--intent-to-add', '.gitignore');
    assert.deepEqual(listing(await flakeTar(dir)), ['.gitignore', 'flake.nix', 'secrets/db.age']);
    // a flake in a subdirectory of a repository: that subdirectory's tracked files
    mkdirSync(join(dir, 'hosts'));
    writeFileSync(join(dir, 'hosts/flake.nix'), '{ }\n');
    writeFileSync(join(dir, 'hosts/untracked.key'), 'secret');
    git(dir, 'add', 'hosts/flake.nix');
    assert.deepEqual(listing(await flakeTar(join(dir, 'hosts'))), ['flake.nix']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a plain directory flake goes up whole but for .git and result (so secrets must not be kept there)', async () => {
  const dir = flakeDir();
  try {
    symlinkSync('/nix/store/x', join(dir, 'result'));
    assert.deepEqual(listing(await flakeTar(dir)), ['flake.nix', 'secrets/', 'secrets/db.age', 'web.agekey']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('run from inside the flake, the new key’s default file moves to the state dir; explicit secret paths inside it are refused', async () => {
  const dir = flakeDir();
  try {
    assert.equal(defaultAgeKeyOut('web.agekey', dir, dir), join(stateDir(), 'keys', 'web.agekey'));
    assert.equal(defaultAgeKeyOut('web.agekey', dir, join(dir, 'secrets')), join(stateDir(), 'keys', 'web.agekey'));
    assert.equal(defaultAgeKeyOut('web.agekey', dir, tmpdir()), 'web.agekey', 'outside the flake: ./web.agekey as before');
    assert.equal(defaultAgeKeyOut('web.agekey', undefined, dir), 'web.agekey');
    const insideFlake = (error: unknown) => {
      assert.ok(error instanceof BootstrapError);
      assert.equal(error.exitCode, ExitCode.usage);
      assert.match(error.message, /is inside the flake directory .* uploaded to the installer/);
      return true;
    };
    assert.throws(() => refuseSecretInFlake('--luks-passphrase-file', join(dir, 'pass'), dir), insideFlake);
    assert.throws(() => refuseSecretInFlake('--host-key', `${dir}/secrets/../host_ed25519`, dir), insideFlake);
    assert.throws(
      () => refuseSecretInFlake('--luks-passphrase-file', join(dir, '..pass'), dir),
      insideFlake,
      'a name that starts with two dots is still inside',
    );
    refuseSecretInFlake('--luks-passphrase-file', '-', dir);
    refuseSecretInFlake('--luks-passphrase-file', join(tmpdir(), 'pass'), dir);
    // a symlink that points into the flake is inside it too
    const link = mkdtempSync(join(tmpdir(), 'nb-link-'));
    symlinkSync(dir, join(link, 'cfg'));
    assert.throws(() => refuseSecretInFlake('--host-key', join(link, 'cfg', 'key'), dir), insideFlake);
    rmSync(link, { recursive: true, force: true });
    await assert.rejects(obtainAgeKey({ file: join(dir, 'web.agekey') }, '', false, dir), insideFlake);
    await assert.rejects(obtainAgeKey('generate', join(dir, 'new.agekey'), false, dir), insideFlake);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--force no longer replaces a key file: an existing file needs --replace-age-key, and the hint names it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'nb-key-'));
  try {
    const file = join(dir, 'web.agekey');
    writeFileSync(file, 'old');
    await assert.rejects(obtainAgeKey('generate', file, false), (error: unknown) => {
      assert.ok(error instanceof BootstrapError);
      assert.match(error.message, /already exists/);
      assert.match(error.hint ?? '', /--replace-age-key to replace it/);
      assert.doesNotMatch(error.hint ?? '', /--force/);
      return true;
    });
    assert.equal((await obtainAgeKey('generate', file, true)).generated, true);
    assert.equal(parseInstallFlags(['--flake', '.#web', '--force'], {}).replaceAgeKey, false);
    assert.equal(parseInstallFlags(['--flake', '.#web', '--replace-age-key'], {}).replaceAgeKey, true);
    assert.equal(parseWizardFlags(['--force'], {}).replaceAgeKey, false);
    assert.equal(parseWizardFlags(['--replace-age-key'], {}).replaceAgeKey, true);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a git flake git cannot list (here: git not on PATH) is refused before anything is sent, never sent whole', async () => {
  const dir = flakeDir();
  const savedPath = process.env.PATH;
  try {
    git(dir, 'init', '-q');
    git(dir, 'add', 'flake.nix');
    process.env.PATH = '/nonexistent';
    await assert.rejects(flakeTar(dir), /is in a git repository, but git cannot list its tracked files/);
    await assert.rejects(checkFlakeSource({ uri: dir, host: 'web' }, { mode: 'flake', repoPath: '/mnt/nix-config' }), /git cannot list/);
    process.env.PATH = savedPath;
    git(dir, 'rm', '-q', '-f', '--cached', 'flake.nix');
    await assert.rejects(checkFlakeSource({ uri: dir, host: 'web' }, { mode: 'flake', repoPath: '/mnt/nix-config' }), /flake\.nix is not tracked by git/);
  } finally {
    process.env.PATH = savedPath;
    rmSync(dir, { recursive: true, force: true });
  }
});
