import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

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
