// The wizard's flags: the install flags, parsed leniently (nothing required) but checked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BootstrapError } from '../../source/core/exit-codes.js';
import { choiceFlagSpec as installFlagSpec } from '../../source/flags/choice-flags.js';
import { parseWizardFlags } from '../../source/ui/wizard-options.js';

const usage = (pattern: RegExp) => (error: unknown) =>
  error instanceof BootstrapError && error.exitCode === 2 && pattern.test(`${error.message} ${error.hint ?? ''}`);

test('no flags at all is fine: every screen will ask', () => {
  const preset = parseWizardFlags([], {});
  assert.equal(preset.target, undefined);
  assert.equal(preset.flake, undefined);
  assert.equal(preset.layout, undefined);
  assert.equal(preset.finish, 'poweroff');
});

test('values given are parsed for their screens', () => {
  const preset = parseWizardFlags(
    [
      'root@[fe80::47%eth0]:2222',
      '--flake',
      'github:me/cfg#web',
      '--disk',
      '/dev/vda',
      '--luks',
      '--swap',
      '8G',
      '--allow-loop-disks',
      '--timeout',
      '1.5',
      '--name',
      'lab',
      '--expect-fingerprint',
      `SHA256:${'A'.repeat(43)}=`,
    ],
    {},
  );
  assert.deepEqual(preset.target, { host: 'fe80::47', interface: 'eth0', port: 2222, user: 'root' });
  assert.deepEqual(preset.flake, { uri: 'github:me/cfg', host: 'web', local: false });
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

test('headless-only flags point to install (none is accepted and ignored); a passphrase on stdin is refused (the wizard reads the terminal)', () => {
  assert.throws(() => parseWizardFlags(['--json'], {}), usage(/install --json/));
  assert.throws(() => parseWizardFlags(['--yes'], {}), usage(/type the disk name.*install --yes/));
  assert.throws(() => parseWizardFlags(['--resume'], {}), usage(/install --resume/));
  assert.throws(() => parseWizardFlags(['--host-key', '/k'], {}), usage(/--host-key belongs to install.*install --host-key/));
  assert.throws(() => parseWizardFlags(['--finish', 'reboot', '--wait'], {}), usage(/--wait belongs to install/));
  assert.throws(() => parseWizardFlags(['--wait-timeout', '60'], {}), usage(/--wait-timeout belongs to install/));
  assert.throws(() => parseWizardFlags(['--luks-passphrase-file', '-'], {}), usage(/not a passphrase on stdin/));
  assert.throws(() => parseWizardFlags(['--allow-missing-hardware-config'], {}), usage(/--allow-missing-hardware-config belongs to install/));
});

test('--write-disk-config is taken by the wizard (Review writes it), refused with a remote flake', () => {
  assert.equal(parseWizardFlags(['--write-disk-config', 'hosts/web/disks.nix'], {}).writeDiskConfig, 'hosts/web/disks.nix');
  assert.throws(
    () => parseWizardFlags(['--write-disk-config', 'disks.nix', '--flake', 'github:me/cfg#web'], {}),
    usage(/--write-disk-config needs a local flake/),
  );
});

test('--generate-hardware-config pre-fills the hardware screen; refused where no local flake can take the file', () => {
  const flag = ['--generate-hardware-config', 'nixos-facter', 'hosts/web/facter.json'];
  assert.deepEqual(parseWizardFlags(flag, {}).hardwareConfig, { generator: 'nixos-facter', path: 'hosts/web/facter.json' });
  assert.deepEqual(parseWizardFlags([...flag, '--flake', './cfg#web', '--mode', 'copy'], {}).hardwareConfig?.generator, 'nixos-facter');
  assert.throws(() => parseWizardFlags([...flag, '--flake', 'github:me/cfg#web'], {}), usage(/writes into a local flake.*install --generate-hardware-config/));
  assert.throws(() => parseWizardFlags([...flag, '--mode', 'clone'], {}), usage(/writes into a local flake/));
  assert.throws(() => parseWizardFlags(['--generate-hardware-config', 'lshw', 'x'], {}), usage(/must be one of nixos-generate-config, nixos-facter/));
});

/** A value each string flag of install accepts (two for the paired ones). A new flag without one fails the test below. */
const sampleValues: Record<string, string | [string, string]> = {
  port: '2222',
  identity: '/k',
  'expect-fingerprint': `SHA256:${'A'.repeat(43)}`,
  disk: '/dev/vda',
  layout: 'mounted',
  'efi-size': '1G',
  swap: '4G',
  'luks-passphrase-file': '/p',
  'luks-label': 'vault',
  'luks-name': 'vault',
  'luks-iter-time': '500',
  'label-efi': 'ESP',
  'label-root': 'root',
  'label-swap': 'sw',
  mkdir: 'persist',
  'post-mount': 'true',
  flake: 'github:me/cfg#web',
  mode: 'clone',
  repo: 'https://example.org/cfg.git',
  'repo-path': '/mnt/cfg',
  system: '/nix/store/abc-nixos',
  host: 'web',
  'age-key': 'none',
  'age-key-out': '/o',
  'age-key-name': 'web',
  secrets: '/s',
  finish: 'reboot',
  log: '/l.log',
  'host-key': '/h',
  'wait-timeout': '60',
  'write-disk-config': '/w.nix',
  'extra-files': '/x',
  chown: ['/persist/home/me', '1000:100'],
  'generate-hardware-config': ['nixos-facter', 'hosts/web/facter.json'],
  'disko-mode': 'format',
  'disk-encryption-keys': ['/tmp/secret.key', './secret.key'],
  'age-key-path': '/var/lib/sops-nix/key.txt',
  hosts: 'hosts.json',
  only: 'web1',
  concurrency: '2',
};

test('every install flag is either used by the wizard or refused: none is accepted and ignored', () => {
  // givenFlags lists every flag given, so it is left out: the question is whether a choice changed.
  const decided = (argv: string[]) => JSON.stringify({ ...parseWizardFlags(argv, {}), givenFlags: [] });
  const plain = decided([]);
  for (const [name, spec] of Object.entries(installFlagSpec)) {
    if (name === 'help') continue;
    const argv = spec.type === 'boolean' ? [`--${name}`] : [`--${name}`, ...[sampleValues[name] ?? assert.fail(`no sample value for --${name}`)].flat()];
    let changed: boolean;
    try {
      changed = decided(argv) !== plain;
    } catch (error) {
      assert.ok(error instanceof BootstrapError && error.exitCode === 2, `--${name}: ${String(error)}`);
      continue;
    }
    assert.ok(changed, `--${name} is accepted by the wizard but changes nothing`);
  }
});
