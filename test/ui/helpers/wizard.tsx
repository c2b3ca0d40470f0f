// Test side of the wizard: mount the real App with ink-testing-library at a chosen screen,
// send keys one at a time (as a person types), and poll frames for content (no sleeps as
// synchronisation). Services not faked throw, so a test cannot reach the network by accident.
import assert from 'node:assert/strict';
import { render } from 'ink-testing-library';
import { App } from '../../../source/ui/App.js';
import { WizardRuntime } from '../../../source/ui/runtime.js';
import type { WizardServices } from '../../../source/ui/services.js';
import { initialState, type PresetDecisions, type WizardState } from '../../../source/ui/state/wizard-state.js';
import { ThemeContext, colorTheme, plainTheme } from '../../../source/ui/theme.js';
import { parseWizardFlags, type WizardPreset } from '../../../source/ui/wizard-options.js';

export const keys = {
  up: '\u001B[A',
  down: '\u001B[B',
  right: '\u001B[C',
  left: '\u001B[D',
  enter: '\r',
  escape: '\u001B',
  ctrlC: '\u0003',
  tab: '\t',
  backspace: '\u007F',
  pageDown: '\u001B[6~',
  pageUp: '\u001B[5~',
  end: '\u001B[F',
  /** Clears a text field up to the cursor. */
  ctrlU: '\u0015',
} as const;

/** Pacing between keys: Ink must see them as separate presses (not a timing synchroniser). */
export const keyGapMs = 30;
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function fakeServices(overrides: Partial<WizardServices> = {}): WizardServices {
  const missing = (name: string) => async () => {
    throw new Error(`service ${name} is not faked in this test`);
  };
  const base = Object.fromEntries(
    [
      'discover',
      'scanHostKey',
      'connect',
      'probe',
      'checkFlakeSource',
      'findHardwareConfig',
      'generateHardwareConfig',
      'saveHardwareConfig',
      'obtainAgeKey',
      'saveAgeKey',
      'checkSecrets',
      'plan',
      'startJournal',
      'runPlan',
    ].map((name) => [name, missing(name)]),
  ) as unknown as WizardServices;
  // The boot check needs Nix on this machine; screen tests that do not fake it see it skipped.
  const checkBoot: WizardServices['checkBoot'] = async () => ({ skipped: 'not checked in this screen test', findings: [] });
  return { ...base, checkBoot, ...overrides };
}

export interface MountOptions {
  argv?: string[];
  preset?: WizardPreset;
  decided?: Partial<PresetDecisions>;
  /** Changes to the initial state (e.g. jump to a later screen with its answers). */
  state?: Partial<WizardState>;
  services?: Partial<WizardServices>;
  runtime?: (runtime: WizardRuntime) => void;
  noColor?: boolean;
  columns?: number;
  rows?: number;
}

export function mountWizard(options: MountOptions = {}) {
  const preset = options.preset ?? parseWizardFlags(options.argv ?? [], {});
  const decided: PresetDecisions = { layout: false, flake: null, ageKey: null, ...options.decided };
  const initial: WizardState = { ...initialState(preset, decided), ...options.state };
  const runtime = new WizardRuntime(fakeServices(options.services));
  options.runtime?.(runtime);
  let resolveExit: (value: { code: number; farewell?: string }) => void = () => {};
  const exited = new Promise<{ code: number; farewell?: string }>((resolve) => (resolveExit = resolve));
  const app = render(
    <ThemeContext.Provider value={options.noColor ? plainTheme : colorTheme}>
      <App runtime={runtime} initial={initial} onExit={(code, farewell) => resolveExit({ code, ...(farewell !== undefined ? { farewell } : {}) })} />
    </ThemeContext.Provider>,
  );
  if (options.columns !== undefined || options.rows !== undefined) resize(app.stdout, options.columns ?? 100, options.rows ?? 24);

  const frame = () => app.lastFrame() ?? '';
  return {
    ...app,
    runtime,
    exited,
    frame,
    /** Polls until the frame satisfies `check` (a regexp or a predicate). */
    async waitFor(check: RegExp | string | ((frame: string) => boolean), timeoutMs = 5000): Promise<string> {
      const test = typeof check === 'function' ? check : (text: string) => (typeof check === 'string' ? text.includes(check) : check.test(text));
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const text = frame();
        if (test(text)) return text;
        if (Date.now() > deadline) assert.fail(`timed out waiting for ${String(check)}; last frame:\n${text}`);
        await pause(10);
      }
    },
    /** Sends keys one at a time. */
    async press(...sequence: string[]): Promise<void> {
      for (const key of sequence) {
        await pause(keyGapMs);
        app.stdin.write(key);
      }
    },
    /** Types text one character at a time. */
    async type(text: string): Promise<void> {
      for (const char of text) {
        await pause(keyGapMs);
        app.stdin.write(char);
      }
    },
    resize: (columns: number, rows: number) => resize(app.stdout, columns, rows),
    cleanup: async () => {
      app.unmount();
      await runtime.dispose({ waitForRun: true });
    },
  };
}

/** ink-testing-library's stdout is 100 columns and has no rows: give it a size, as a terminal would. */
export function resize(stdout: NodeJS.EventEmitter & object, columns: number, rows: number): void {
  Object.defineProperty(stdout, 'columns', { value: columns, configurable: true });
  Object.defineProperty(stdout, 'rows', { value: rows, configurable: true });
  stdout.emit('resize');
}

/** The lines of a frame with colours removed. */
export const plainLines = (frame: string) =>
  // eslint-disable-next-line no-control-regex -- colour escapes are what this removes
  frame.replace(/\u001B\[[0-9;]*m/g, '').split('\n');

/** The real services that only touch this machine's files (flake checks, age keys, the plan). */
export async function localServices(): Promise<Partial<WizardServices>> {
  const { realServices } = await import('../../../source/ui/services.js');
  const { checkFlakeSource, findHardwareConfig, obtainAgeKey, saveAgeKey, checkSecrets, plan } = realServices;
  return { checkFlakeSource, findHardwareConfig, obtainAgeKey, saveAgeKey, checkSecrets, plan };
}
