// Flag checks shared by install and the wizard.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BootstrapError } from '../source/core/exit-codes.js';
import { layoutLabels } from '../source/flag-values.js';
import { parseInstallFlags } from '../source/headless/install-options.js';
import { parseWizardFlags } from '../source/ui/wizard-options.js';

const usage = (pattern: RegExp) => (error: unknown) => error instanceof BootstrapError && error.exitCode === 2 && pattern.test(`${error.message} ${error.hint ?? ''}`);

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
