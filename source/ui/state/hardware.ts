// The hardware screen's questions, decided from the state alone: whether it is shown at all, and
// what its path field holds before it is edited.
import { isAbsolute, relative, resolve } from 'node:path';
import { hardwareFileName, type HardwareGenerator } from '../../core/defaults.js';
import { usageError } from '../../core/exit-codes.js';
import type { InstallMode } from '../../core/plan/types.js';
import type { WizardState } from './wizard-state.js';

/** The local flake a generated file can go into (flake and copy modes build from it). */
export const hardwareFlakeDir = (state: WizardState): string | undefined =>
  state.flake.mode === 'flake' || state.flake.mode === 'copy' ? state.resolvedFlake?.localPath : undefined;

/**
 * Shown for a local flake that has no hardware configuration for the host (without one, the
 * initrd may lack the disk's driver), and always when --generate-hardware-config asked for one.
 */
export function hardwareOffered(state: WizardState): boolean {
  if (!hardwareFlakeDir(state)) return false;
  return state.hardwareFound === null || state.preset.hardwareConfig !== undefined;
}

/** The path field before it is edited: the flag's path (it was relative to the shell), else hosts/HOST/<file>. */
export function defaultHardwarePath(state: WizardState, generator: HardwareGenerator): string {
  const flakeDir = hardwareFlakeDir(state);
  const flag = state.preset.hardwareConfig;
  if (flag && flag.generator === generator && flakeDir) {
    const absolute = resolve(flag.path);
    const inFlake = relative(flakeDir, absolute);
    // Outside the flake it stays as given, absolute, so the screen's check names it.
    return inFlake === '..' || inFlake.startsWith('../') || isAbsolute(inFlake) ? absolute : inFlake;
  }
  return `hosts/${state.resolvedFlake?.host || 'HOST'}/${hardwareFileName(generator)}`;
}

/** The path field's text as a path on this machine (relative means inside the flake). */
export const hardwarePathIn = (flakeDir: string, path: string) => (isAbsolute(path) ? path : resolve(flakeDir, path));

/**
 * --generate-hardware-config writes into a local flake: with any other source it could not be
 * honoured, so it is refused (a usage error) rather than dropped.
 */
export function refuseHardwareFlagWithout(flagGiven: boolean, mode: InstallMode, localPath: string | undefined): void {
  if (!flagGiven || ((mode === 'flake' || mode === 'copy') && localPath)) return;
  throw usageError(
    `--generate-hardware-config writes into a local flake, and ${mode === 'flake' || mode === 'copy' ? 'this flake is not on this machine' : `--mode ${mode} has none`}`,
    'choose a local flake (./config#web) with mode flake or copy, or start again without --generate-hardware-config',
  );
}
