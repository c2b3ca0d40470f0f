// Which screens a run shows: a screen whose answers all came as flags is skipped, except the
// ones that protect the disk (host key, review) and the ones that report (install, done).
import { hardwareOffered } from './hardware.js';
import { stepOrder, type StepId, type WizardState } from './wizard-state.js';

export function isSkipped(step: StepId, state: WizardState): boolean {
  switch (step) {
    case 'discover':
      return state.preset.target !== undefined;
    case 'connect':
      return false;
    case 'disk':
      return state.layout.kind === 'mounted' || (state.presetDisk?.disk !== undefined && state.presetDisk.error === undefined);
    case 'layout':
      return state.decided.layout;
    case 'flake':
      return state.decided.flake !== null;
    case 'hardware':
      return !hardwareOffered(state);
    case 'keys':
      return state.decided.ageKey !== null;
    case 'review':
    case 'install':
    case 'done':
      return false;
  }
}

/** The next screen to show after `from`. */
export function nextStep(from: StepId, state: WizardState): StepId {
  const start = stepOrder.indexOf(from) + 1;
  for (const step of stepOrder.slice(start)) if (!isSkipped(step, state)) return step;
  return 'done';
}

/** Steps the header shows (skipped ones are left out, so "3/7" means what it says). */
export function visibleSteps(state: WizardState): StepId[] {
  return stepOrder.filter((step) => !isSkipped(step, state) || step === state.step);
}

/** Esc has somewhere to go: not while installing or after it. */
export function canGoBack(state: WizardState): boolean {
  if (state.step === 'install' || state.step === 'done') return false;
  return state.history.length > 0 || (state.step === 'connect' && state.preset.target !== undefined);
}
