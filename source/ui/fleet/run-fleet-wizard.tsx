// Mounts the many-machines wizard and turns its end into an exit code.
import { render } from 'ink';
import { discover, type DiscoverOptions } from '../../core/discovery/discover.js';
import { ExitCode } from '../../core/exit-codes.js';
import type { Machine } from '../../headless/install-hosts.js';
import type { FleetRequest } from '../../headless/install-options.js';
import { ThemeContext, themeFor } from '../theme.js';
import { FleetApp } from './FleetApp.js';
import { FleetRun } from './fleet-run.js';

export interface FleetWizardStart {
  fleet: FleetRequest;
  machines: Machine[];
  trusted: Set<string>;
  discoverOptions: DiscoverOptions;
}

/** A forced quit (Ctrl-C twice) does not wait for sessions still closing. */
const forcedQuitMs = 2000;

export async function runFleetWizard({ fleet, machines, trusted, discoverOptions }: FleetWizardStart): Promise<number> {
  let exitCode: number = ExitCode.aborted;
  let farewell: string | undefined;
  const instance = render(
    <ThemeContext.Provider value={themeFor(process.env)}>
      <FleetApp
        fleet={fleet}
        machines={machines}
        trusted={trusted}
        search={async (options) => discover(options)}
        discoverOptions={discoverOptions}
        startRun={(chosen) => new FleetRun(chosen, fleet)}
        onExit={(code, message) => {
          exitCode = code;
          farewell = message;
        }}
      />
    </ThemeContext.Provider>,
    { exitOnCtrlC: false, patchConsole: true },
  );
  await instance.waitUntilExit();
  if (farewell) process.stdout.write(`${farewell}\n`);
  setTimeout(() => process.exit(exitCode), forcedQuitMs).unref();
  return exitCode;
}
