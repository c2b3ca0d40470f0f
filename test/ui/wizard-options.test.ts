// The wizard's flags: the install flags, parsed leniently (nothing required) but checked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BootstrapError } from '../../source/core/exit-codes.js';
import { parseWizardFlags } from '../../source/ui/wizard-options.js';

const usage = (pattern: RegExp) => (error: unknown) => error instanceof BootstrapError && error.exitCode === 2 && pattern.test(`${error.message} ${error.hint ?? ''}`);

test('no flags at all is fine: every screen will ask', () => {
  const preset = parseWizardFlags([], {});
  assert.equal(preset.target, undefined);
  assert.equal(preset.flake, undefined);
  assert.equal(preset.layout, undefined);
  assert.equal(preset.finish, 'poweroff');
});

test('values given are parsed for their screens', () => {
  const preset = parseWizardFlags(
    ['root@[fe80::47%eth0]:2222', '--flake', 'github:me/cfg#web', '--disk', '/dev/vda', '--luks', '--swap', '8G', '--allow-loop-disks', '--timeout', '1.5', '--name', 'lab', '--expect-fingerprint', `SHA256:${'A'.repeat(43)}=`],
    {},
  );
  assert.deepEqual(preset.target, { host: 'fe80::47', interface: 'eth0', port: 2222, user: 'root' });
  assert.equal(preset.flake, 'github:me/cfg#web');
  assert.equal(preset.disk, '/dev/vda');
  assert.equal(preset.luks, true);
  assert.equal(preset.swap, '8G');
  assert.equal(preset.allowLoopDisks, true);
  assert.deepEqual(preset.discovery, { timeoutMs: 1500, interfaces: [], names: ['lab'] });
  assert.equal(preset.expectFingerprint, `SHA256:${'A'.repeat(43)}`);
});

test('INSTALL_DISK pre-fills the disk like --disk (the flag wins)', () => {
  assert.equal(parseWizardFlags([], { INSTALL_DISK: '/dev/sdb' }).disk, '/dev/sdb');
  assert.equal(parseWizardFlags(['--disk', '/dev/sdc'], { INSTALL_DISK: '/dev/sdb' }).disk, '/dev/sdc');
});

test('bad values are usage errors (exit 2) before anything starts', () => {
  assert.throws(() => parseWizardFlags(['--flake', 'github:me/cfg'], {}), usage(/names no host/));
  assert.throws(() => parseWizardFlags(['--layout', 'zfs'], {}), usage(/--layout must be one of/));
  assert.throws(() => parseWizardFlags(['--swap', 'lots'], {}), usage(/--swap: cannot read size/));
  assert.throws(() => parseWizardFlags(['--luks', '--layout', 'disko'], {}), usage(/does not apply to --layout disko/));
  assert.throws(() => parseWizardFlags(['root@fe80::47'], {}), usage(/needs its interface/));
  assert.throws(() => parseWizardFlags(['--frobnicate'], {}), usage(/Unknown option '--frobnicate'/));
  assert.throws(() => parseWizardFlags(['a', 'b'], {}), usage(/unexpected argument 'b'/));
  assert.throws(() => parseWizardFlags(['--expect-fingerprint', 'MD5:aa'], {}), usage(/MD5/));
});

test('headless-only flags point to install; a passphrase on stdin is refused (the wizard reads the terminal)', () => {
  assert.throws(() => parseWizardFlags(['--json'], {}), usage(/install --json/));
  assert.throws(() => parseWizardFlags(['--yes'], {}), usage(/type the disk name.*install --yes/));
  assert.throws(() => parseWizardFlags(['--resume'], {}), usage(/install --resume/));
  assert.throws(() => parseWizardFlags(['--luks-passphrase-file', '-'], {}), usage(/not a passphrase on stdin/));
});
