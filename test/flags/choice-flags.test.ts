// One parser for both front ends: the same flags give the same choices in `install` and in the
// wizard (whose screens then start from them).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BootstrapError } from '../../source/core/exit-codes.js';
import { flakeChoice, installChoice } from '../../source/flags/choice-flags.js';
import { layoutFrom } from '../../source/flags/flag-values.js';
import { parseInstallFlags } from '../../source/headless/install-options.js';
import { answeredFlake, buildChoices } from '../../source/ui/state/choices.js';
import { initialState } from '../../source/ui/state/wizard-state.js';
import { parseWizardFlags } from '../../source/ui/wizard-options.js';

const usage = (pattern: RegExp) => (error: unknown) => error instanceof BootstrapError && error.exitCode === 2 && pattern.test(error.message);

const cases: string[][] = [
  [
    '--flake',
    'github:me/cfg#web',
    '--luks',
    '--luks-passphrase-file',
    '/p',
    '--swap',
    '8G',
    '--efi-size',
    '1G',
    '--luks-label',
    'vault',
    '--luks-iter-time',
    '500',
  ],
  [
    '--mode',
    'clone',
    '--repo',
    'https://example.org/cfg.git',
    '--host',
    'db',
    '--repo-path',
    '/mnt/cfg',
    '--layout',
    'mounted',
    '--luks',
    '--luks-passphrase-file',
    '/p',
  ],
  ['--mode', 'clone', '--flake', 'github:me/cfg#web', '--repo', 'https://example.org/cfg.git'],
  ['--mode', 'prebuilt', '--system', '/nix/store/abc-nixos', '--host', 'web', '--finish', 'none', '--mkdir', 'persist', '--tmpstore'],
  ['--flake', 'github:me/cfg#web', '--mode', 'copy', '--layout', 'disko', '--age-key-name', 'web2'],
];

test('install and the wizard make the same choices from the same flags', () => {
  for (const argv of cases) {
    const request = parseInstallFlags(argv, {});
    const preset = parseWizardFlags(argv, {});
    const state = initialState(preset, {
      layout: true,
      flake: flakeChoice(preset)!,
      ageKey: { info: { recipient: 'age1x', file: '/k', generated: false }, report: null },
    });
    state.disk = '/dev/vda';
    const wizard = buildChoices(state)!;
    const { disk, ageKey, hostKey, ...fromWizard } = wizard;
    assert.deepEqual(fromWizard, request.choices, argv.join(' '));
    assert.equal(ageKey?.path, request.ageKeyTarget, argv.join(' '));
    assert.deepEqual([disk, hostKey], [request.choices.layout.kind === 'mounted' ? '' : '/dev/vda', null]);
    // The flake screen, answered with what the flags pre-filled, says the same again.
    assert.deepEqual(answeredFlake(state.flake), request.choices.flake, argv.join(' '));
  }
});

test('clone installs from the repository, whatever --flake names, in both front ends', () => {
  const flags = { mode: 'clone' as const, repo: 'https://r', host: 'h' };
  assert.deepEqual(flakeChoice(flags), { uri: 'https://r', host: 'h' });
  assert.deepEqual(flakeChoice({ ...flags, flake: { uri: 'github:me/c', host: 'web', local: false } }), { uri: 'https://r', host: 'web' });
  assert.equal(flakeChoice({ mode: 'clone', host: 'h' }), undefined);
  assert.deepEqual(installChoice({ mode: undefined, repoPath: '/mnt/x' }), { mode: 'flake', repoPath: '/mnt/x' });
});

test('the ESP minimum holds on the layout screen as it does for --efi-size', () => {
  const luks = { label: 'l', name: 'n' };
  assert.throws(
    () => layoutFrom({ kind: 'labels', luks: false, efiSize: '16M', swapSize: '0' }, luks, { efiSize: 'ESP size', swapSize: 'Swap size' }),
    usage(/ESP size must be at least 32M/),
  );
  assert.throws(() => parseWizardFlags(['--efi-size', '16M'], {}), usage(/--efi-size must be at least 32M/));
  assert.throws(() => parseInstallFlags(['--flake', 'github:me/c#w', '--efi-size', '16M'], {}), usage(/--efi-size must be at least 32M/));
  assert.deepEqual(layoutFrom({ kind: 'labels', luks: true, efiSize: '1G', swapSize: '' }, luks), { kind: 'labels', efiSizeMiB: 1024, swapSizeMiB: 0, luks });
});

test('a bad TARGET is a usage error in install too, before anything is contacted', () => {
  assert.throws(() => parseInstallFlags(['root@fe80::47', '--flake', 'github:me/c#w'], {}), usage(/needs its interface/));
  assert.deepEqual(parseInstallFlags(['root@[fe80::47%eth0]:2222', '--flake', 'github:me/c#w'], {}).target, {
    host: 'fe80::47',
    interface: 'eth0',
    port: 2222,
    user: 'root',
  });
});

test('--age-key-path puts the key where sops-nix looks, in a directory of its own; --age-key-name picks the file under /etc/age', async () => {
  const flake = ['--flake', 'github:me/c#web'];
  assert.equal(parseInstallFlags(flake, {}).ageKeyTarget, '/etc/age/web.agekey');
  assert.equal(parseInstallFlags([...flake, '--age-key-name', 'web2'], {}).ageKeyTarget, '/etc/age/web2.agekey');
  assert.equal(parseInstallFlags([...flake, '--age-key-path', '/var/lib/sops-nix/key.txt'], {}).ageKeyTarget, '/var/lib/sops-nix/key.txt');
  assert.equal(parseWizardFlags(['--age-key-path', '/persist/sops/age.key'], {}).ageKeyPath, '/persist/sops/age.key');
  for (const bad of ['key.txt', '/var/lib/../etc/k', '/var/lib/sops-nix/', '/a b/k', '//etc/key', '/etc//key', '/etc/./key']) {
    assert.throws(() => parseInstallFlags([...flake, '--age-key-path', bad], {}), usage(/is not an absolute file path/), bad);
  }
  // Its directory becomes 700: never /etc, /var/lib or / itself.
  for (const shared of ['/etc/key.txt', '/var/lib/key.txt', '/key.txt', '/persist/var/lib/k']) {
    assert.throws(() => parseInstallFlags([...flake, '--age-key-path', shared], {}), usage(/would be made root-only/), shared);
  }
  assert.throws(() => parseInstallFlags([...flake, '--age-key-name', 'x', '--age-key-path', '/var/lib/sops-nix/key.txt'], {}), usage(/not both/));
  assert.throws(() => parseInstallFlags([...flake, '--age-key-path', '/home/me/.config/sops/age/keys.txt'], {}), usage(/in a user's home/));

  const { plan } = await import('../../source/core/plan/plan.js');
  const { choices, facts } = await import('../core/plan/fixtures.js');
  const commands = plan(facts(), choices({ ageKey: { recipient: 'age1x', path: '/var/lib/sops-nix/key.txt' } }))
    .phases.find((p) => p.id === 'age-key')!
    .commands.map((c) => c.run);
  assert.equal(commands[0], 'install -d -m 700 -o root -g root /mnt/var/lib/sops-nix && chmod 700 /mnt/var/lib/sops-nix');
  assert.match(
    commands[1]!,
    /cat > \/mnt\/var\/lib\/sops-nix\/\.key\.txt\.tmp .* mv -f \/mnt\/var\/lib\/sops-nix\/\.key\.txt\.tmp \/mnt\/var\/lib\/sops-nix\/key\.txt/,
  );
  assert.equal(commands[2], "stat -c '%a %U %n' /mnt/var/lib/sops-nix /mnt/var/lib/sops-nix/key.txt");
});
