import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// These run the built bundle (npm test builds first), as a user would.
const cli = 'dist/cli.js';
const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };

test('--version prints the package version', () => {
  assert.equal(execFileSync(process.execPath, [cli, '--version'], { encoding: 'utf8' }).trim(), pkg.version);
});

test('--help lists every subcommand and every exit code', () => {
  const help = execFileSync(process.execPath, [cli, '--help'], { encoding: 'utf8' });
  for (const command of ['discover', 'install', 'lab up|down|status|shell']) assert.match(help, new RegExp(command.replace(/\|/g, '\\|')));
  for (const code of ['0', '1', '2', '3', '4', '130']) assert.match(help, new RegExp(`^\\s+${code}\\s+\\S`, 'm'));
});

test('an unknown command is a usage error (exit 2)', () => {
  const result = spawnSync(process.execPath, [cli, 'frobnicate'], { encoding: 'utf8' });
  assert.equal(result.status, 2);
  assert.match(result.stderr, /unknown command 'frobnicate'/);
});

test('discover is one file of its own, loaded through a code cache, and its usage errors still exit 2 with their message', () => {
  // It is bundled whole (scripts/bundle-options.mjs): its error classes are copies of the entry's.
  for (const file of ['dist/discover-command.js', 'dist/discover-command.cjs']) {
    assert.deepEqual(
      [...readFileSync(file, 'utf8').matchAll(/(?:from\s*|import\(|require\()\s*"(\.[^"]+)"/g)].map((m) => m[1]),
      [],
      `${file} loads no chunk`,
    );
  }
  assert.match(readFileSync(cli, 'utf8'), /import\("\.\/discover-command\.js"\)/);
  const cache = mkdtempSync(join(tmpdir(), 'nb-code-cache-'));
  try {
    const discover = () =>
      spawnSync(process.execPath, [cli, 'discover', '--timeout', 'x'], { encoding: 'utf8', env: { ...process.env, XDG_CACHE_HOME: cache } });
    for (const result of [discover(), discover()]) {
      assert.equal(result.status, 2, result.stderr);
      assert.equal(result.stderr, "nixos-bootstrap: --timeout must be a number of seconds between 0 and 3600, not 'x'\n");
    }
    const written = readdirSync(join(cache, 'nixos-bootstrap', 'code-cache'));
    assert.equal(written.length, 1, 'the first run wrote the cache, the second used it');
    assert.match(written[0]!, /^discover-command\.cjs-[0-9a-f]{16}-v\d+\.\d+\.\d+-\w+\.v8$/);
  } finally {
    rmSync(cache, { recursive: true, force: true });
  }
});

test('--help and --version do not load Ink', () => {
  // The entry chunk must not import the chunks that hold Ink/React statically.
  const entry = readFileSync(cli, 'utf8');
  const staticImports = [...entry.matchAll(/^import[^;]*from\s*"([^"]+)"/gm)].map((m) => m[1]!);
  for (const chunk of staticImports.filter((s) => s.startsWith('./'))) {
    const text = readFileSync(new URL(chunk, new URL(`file://${process.cwd()}/${cli}`)), 'utf8');
    assert.doesNotMatch(text, /yoga|reconciler/i, `${chunk} is loaded eagerly and holds Ink`);
  }
});

test('a target as the first argument goes to the wizard, which without a terminal points to install', () => {
  const result = spawnSync(process.execPath, [cli, 'root@fe80::47%eth0'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  assert.equal(result.status, 2);
  assert.match(result.stderr, /the wizard needs an interactive terminal \(stdin and stdout are not a terminal\)/);
  assert.match(result.stderr, /nixos-bootstrap install/);
});

test('SSH_PASS is read once and removed: no child process the tool starts inherits it', () => {
  // A stand-in `nix` records the environment it got; copy mode asks `nix --version` before
  // anything is contacted (192.0.2.1 is never reached).
  const dir = mkdtempSync(join(tmpdir(), 'nb-env-'));
  try {
    writeFileSync(join(dir, 'nix'), `#!/bin/sh\nenv > ${join(dir, 'seen-env')}\nexit 1\n`, { mode: 0o755 });
    const result = spawnSync(process.execPath, [cli, 'install', 'root@192.0.2.1', '--flake', 'github:me/c#web', '--mode', 'copy', '--env-password'], {
      encoding: 'utf8',
      env: { PATH: `${dir}:${process.env.PATH}`, HOME: dir, SSH_PASS: 'hunter2-not-for-children' },
    });
    assert.equal(result.status, 2, result.stderr);
    const seen = readFileSync(join(dir, 'seen-env'), 'utf8');
    assert.match(seen, /^PATH=/m, 'the stand-in ran');
    assert.ok(!seen.includes('hunter2-not-for-children') && !/^SSH_PASS=/m.test(seen), seen);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the published package holds the CLI and no lab; the lab from an installed package says where it runs', () => {
  const [packed] = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { encoding: 'utf8' })) as Array<{
    files: Array<{ path: string }>;
  }>;
  const files = packed!.files.map((f) => f.path);
  assert.ok(files.includes('dist/cli.js'), files.join(' '));
  const strays = files.filter((f) => !/^(dist\/.*\.c?js|README\.md|package\.json|LICENSE)$/.test(f));
  assert.deepEqual(strays, [], 'only the bundle, the README and package.json are published');
  for (const file of files.filter((f) => f.startsWith('dist/')))
    assert.doesNotMatch(readFileSync(file, 'utf8'), /qemu-system|nsenter/, `${file} holds lab code`);

  // An installed package: dist/ and package.json only.
  const installed = mkdtempSync(join(tmpdir(), 'nb-installed-'));
  try {
    execFileSync('cp', ['-r', 'dist', 'package.json', installed]);
    const lab = spawnSync(process.execPath, [join(installed, 'dist/cli.js'), 'lab', 'status'], { encoding: 'utf8' });
    assert.equal(lab.status, 2);
    assert.match(lab.stderr, /the lab is not part of the installed package/);
    assert.match(lab.stderr, /from a clone of the repository/);
  } finally {
    rmSync(installed, { recursive: true, force: true });
  }
});
