// --generate-hardware-config on this machine's side: where the file goes, and what a second
// run shows (the diff against what was there, or nothing when it is the same).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BootstrapError } from '../../../source/core/exit-codes.js';
import { findHardwareConfig, hardwareConfigTarget, saveHardwareConfig } from '../../../source/core/install/hardware-config.js';
import { parseInstallFlags } from '../../../source/headless/install-options.js';

const work = mkdtempSync(join(tmpdir(), 'nb-hw-'));
after(() => rmSync(work, { recursive: true, force: true }));

test('the flag takes the generator and the path; only nixos-generate-config and nixos-facter', () => {
  const flake = ['--flake', 'github:me/c#web'];
  assert.deepEqual(parseInstallFlags([...flake, '--generate-hardware-config', 'nixos-facter', 'hosts/web/facter.json'], {}).hardwareConfig, {
    generator: 'nixos-facter',
    path: 'hosts/web/facter.json',
  });
  assert.throws(
    () => parseInstallFlags([...flake, '--generate-hardware-config', 'lshw', 'x'], {}),
    (e: unknown) => e instanceof BootstrapError && /--generate-hardware-config must be one of nixos-generate-config, nixos-facter/.test(e.message),
  );
  assert.throws(() => parseInstallFlags([...flake, '--generate-hardware-config', 'nixos-facter'], {}), /takes two values/);
});

test('inside the local flake, or aside for a remote one; a second run shows the diff or says unchanged', async () => {
  const flakeDir = join(work, 'flake');
  mkdirSync(flakeDir);
  assert.throws(() => hardwareConfigTarget(join(work, 'hw.nix'), 'nixos-generate-config', 'web', flakeDir), /is outside the flake directory/);
  assert.match(hardwareConfigTarget('x.nix', 'nixos-facter', 'web', undefined).path, /nixos-bootstrap\/web-facter\.json$/);
  const target = hardwareConfigTarget(join(flakeDir, 'hosts', 'web', 'hardware.nix'), 'nixos-generate-config', 'web', flakeDir);
  assert.deepEqual(await saveHardwareConfig(target, '{ a = 1; }\n', false), { change: 'new', diff: '', gitAdded: false });
  assert.throws(() => readFileSync(target.path), /ENOENT/, 'not written when told not to (a dry run)');
  assert.equal((await saveHardwareConfig(target, '{ a = 1; }\n', true)).change, 'new');
  assert.equal((await saveHardwareConfig(target, '{ a = 1; }\n', true)).change, 'unchanged');
  const changed = await saveHardwareConfig(target, '{ a = 2; }\n', true);
  assert.equal(changed.change, 'changed');
  assert.match(changed.diff, /^-\{ a = 1; \}$/m);
  assert.match(changed.diff, /^\+\{ a = 2; \}$/m);
  assert.equal(readFileSync(target.path, 'utf8'), '{ a = 2; }\n');
});

/** A flake directory holding `files` (relative paths), each a small text file. */
function flakeWith(name: string, files: string[]): string {
  const dir = join(work, name);
  mkdirSync(dir);
  writeFileSync(join(dir, 'flake.nix'), '{ }\n');
  for (const file of files) {
    mkdirSync(join(dir, file, '..'), { recursive: true });
    writeFileSync(join(dir, file), '{ }\n');
  }
  return dir;
}

test("the flake's hardware configuration for the host: under a directory named after it, or at the root", async () => {
  assert.equal(await findHardwareConfig(flakeWith('none', ['hosts/web/configuration.nix']), 'web'), null);
  assert.equal(await findHardwareConfig(flakeWith('hosts', ['hosts/web/hardware-configuration.nix']), 'web'), 'hosts/web/hardware-configuration.nix');
  assert.equal(await findHardwareConfig(flakeWith('facter', ['machines/web/facter.json']), 'web'), 'machines/web/facter.json');
  assert.equal(await findHardwareConfig(flakeWith('root', ['hardware-configuration.nix']), 'web'), 'hardware-configuration.nix', 'a one-host flake');
  assert.equal(
    await findHardwareConfig(flakeWith('nested', ['systems/x86_64-linux/web/hw/hardware-configuration.nix']), 'web'),
    null,
    'five directories down is deeper than the search goes',
  );
  assert.equal(
    await findHardwareConfig(flakeWith('deep', ['systems/x86_64-linux/web/hardware-configuration.nix']), 'web'),
    'systems/x86_64-linux/web/hardware-configuration.nix',
  );
  assert.equal(
    await findHardwareConfig(flakeWith('below', ['hosts/web/hardware/facter.json']), 'web'),
    'hosts/web/hardware/facter.json',
    'any directory on the way may carry the host name',
  );
});

test("another host's file is not this host's; .git, node_modules and result links are not searched", async () => {
  const other = flakeWith('other', ['hosts/db/hardware-configuration.nix', 'hosts/webserver/hardware-configuration.nix', 'hosts/web/default.nix']);
  assert.equal(await findHardwareConfig(other, 'web'), null, 'only a path component equal to the host counts');
  assert.equal(await findHardwareConfig(other, 'db'), 'hosts/db/hardware-configuration.nix');
  const skipped = flakeWith('skipped', ['.git/web/hardware-configuration.nix', 'node_modules/web/facter.json', 'elsewhere/web/hardware-configuration.nix']);
  symlinkSync(join(skipped, 'elsewhere'), join(skipped, 'result'));
  symlinkSync(join(skipped, 'elsewhere'), join(skipped, 'result-1'));
  rmSync(join(skipped, 'elsewhere', 'web', 'hardware-configuration.nix'));
  mkdirSync(join(work, 'outside', 'web'), { recursive: true });
  writeFileSync(join(work, 'outside', 'web', 'hardware-configuration.nix'), '{ }\n');
  symlinkSync(join(work, 'outside'), join(skipped, 'result-2'));
  assert.equal(await findHardwareConfig(skipped, 'web'), null);
  // Any other link to a directory is followed (hosts/web -> ../machines/web is common).
  symlinkSync(join(work, 'outside'), join(skipped, 'linked'));
  assert.equal(await findHardwareConfig(skipped, 'web'), 'linked/web/hardware-configuration.nix');
  assert.equal(await findHardwareConfig(join(work, 'missing'), 'web'), null, 'a directory that is gone has none');
});
