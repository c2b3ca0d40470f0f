// What every screen reaches without prop drilling: state and dispatch, the runtime (live objects
// and secrets), the one exit, the terminal size, and the key routing shared with the App.
import { createContext, useContext, type Dispatch, type MutableRefObject } from 'react';
import type { WizardAction } from './state/actions.js';
import type { WizardState } from './state/wizard-state.js';
import type { WizardRuntime } from './runtime.js';
import type { TerminalSize } from './hooks/use-terminal-size.js';

export interface KeyRouting {
  /** Focused text fields: while > 0, `?` is typed, not help. */
  textFocus: MutableRefObject<number>;
  /** Screens that want Esc for themselves (close a prompt) push a handler here; the newest wins. */
  escapeHandlers: MutableRefObject<Array<() => void>>;
}

export interface WizardContextValue {
  state: WizardState;
  dispatch: Dispatch<WizardAction>;
  runtime: WizardRuntime;
  /** The one way out of the app: records the exit code and unmounts Ink. */
  finish: (exitCode: number, farewell?: string) => void;
  size: TerminalSize;
  /** Lines a screen's body may use (terminal height minus header, footer, and Ink's last line). */
  bodyRows: number;
  keys: KeyRouting;
  /** The app is ending: the last frame is being drawn (no key hints). */
  closing: boolean;
}

export const WizardContext = createContext<WizardContextValue | null>(null);

export function useWizard(): WizardContextValue {
  const value = useContext(WizardContext);
  if (!value) throw new Error('useWizard outside the wizard');
  return value;
}
