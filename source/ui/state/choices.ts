// From the wizard's answers to the core's Choices: the same shape `install` builds from flags.
import { hostNamePattern } from '../../core/defaults.js';
import { usageError } from '../../core/exit-codes.js';
import { parseFlakeRef } from '../../core/plan/flake-ref.js';
import type { Choices, InstallChoice, Layout } from '../../core/plan/types.js';
import { ageKeyTargetPath, extraFilesChoice, flakeChoice, installChoice } from '../../flags/choice-flags.js';
import { layoutFrom, type LayoutAnswers } from '../../flags/flag-values.js';
import type { WizardPreset } from '../wizard-options.js';
import type { FlakeAnswers, WizardState } from './wizard-state.js';

/** Throws a usage error naming the field when a size cannot be read or is too small. */
export const buildLayout = (answers: LayoutAnswers, preset: WizardPreset): Layout =>
  layoutFrom(answers, preset.luksChoice, { efiSize: 'ESP size', swapSize: 'Swap size' });

/** Where the new system keeps the age identity. */
export const ageKeyTarget = (state: WizardState) => ageKeyTargetPath(state.preset, state.resolvedFlake?.host);

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
    install: answeredInstall(state.flake, preset),
    extraFiles: extraFilesChoice(preset),
    ageKey: state.ageKey ? { recipient: state.ageKey.recipient, path: ageKeyTarget(state) } : null,
    hostKey: null,
    finish: preset.finish,
  };
}

/** The flake screen's answers as the core's flake choice (before the local checks). */
export function answeredFlake(answers: FlakeAnswers): Choices['flake'] {
  const { mode } = answers;
  const host = answers.host.trim();
  if ((mode === 'flake' || mode === 'copy') && !answers.flake.trim())
    throw usageError('a flake reference is needed: URI#host, e.g. github:me/nixos-config#web or ./config#web');
  if (mode === 'clone' && !answers.repo.trim()) throw usageError('clone needs the repository URL');
  if (mode === 'prebuilt' && !answers.systemPath.startsWith('/nix/store/')) throw usageError('prebuilt needs the store path of the system: /nix/store/…');
  if ((mode === 'clone' || mode === 'prebuilt') && !hostNamePattern.test(host))
    throw usageError(host ? `'${host}' is not a host name` : 'a host name is needed');
  const flake = mode === 'flake' || mode === 'copy' ? parseFlakeRef(answers.flake.trim()) : undefined;
  return flakeChoice({ mode, flake, repo: answers.repo.trim(), systemPath: answers.systemPath, host })!;
}

export const answeredInstall = (answers: FlakeAnswers, preset: WizardPreset): InstallChoice =>
  installChoice({ mode: answers.mode, repo: answers.repo || undefined, repoPath: preset.repoPath, systemPath: answers.systemPath || undefined });
