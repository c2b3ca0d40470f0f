// The wizard's state: every answer the user gave, what the core found, and where we are. It
// holds no secret (passphrase, password, age identity live in the runtime's vault) and no live
// object (session, discovery, run): the reducer stays pure and the state printable.
import { defaultEfiSize, type HardwareGenerator } from '../../core/defaults.js';
import type { Candidate } from '../../core/discovery/candidate.js';
import type { Facts } from '../../core/facts/types.js';
import type { SecretsReport } from '../../core/keys/secrets-check.js';
import type { HostKeyInfo } from '../../core/ssh/host-identity.js';
import type { Choices, InstallMode, PhaseId, Plan } from '../../core/plan/types.js';
import type { Target } from '../../core/ssh/types.js';
import type { WizardPreset } from '../wizard-options.js';
import { flagsHost } from '../../flags/choice-flags.js';
import type { LayoutAnswers } from '../../flags/flag-values.js';

export type StepId = 'discover' | 'connect' | 'disk' | 'layout' | 'flake' | 'hardware' | 'keys' | 'review' | 'install' | 'done';

export const stepOrder: readonly StepId[] = ['discover', 'connect', 'disk', 'layout', 'flake', 'hardware', 'keys', 'review', 'install', 'done'];

export const stepTitles: Record<StepId, string> = {
  discover: 'Discover',
  connect: 'Connect',
  disk: 'Disk',
  layout: 'Layout',
  flake: 'Flake',
  hardware: 'Hardware',
  keys: 'Keys',
  review: 'Review',
  install: 'Install',
  done: 'Done',
};

/** Form answers as typed (sizes stay text until the form is submitted). */
export type { LayoutAnswers };

export interface FlakeAnswers {
  /** `URI#host` for the flake and copy modes. */
  flake: string;
  mode: InstallMode;
  repo: string;
  systemPath: string;
  /** Host name for clone and prebuilt (flake/copy take it from `#host`). */
  host: string;
}

export type HardwareChoice = HardwareGenerator | 'skip';

export interface HardwareAnswers {
  choice: HardwareChoice;
  /** Where the file goes, relative to the flake; undefined until edited (the default follows the generator). */
  path?: string;
}

/** What the hardware screen generated (the text itself stays on the screen). */
export interface HardwareResult {
  generator: HardwareGenerator;
  /** Absolute, inside the local flake. */
  path: string;
  change: 'new' | 'changed' | 'unchanged';
  written: boolean;
}

export type KeySourceKind = 'generate' | 'file' | 'none';

export interface KeyAnswers {
  source: KeySourceKind;
  /** The identity file to load. */
  file: string;
  /** Where a generated key is saved. */
  out: string;
}

/** The public half of the chosen age key. */
export interface AgeKeyInfo {
  recipient: string;
  /** Local private key file (0600). */
  file: string;
  generated: boolean;
}

export type InstallPhase = 'running' | 'confirm-stop' | 'stopping' | 'done' | 'failed' | 'aborted';

export interface InstallStatus {
  phase: InstallPhase;
  logPath: string;
  /** Where it stopped, and why (failed/aborted). */
  stoppedAt?: PhaseId;
  message?: string;
  lastLines?: string[];
  elapsedMs?: number;
}

/** What the flags settled before the first screen (checked: skipping relies on it). */
export interface PresetDecisions {
  /** Layout and encryption fully given (with the passphrase file when LUKS). */
  layout: boolean;
  /** The configuration fully given and checked. */
  flake: Choices['flake'] | null;
  /** `--age-key FILE|none` given, loaded, and the secrets are ready (or allowed not to be). */
  ageKey: { info: AgeKeyInfo | null; report: SecretsReport | null } | null;
  /** For a local flake given as a flag: the hardware configuration it has for the host (relative path), or null. */
  hardwareConfig?: string | null;
}

export interface WizardState {
  preset: WizardPreset;
  decided: PresetDecisions;
  step: StepId;
  /** Screens shown before this one, for Esc. */
  history: StepId[];
  help: boolean;
  target?: Target;
  candidate?: Candidate;
  hostKey?: HostKeyInfo;
  facts?: Facts;
  /** The --disk flag's verdict once the facts are known. */
  presetDisk?: { disk?: string; error?: string };
  disk?: string;
  layout: LayoutAnswers;
  passphraseSet: boolean;
  flake: FlakeAnswers;
  resolvedFlake?: Choices['flake'];
  /**
   * The hardware configuration the local flake has for the host (relative path); null: none, so
   * the hardware screen offers one; undefined: not looked for (not a local flake).
   */
  hardwareFound?: string | null;
  hardware: HardwareAnswers;
  hardwareResult?: HardwareResult;
  keys: KeyAnswers;
  /** undefined: not chosen yet; null: no key. */
  ageKey?: AgeKeyInfo | null;
  secrets?: SecretsReport | null;
  plan?: Plan;
  install?: InstallStatus;
}

export function initialState(preset: WizardPreset, decided: PresetDecisions): WizardState {
  const state: WizardState = {
    preset,
    decided,
    step: preset.target ? 'connect' : 'discover',
    history: [],
    help: false,
    layout: {
      kind: preset.layout ?? 'labels',
      luks: preset.luks ?? false,
      efiSize: preset.efiSize ?? defaultEfiSize,
      swapSize: preset.swap ?? '0',
    },
    passphraseSet: false,
    flake: {
      flake: preset.flake ? `${preset.flake.uri}#${preset.flake.host}` : '',
      mode: preset.mode ?? 'flake',
      repo: preset.repo ?? '',
      systemPath: preset.systemPath ?? '',
      host: flagsHost(preset) ?? '',
    },
    hardware: { choice: preset.hardwareConfig?.generator ?? 'nixos-generate-config' },
    keys: {
      source: preset.ageKey === undefined || preset.ageKey === 'generate' ? 'generate' : preset.ageKey === 'none' ? 'none' : 'file',
      file: typeof preset.ageKey === 'object' ? preset.ageKey.file : '',
      out: preset.ageKeyOut ?? '',
    },
  };
  if (preset.target) state.target = preset.target;
  if (decided.flake) state.resolvedFlake = decided.flake;
  if (decided.hardwareConfig !== undefined) state.hardwareFound = decided.hardwareConfig;
  if (decided.ageKey) {
    state.ageKey = decided.ageKey.info;
    state.secrets = decided.ageKey.report;
  }
  return state;
}
