// The one place the wizard's state changes: pure, typed actions, an exhaustive switch.
import { formatTarget } from '../../core/ssh/target.js';
import type { WizardAction } from './actions.js';
import { canGoBack, nextStep } from './steps.js';
import type { InstallPhase, StepId, WizardState } from './wizard-state.js';

/** Moves forward from `from`, remembering it for Esc. */
function advance(state: WizardState, from: StepId): WizardState {
  const history = state.history[state.history.length - 1] === from ? state.history : [...state.history, from];
  return { ...state, history, step: nextStep(from, state) };
}

/** Answers that depend on the machine: forgotten when another machine is picked. */
function forgetMachine(state: WizardState): WizardState {
  const { hostKey: _h, facts: _f, presetDisk: _p, disk: _d, plan: _plan, ...rest } = state;
  return rest;
}

const dropPlan = (state: WizardState): WizardState => {
  const { plan: _plan, ...rest } = state;
  return rest;
};

function setInstallPhase(state: WizardState, from: InstallPhase[], to: InstallPhase): WizardState {
  if (!state.install || !from.includes(state.install.phase)) return state;
  return { ...state, install: { ...state.install, phase: to } };
}

export function wizardReducer(state: WizardState, action: WizardAction): WizardState {
  switch (action.type) {
    case 'help':
      return { ...state, help: action.open };
    case 'back': {
      if (!canGoBack(state)) return state;
      if (state.history.length === 0) return { ...state, step: 'discover', help: false };
      const history = state.history.slice(0, -1);
      return { ...state, history, step: state.history[state.history.length - 1]!, help: false };
    }
    case 'target-picked': {
      const same = state.target !== undefined && formatTarget(state.target) === formatTarget(action.target);
      const base = same ? state : forgetMachine(state);
      const next: WizardState = { ...base, target: action.target };
      if (action.candidate) next.candidate = action.candidate;
      else delete next.candidate;
      return advance(next, 'discover');
    }
    case 'connected': {
      const next: WizardState = { ...dropPlan(state), hostKey: action.hostKey, facts: action.facts };
      if (action.presetDisk) {
        next.presetDisk = action.presetDisk;
        if (action.presetDisk.disk && !action.presetDisk.error) next.disk = action.presetDisk.disk;
      }
      return advance(next, 'connect');
    }
    case 'disk-chosen':
      return advance({ ...dropPlan(state), disk: action.disk }, 'disk');
    case 'layout-edited':
      return { ...dropPlan(state), layout: { ...state.layout, ...action.patch } };
    case 'layout-chosen':
      return advance({ ...state, passphraseSet: action.passphraseSet }, 'layout');
    case 'flake-edited':
      return { ...dropPlan(state), flake: { ...state.flake, ...action.patch } };
    case 'flake-chosen': {
      const { hardwareFound: _found, hardwareResult: _result, ...rest } = dropPlan(state);
      const next: WizardState = { ...rest, resolvedFlake: action.resolved };
      if (action.hardwareConfig !== undefined) next.hardwareFound = action.hardwareConfig;
      return advance(next, 'flake');
    }
    case 'hardware-edited':
      return { ...state, hardware: { ...state.hardware, ...action.patch } };
    case 'hardware-done': {
      const { hardwareResult: _result, ...rest } = state;
      return advance(action.result ? { ...rest, hardwareResult: action.result } : rest, 'hardware');
    }
    case 'keys-edited':
      return { ...state, keys: { ...state.keys, ...action.patch } };
    case 'age-key-ready':
      return { ...dropPlan(state), ageKey: action.ageKey, secrets: action.report };
    case 'age-key-cleared': {
      const { ageKey: _a, secrets: _s, ...rest } = dropPlan(state);
      return rest;
    }
    case 'age-key-accepted':
      return state.ageKey === undefined ? state : advance(state, 'keys');
    case 'plan-made':
      return { ...state, plan: action.plan };
    case 'install-started':
      return { ...advance(state, 'review'), step: 'install', install: { phase: 'running', logPath: action.logPath } };
    case 'install-retried':
      // Only a failed run is retried (a stop ends the wizard); the log file goes on.
      if (state.step !== 'done' || state.install?.phase !== 'failed') return state;
      return { ...state, step: 'install', install: { phase: 'running', logPath: state.install.logPath } };
    case 'stop-asked':
      return setInstallPhase(state, ['running'], 'confirm-stop');
    case 'stop-cancelled':
      return setInstallPhase(state, ['confirm-stop'], 'running');
    case 'stop-confirmed':
      return setInstallPhase(state, ['running', 'confirm-stop'], 'stopping');
    case 'install-finished': {
      if (!state.install) return state;
      const { outcome } = action;
      const install = { ...state.install, elapsedMs: action.elapsedMs };
      if (outcome.status === 'done') return { ...state, step: 'done', install: { ...install, phase: 'done' } };
      return {
        ...state,
        step: 'done',
        install: {
          ...install,
          phase: outcome.status,
          message: outcome.message,
          ...(outcome.phase ? { stoppedAt: outcome.phase } : {}),
          ...(action.lastLines ? { lastLines: action.lastLines } : {}),
        },
      };
    }
    default: {
      const unknown: never = action;
      return unknown;
    }
  }
}
