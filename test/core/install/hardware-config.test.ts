// --generate-hardware-config on this machine's side: where the file goes, and what a second
// run shows (the diff against what was there, or nothing when it is the same).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BootstrapError } from '../../../source/core/exit-codes.js';
import { hardwareConfigTarget, saveHardwareConfig } from '../../../source/core/install/hardware-config.js';
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
  assert.deepEqual(await saveHardwareConfig(target, '{ a = 1; }\n', false), { change: 'new', diff: '' });
  assert.throws(() => readFileSync(target.path), /ENOENT/, 'not written when told not to (a dry run)');
  assert.equal((await saveHardwareConfig(target, '{ a = 1; }\n', true)).change, 'new');
  assert.equal((await saveHardwareConfig(target, '{ a = 1; }\n', true)).change, 'unchanged');
  const changed = await saveHardwareConfig(target, '{ a = 2; }\n', true);
  assert.equal(changed.change, 'changed');
  assert.match(changed.diff, /^-\{ a = 1; \}$/m);
  assert.match(changed.diff, /^\+\{ a = 2; \}$/m);
  assert.equal(readFileSync(target.path, 'utf8'), '{ a = 2; }\n');
});
