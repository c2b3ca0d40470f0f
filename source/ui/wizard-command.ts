// `nixos-bootstrap [TARGET] [options]`: the wizard. Flags are checked, and whatever they name on
// this machine (passphrase file, local flake, age key) is read, before Ink is even loaded; the
// screens those flags answer completely are skipped.
import { ExitCode, usageError } from '../core/exit-codes.js';
import type { AgeKeyChoice } from '../core/install/prepare.js';
import { flakeChoice, installChoice } from '../flags/choice-flags.js';
import type { PresetDecisions } from './state/wizard-state.js';
import { importWithoutFetch } from './import-without-fetch.js';
import { wizardHelp } from './wizard-help.js';
import { parseWizardFlags, type WizardPreset } from './wizard-options.js';

export interface TerminalCheck {
  stdin: { isTTY?: boolean };
  stdout: { isTTY?: boolean };
}

/** The wizard draws and reads a terminal; without one it points to the headless command. */
export function assertTerminal(io: TerminalCheck = process): void {
  if (io.stdin.isTTY && io.stdout.isTTY) return;
  throw usageError(
    `the wizard needs an interactive terminal (${[io.stdin.isTTY ? '' : 'stdin', io.stdout.isTTY ? '' : 'stdout'].filter(Boolean).join(' and ')} ${io.stdin.isTTY || io.stdout.isTTY ? 'is' : 'are'} not a terminal)`,
    'without one, give every choice as a flag: nixos-bootstrap install [TARGET] --flake URI#HOST --disk DEV --yes … (see nixos-bootstrap install --help)',
  );
}

/** Reads and checks what the flags point at on this machine; errors are usage errors (exit 2). */
export async function prepareFromFlags(preset: WizardPreset): Promise<{ decided: PresetDecisions; luksPassphrase?: string; ageKey?: AgeKeyChoice }> {
  const result: { decided: PresetDecisions; luksPassphrase?: string; ageKey?: AgeKeyChoice } = {
    decided: { layout: false, flake: null, ageKey: null },
  };
  if (preset.luksPassphraseFile !== undefined) {
    const { readPassphraseFile } = await import('../core/keys/passphrase.js');
    result.luksPassphrase = await readPassphraseFile(preset.luksPassphraseFile);
  }
  const luks = preset.luks === true && preset.layout !== 'disko';
  result.decided.layout = (preset.layout !== undefined || preset.luks !== undefined) && (!luks || result.luksPassphrase !== undefined);

  if (preset.extraFiles !== undefined) await (await import('../core/install/extra-files-check.js')).checkExtraFiles(preset.extraFiles, preset.chown);
  // Loaded only when a flag needs it: the first frame comes sooner without age and execa.
  const prepare = () => import('../core/install/prepare.js');
  const flake = flakeChoice(preset);
  if (flake) {
    result.decided.flake = await (await prepare()).checkFlakeSource(flake, installChoice(preset));
    const { refuseSecretInFlake } = await import('../core/keys/secret-paths.js');
    refuseSecretInFlake('--luks-passphrase-file', preset.luksPassphraseFile, result.decided.flake.localPath);
    const flakeDir = result.decided.flake.localPath;
    const mode = preset.mode ?? 'flake';
    if (flakeDir && (mode === 'flake' || mode === 'copy')) {
      const hardware = await import('../core/install/hardware-config.js');
      // The path is checked as install checks it (inside the flake), before the first screen.
      if (preset.hardwareConfig) hardware.hardwareConfigTarget(preset.hardwareConfig.path, preset.hardwareConfig.generator, flake.host, flakeDir);
      result.decided.hardwareConfig = await hardware.findHardwareConfig(flakeDir, flake.host);
    }
  }

  if (preset.ageKey === 'none') result.decided.ageKey = { info: null, report: null };
  else if (typeof preset.ageKey === 'object') {
    const { obtainAgeKey, secretsDirFor } = await prepare();
    const choice = await obtainAgeKey(preset.ageKey, '', preset.replaceAgeKey, result.decided.flake?.localPath);
    result.ageKey = choice;
    const dir = secretsDirFor(result.decided.flake ?? { uri: '', host: '' }, preset.secretsDir);
    const { checkSecrets } = await import('../core/keys/secrets-check.js');
    if (dir && !(await import('node:fs')).existsSync(dir)) throw usageError(`--secrets ${dir} does not exist`);
    const report = dir ? await checkSecrets(dir, choice.key.identity) : null;
    // Secrets that would not decrypt are shown on the keys screen, with the offer to stop.
    if (!report || report.unreadable.length === 0 || preset.allowUnreadableSecrets) {
      result.decided.ageKey = { info: { recipient: choice.key.recipient, file: choice.file, generated: false }, report };
    }
  }
  return result;
}

export async function main(argv: string[]): Promise<number> {
  if (argv.some((arg) => /^--hosts(=|$)/.test(arg))) return (await import('./fleet/fleet-command.js')).main(argv);
  const preset = parseWizardFlags(argv);
  if (preset.help) {
    process.stdout.write(wizardHelp);
    return ExitCode.ok;
  }
  assertTerminal();
  const prepared = await prepareFromFlags(preset);
  const { runWizard } = await importWithoutFetch(() => import('./run-wizard.js'));
  return runWizard({
    preset,
    decided: prepared.decided,
    ...(prepared.luksPassphrase !== undefined ? { luksPassphrase: prepared.luksPassphrase } : {}),
    ...(prepared.ageKey ? { ageKey: prepared.ageKey } : {}),
  });
}
