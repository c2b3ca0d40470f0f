// The disko guard against a REAL `nix eval` (Debian's nix-bin) of self-contained flakes: disko
// runs only when its config formats exactly the confirmed disk.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { diskoDeviceGuard } from '../../../source/core/plan/phases/disko.js';
import type { Choices } from '../../../source/core/plan/types.js';

const work = mkdtempSync(join(tmpdir(), 'nb-disko-'));
after(() => rmSync(work, { recursive: true, force: true }));

const devices = (disks: Record<string, string>) =>
  `{ ${Object.entries(disks)
    .map(([n, device]) => `${n} = { type = "disk"; device = ${device}; };`)
    .join(' ')} }`;

/** A flake without inputs: its host's disko module names these disks, and `outputs` adds more. */
function flake(name: string, disks: Record<string, string>, outputs = ''): string {
  const dir = join(work, name);
  spawnSync('mkdir', ['-p', dir]);
  const quoted = Object.fromEntries(Object.entries(disks).map(([n, d]) => [n, `"${d}"`]));
  writeFileSync(join(dir, 'flake.nix'), `{ outputs = _: { nixosConfigurations.labhost.config.disko.devices.disk = ${devices(quoted)}; ${outputs} }; }\n`);
  return dir;
}

function guard(dir: string, diskRef: string) {
  const choices = { flake: { uri: `path:${dir}`, host: 'labhost' }, install: { mode: 'flake', repoPath: '/mnt/nix-config' } } as unknown as Choices;
  const home = join(work, 'home');
  // A scratch HOME and store: the flake copy and the evaluation cache stay in the test's
  // directory, and this machine's /nix is never created.
  return spawnSync('bash', ['-euc', diskoDeviceGuard({ choices, diskRef })], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, HOME: home, XDG_CACHE_HOME: join(home, '.cache'), NIX_CONFIG: `build-users-group =\nstore = ${join(work, 'store')}` },
  });
}

test('nix is here (the lab packages bring nix-bin), so the check is a real evaluation', () => {
  assert.equal(spawnSync('nix', ['--version']).status, 0, 'nix is missing: apt-get install nix-bin');
});

const hadNix = existsSync('/nix');
after(() => assert.equal(existsSync('/nix'), hadNix, 'the evaluation created this machine’s /nix'));

test('a config that formats only the confirmed disk passes, and says which', () => {
  const result = guard(flake('one', { main: '/dev/vda' }), '/dev/vda');
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, /the disko config formats only: \/dev\/vda/);
});

test('a module-style config naming another disk (ignoring --arg disks) is refused before disko runs', () => {
  const result = guard(flake('other', { main: '/dev/sdb' }), '/dev/vda');
  assert.notEqual(result.status, 0);
  assert.match(result.stderr, /refusing: the disko config would format \/dev\/sdb, not the confirmed disk \/dev\/vda/);
});

test('a config that also names a second disk is refused, as is one that names none', () => {
  const two = guard(flake('two', { main: '/dev/vda', backup: '/dev/sdc' }), '/dev/vda');
  assert.notEqual(two.status, 0);
  assert.match(two.stderr, /would format \/dev\/sdc/);
  const none = guard(flake('none', {}), '/dev/vda');
  assert.notEqual(none.status, 0);
  assert.match(none.stderr, /names no disk/);
});

test('disko’s own choice is checked: diskoConfigurations.<host> wins over the module, and a function gets the confirmed disk', () => {
  // The module says /dev/vda, but disko would format what diskoConfigurations names.
  const other = flake('disko-config', { main: '/dev/vda' }, `diskoConfigurations.labhost.disko.devices.disk = ${devices({ main: '"/dev/sdb"' })};`);
  const refused = guard(other, '/dev/vda');
  assert.notEqual(refused.status, 0);
  assert.match(refused.stderr, /would format \/dev\/sdb/);
  // A function of `disks` (the config disko calls with --arg disks): it gets the confirmed disk.
  const fn = flake(
    'disko-function',
    { main: '/dev/sdx' },
    `diskoConfigurations.labhost = { disks ? [ "/dev/sda" ], ... }: { disko.devices.disk = ${devices({ main: 'builtins.head disks' })}; };`,
  );
  const passed = guard(fn, '/dev/vda');
  assert.equal(passed.status, 0, passed.stderr);
  assert.match(passed.stdout, /formats only: \/dev\/vda/);
});
