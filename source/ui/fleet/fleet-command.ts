// `nixos-bootstrap --hosts FILE`: the wizard for many machines. The hosts file and the flags are
// read and checked as install --hosts checks them, before Ink is loaded.
import { ExitCode, usageError } from '../../core/exit-codes.js';
import { readMachines, searchFor } from '../../headless/install-hosts.js';
import { parseFleetRequest } from '../../headless/install-options.js';
import { trustedFingerprints } from '../../headless/find-installer.js';
import { importWithoutFetch } from '../import-without-fetch.js';
import { assertTerminal } from '../wizard-command.js';
import { wizardHelp } from '../wizard-help.js';

/** What install --hosts does headless; the wizard confirms by typing and leaves files in the flake alone. */
const refused: Array<[flag: RegExp, message: string, hint: string]> = [
  [/^(--yes|-y)$/, 'the wizard confirms every plan by typing their number, not --yes', 'unattended: nixos-bootstrap install --hosts FILE --all --yes'],
  [/^--json$/, 'the wizard has no --json', 'for NDJSON events use: nixos-bootstrap install --hosts FILE --all --json …'],
  [/^--resume$/, '--resume belongs to install', 'continue stopped machines with: nixos-bootstrap install --hosts FILE --only HOST --resume'],
  [/^--dry-run$/, 'the wizard shows every plan before anything is written: no --dry-run', 'plans only: nixos-bootstrap install --hosts FILE --all --dry-run'],
];

export async function main(argv: string[]): Promise<number> {
  const fleet = parseFleetRequest(argv, true);
  if (!fleet) {
    process.stdout.write(wizardHelp);
    return ExitCode.ok;
  }
  for (const [flag, message, hint] of refused) if (argv.some((arg) => flag.test(arg.split('=')[0]!))) throw usageError(message, hint);
  const machines = await readMachines(fleet);
  for (const { host, request } of machines) {
    // Written into the flake before the plan, which here waits for a confirmation.
    const file = request.hardwareConfig ? '--generate-hardware-config' : request.writeDiskConfig !== undefined ? '--write-disk-config' : undefined;
    if (file)
      throw usageError(
        `${host}: ${file} belongs to install --hosts in the wizard's many-machines mode`,
        `use nixos-bootstrap install --hosts FILE --only ${host} ${file} …`,
      );
  }
  assertTerminal();
  const trusted = await trustedFingerprints();
  const { runFleetWizard } = await importWithoutFetch(() => import('./run-fleet-wizard.js'));
  return runFleetWizard({
    fleet,
    machines,
    trusted,
    // install --hosts's search: every link, the entries' names, the default time.
    discoverOptions: searchFor(machines),
  });
}
