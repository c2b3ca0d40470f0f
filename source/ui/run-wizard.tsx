// Mounts the wizard and turns its end into an exit code: the one exit point of the Ink app.
// Ink's own Ctrl-C handling is off (the App decides: quit, or stop an install safely).
import { render } from 'ink';
import { ExitCode } from '../core/exit-codes.js';
import { App } from './App.js';
import { WizardRuntime } from './runtime.js';
import { realServices, type WizardServices } from './services.js';
import { initialState, type PresetDecisions } from './state/wizard-state.js';
import { ThemeContext, themeFor } from './theme.js';
import type { WizardPreset } from './wizard-options.js';

export interface WizardStart {
  preset: WizardPreset;
  decided: PresetDecisions;
  /** From --luks-passphrase-file, read before the first frame. */
  luksPassphrase?: string;
  /** From --age-key FILE, loaded before the first frame. */
  ageKey?: WizardRuntime['ageKey'];
  services?: WizardServices;
  stdin?: NodeJS.ReadStream;
  stdout?: NodeJS.WriteStream;
  env?: NodeJS.ProcessEnv;
}

export async function runWizard(start: WizardStart): Promise<number> {
  const runtime = new WizardRuntime(start.services ?? realServices);
  if (start.luksPassphrase !== undefined) runtime.vault.luksPassphrase = start.luksPassphrase;
  if (start.ageKey) runtime.ageKey = start.ageKey;
  let exitCode: number = ExitCode.aborted;
  let farewell: string | undefined;
  const stdout = start.stdout ?? process.stdout;
  const instance = render(
    <ThemeContext.Provider value={themeFor(start.env ?? process.env)}>
      <App
        runtime={runtime}
        initial={initialState(start.preset, start.decided)}
        onExit={(code, message) => {
          exitCode = code;
          farewell = message;
        }}
      />
    </ThemeContext.Provider>,
    { stdout, stdin: start.stdin ?? process.stdin, exitOnCtrlC: false, patchConsole: true },
  );
  try {
    await instance.waitUntilExit();
  } finally {
    // A forced quit while stopping must not wait for the remote command to end.
    await runtime.dispose({ waitForRun: exitCode !== ExitCode.aborted || !runtime.install?.aborting });
  }
  if (farewell) stdout.write(`${farewell}\n`);
  return exitCode;
}
