// The README's main command, exactly as a newcomer runs it, without a person: `npm run demo --
// --auto` checks the packages, installs npm dependencies when needed, builds, starts a lab with
// the VM installer, drives the wizard through tmux to "Installed" and takes the lab down.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { labPaths } from '../../source/lab/lab-spec.js';

const root = new URL('../..', import.meta.url).pathname;

test('npm run demo -- --auto: packages, build, lab, the wizard to "Installed", lab down', { timeout: 600_000 }, () => {
  const result = spawnSync('npm', ['run', 'demo', '--', '--auto'], { cwd: root, encoding: 'utf8', timeout: 600_000 });
  const output = `${result.stdout}\n${result.stderr}`;
  assert.equal(result.status, 0, output.slice(-4000));
  assert.match(result.stdout, /demo: auto: the wizard installed demo and exited 0/);
  assert.match(result.stdout, /demo: done in \d+ s/);
  assert.ok(!existsSync(labPaths('demo').stateDir), 'the demo lab is gone');
});
