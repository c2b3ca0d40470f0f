// Flag checks shared by install and the wizard.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BootstrapError } from '../../source/core/exit-codes.js';
import { checkLuksLabel, checkRepoPath, connectionFlags, layoutLabels } from '../../source/flags/flag-values.js';
import { parseInstallFlags } from '../../source/headless/install-options.js';
import { parseWizardFlags } from '../../source/ui/wizard-options.js';

const usage = (pattern: RegExp) => (error: unknown) =>
  error instanceof BootstrapError && error.exitCode === 2 && pattern.test(`${error.message} ${error.hint ?? ''}`);

test('layout labels default to boot, nixos and swap, and take the flags', () => {
  assert.deepEqual(layoutLabels({}), { efi: 'boot', root: 'nixos', swap: 'swap' });
  assert.deepEqual(layoutLabels({ 'label-efi': 'ESP', 'label-root': 'root', 'label-swap': 'sw' }), { efi: 'ESP', root: 'root', swap: 'sw' });
});

test('a label longer than its filesystem allows, or with odd characters, is a usage error in install and the wizard', () => {
  const flake = ['--flake', 'github:me/cfg#web'];
  assert.throws(() => parseInstallFlags([...flake, '--label-efi', 'TWELVECHARSX'], {}), usage(/--label-efi 'TWELVECHARSX' is not a usable label.*up to 11/));
  assert.throws(() => parseWizardFlags(['--label-root', 'a'.repeat(17)], {}), usage(/--label-root .* up to 16/));
  assert.throws(() => parseInstallFlags([...flake, '--label-swap', 'my swap'], {}), usage(/--label-swap 'my swap'/));
  assert.deepEqual(parseInstallFlags([...flake, '--label-efi', 'ELEVENCHARS'], {}).choices.labels.efi, 'ELEVENCHARS');
});

test('connection flags read the same in install and the wizard: fingerprint normalised, INSTALL_DISK trimmed, --disk wins', () => {
  const key = 'SHA256:' + 'A'.repeat(43);
  const argv = ['-p', '2222', '-i', 'a', '-i', 'b', '--env-password', '--expect-fingerprint', `sha256:${'A'.repeat(43)}=`, '--force', '--allow-loop-disks'];
  const expected = { port: 2222, identities: ['a', 'b'], envPassword: true, expectFingerprint: key, force: true, allowLoopDisks: true, disk: '/dev/vda' };
  const env = { INSTALL_DISK: ' /dev/vda\n' };
  const fromInstall = parseInstallFlags(['--flake', 'github:me/cfg#web', ...argv], env);
  const fromWizard = parseWizardFlags(argv, env);
  for (const flags of [fromInstall, fromWizard]) {
    assert.deepEqual(Object.fromEntries(Object.keys(expected).map((name) => [name, flags[name as keyof typeof expected]])), expected);
  }
  assert.equal(connectionFlags({ disk: '/dev/sda' }, env).disk, '/dev/sda');
  assert.equal(connectionFlags({}, { INSTALL_DISK: '  ' }).disk, undefined);
});

test('a bad --expect-fingerprint, --host or --mkdir is a usage error in install too, before anything is contacted', () => {
  const flake = ['--flake', 'github:me/cfg#web'];
  assert.throws(() => parseInstallFlags([...flake, '--expect-fingerprint', 'SHA256:short'], {}), usage(/bad fingerprint 'SHA256:short'/));
  assert.throws(() => parseInstallFlags([...flake, '--expect-fingerprint', 'MD5:00:11'], {}), usage(/MD5 fingerprint.*SHA256 form/));
  assert.throws(() => parseWizardFlags(['--host=web/x'], {}), usage(/--host 'web\/x' is not a host name/));
  assert.throws(
    () => parseInstallFlags([...flake, '--mkdir', 'data/../../etc'], {}),
    usage(/--mkdir 'data\/\.\.\/\.\.\/etc' must be a directory inside \/mnt/),
  );
  assert.throws(() => parseWizardFlags(['--mkdir', '//'], {}), usage(/--mkdir/));
  assert.deepEqual(parseWizardFlags(['--mkdir', 'srv/data'], {}).mkdirs, ['srv/data']);
});

test('--luks-label longer than a GPT partition name (36 units) and a --repo-path outside /mnt are usage errors', () => {
  assert.equal(checkLuksLabel('a'.repeat(36)), 'a'.repeat(36));
  assert.throws(() => checkLuksLabel('a'.repeat(37)), /--luks-label 'a{37}' is not a usable label/);
  for (const bad of ['/mnt', '/mnt/', '/', '/mnt/../etc', '/mnt/./x', 'mnt/x', '/srv/x', '/mnt/a b', '/mnt/$(reboot)', '/mnt/boot', '/mnt/home/', '/mnt/nix']) {
    assert.throws(() => checkRepoPath(bad), /--repo-path .* must be a directory inside \/mnt/, bad);
  }
  assert.equal(checkRepoPath(undefined), '/mnt/nix-config');
  assert.equal(checkRepoPath('/mnt/etc/nixos/'), '/mnt/etc/nixos');
  assert.equal(checkRepoPath('/mnt/home/me/nix-config'), '/mnt/home/me/nix-config');
});
