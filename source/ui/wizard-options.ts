// The wizard's flags: install's flags, parsed by the same parser but nothing is required (a
// missing value is asked on its screen); the flags that only make sense headless are refused.
import { usageError } from '../core/exit-codes.js';
import { choiceFlagSpec, parseChoiceFlags, type ChoiceFlags } from '../flags/choice-flags.js';
import { discoveryFlags, discoveryFlagSpec, type DiscoveryFlags } from '../flags/discovery-flags.js';
import { wizardHelp } from './wizard-help.js';

export const wizardFlagSpec = { ...choiceFlagSpec, ...discoveryFlagSpec } as const;

/** What the flags decided; everything optional is asked on its screen. */
export interface WizardPreset extends ChoiceFlags {
  discovery: DiscoveryFlags;
}

/** Parses the wizard's argv; a bad value is a usage error (exit 2) before anything starts. */
export function parseWizardFlags(argv: string[], env: NodeJS.ProcessEnv = process.env): WizardPreset {
  const fleet = argv.find((arg) => /^--(all|only|concurrency)(=|$)/.test(arg));
  if (fleet) throw usageError(`${fleet.split('=')[0]} needs --hosts FILE`, 'for several machines: nixos-bootstrap --hosts FILE …');
  const { flags, values } = parseChoiceFlags(argv, wizardFlagSpec, wizardHelp, env);
  if (flags.json) throw usageError('the wizard has no --json', 'for NDJSON events use: nixos-bootstrap install --json …');
  if (flags.resume) throw usageError('--resume belongs to install', 'continue a stopped run with: nixos-bootstrap install --resume TARGET');
  // Accepted and then ignored, these would install no host key or wait for nothing unnoticed.
  const headlessOnly = ['host-key', 'wait', 'wait-timeout', 'allow-missing-hardware-config', 'disko-mode', 'disk-encryption-keys'] as const;
  for (const flag of headlessOnly) {
    if (values[flag] !== undefined)
      throw usageError(`--${flag} belongs to install`, `the wizard has no --${flag} yet: use nixos-bootstrap install --${flag} …`);
  }
  if (flags.writeDiskConfig !== undefined && flags.flake && !flags.flake.local)
    throw usageError('--write-disk-config needs a local flake (the file goes into it)', 'give --flake ./dir#host, or copy the module from the Review screen');
  // A pre-fill of the hardware screen, which only a local flake has: refused now when the flags
  // already rule that out (the flake screen refuses a remote one chosen there).
  if (flags.hardwareConfig && ((flags.mode !== undefined && flags.mode !== 'flake' && flags.mode !== 'copy') || (flags.flake && !flags.flake.local))) {
    throw usageError(
      '--generate-hardware-config writes into a local flake',
      'give a local flake (--flake ./config#web, mode flake or copy), or use nixos-bootstrap install --generate-hardware-config for a remote one',
    );
  }
  if (flags.yes)
    throw usageError('the wizard confirms by asking you to type the disk name, not --yes', 'for unattended installs use: nixos-bootstrap install --yes …');
  if (flags.luksPassphraseFile === '-') {
    throw usageError(
      'the wizard reads the terminal, not a passphrase on stdin',
      'give --luks-passphrase-file FILE, or type the passphrase on the encryption screen',
    );
  }
  return { ...flags, discovery: discoveryFlags(values) };
}
