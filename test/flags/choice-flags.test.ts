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
  ['--flake', 'github:me/cfg#web', '--luks', '--luks-passphrase-file', '/p', '--swap', '8G', '--efi-size', '1G', '--luks-label', 'vault', '--luks-iter-time', '500'],
  ['--mode', 'clone', '--repo', 'https://example.org/cfg.git', '--host', 'db', '--repo-path', '/mnt/cfg', '--layout', 'mounted', '--luks', '--luks-passphrase-file', '/p'],
  ['--mode', 'clone', '--flake', 'github:me/cfg#web', '--repo', 'https://example.org/cfg.git'],
  ['--mode', 'prebuilt', '--system', '/nix/store/abc-nixos', '--host', 'web', '--finish', 'none', '--mkdir', 'persist', '--tmpstore'],
  ['--flake', 'github:me/cfg#web', '--mode', 'copy', '--layout', 'disko', '--age-key-name', 'web2'],
];

test('install and the wizard make the same choices from the same flags', () => {
  for (const argv of cases) {
    const request = parseInstallFlags(argv, {});
    const preset = parseWizardFlags(argv, {});
    const state = initialState(preset, { layout: true, flake: flakeChoice(preset)!, ageKey: { info: { recipient: 'age1x', file: '/k', generated: false }, report: null } });
    state.disk = '/dev/vda';
    const wizard = buildChoices(state)!;
    const { disk, ageKey, hostKey, ...fromWizard } = wizard;
    assert.deepEqual(fromWizard, request.choices, argv.join(' '));
    assert.equal(ageKey?.fileName, `${request.ageKeyName}.agekey`, argv.join(' '));
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
  assert.throws(() => layoutFrom({ kind: 'labels', luks: false, efiSize: '16M', swapSize: '0' }, luks, { efiSize: 'ESP size', swapSize: 'Swap size' }), usage(/ESP size must be at least 32M/));
  assert.throws(() => parseWizardFlags(['--efi-size', '16M'], {}), usage(/--efi-size must be at least 32M/));
  assert.throws(() => parseInstallFlags(['--flake', 'github:me/c#w', '--efi-size', '16M'], {}), usage(/--efi-size must be at least 32M/));
  assert.deepEqual(layoutFrom({ kind: 'labels', luks: true, efiSize: '1G', swapSize: '' }, luks), { kind: 'labels', efiSizeMiB: 1024, swapSizeMiB: 0, luks });
});

test('a bad TARGET is a usage error in install too, before anything is contacted', () => {
  assert.throws(() => parseInstallFlags(['root@fe80::47', '--flake', 'github:me/c#w'], {}), usage(/needs its interface/));
  assert.deepEqual(parseInstallFlags(['root@[fe80::47%eth0]:2222', '--flake', 'github:me/c#w'], {}).target, { host: 'fe80::47', interface: 'eth0', port: 2222, user: 'root' });
});
