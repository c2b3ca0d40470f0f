// From the wizard's answers to the core's Choices: the same shape `install` builds from flags.
import { parseSizeMiB } from '../../core/plan/sizes.js';
import type { Choices, Layout, LuksChoice } from '../../core/plan/types.js';
import type { WizardPreset } from '../wizard-options.js';
import type { LayoutAnswers, WizardState } from './wizard-state.js';

export function luksChoice(preset: WizardPreset): LuksChoice {
  return {
    label: preset.luksLabel,
    name: preset.luksName,
    ...(preset.luksIterTimeMs !== undefined ? { iterTimeMs: preset.luksIterTimeMs } : {}),
  };
}

/** Throws a usage error naming the field when a size cannot be read. */
export function buildLayout(answers: LayoutAnswers, preset: WizardPreset): Layout {
  const luks = answers.luks ? luksChoice(preset) : null;
  switch (answers.kind) {
    case 'labels':
      return { kind: 'labels', efiSizeMiB: parseSizeMiB(answers.efiSize, 'ESP size'), swapSizeMiB: parseSizeMiB(answers.swapSize || '0', 'Swap size'), luks };
    case 'mounted':
      return { kind: 'mounted', luks };
    case 'disko':
      return { kind: 'disko' };
  }
}

/** The file name of the key under /mnt/etc/age. */
export const ageKeyFileName = (state: WizardState) => `${state.preset.ageKeyName ?? (state.resolvedFlake?.host || 'host')}.agekey`;

/** Everything decided so far, as the core's Choices; undefined until every screen before Review was answered. */
export function buildChoices(state: WizardState): Choices | undefined {
  const { preset } = state;
  if (!state.resolvedFlake || state.ageKey === undefined) return undefined;
  if (state.layout.kind !== 'mounted' && !state.disk) return undefined;
  return {
    disk: state.layout.kind === 'mounted' ? '' : state.disk!,
    layout: buildLayout(state.layout, preset),
    labels: preset.labels,
    mkdirs: preset.mkdirs,
    postMount: preset.postMount,
    tmpstore: preset.tmpstore,
    flake: state.resolvedFlake,
    install: {
      mode: state.flake.mode,
      ...(state.flake.repo ? { repo: state.flake.repo } : {}),
      repoPath: preset.repoPath,
      ...(state.flake.systemPath ? { systemPath: state.flake.systemPath } : {}),
    },
    ageKey: state.ageKey ? { recipient: state.ageKey.recipient, fileName: ageKeyFileName(state) } : null,
    hostKey: null,
    finish: preset.finish,
  };
}
