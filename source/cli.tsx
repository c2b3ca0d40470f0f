#!/usr/bin/env node
// Entry point. --help and --version are answered from static text before anything heavy
// (Ink, React, ssh2) is imported: each command module is loaded only when it runs.
import { mainHelp, version } from './help.js';
import { runMain } from './run-main.js';
import { takeEnvPassword } from './core/ssh/env-password.js';
import { loadLabCommand } from './lab-entry.js';

type CommandModule = { main: (argv: string[]) => Promise<number> };
const commands: Record<string, () => Promise<CommandModule>> = {
  discover: () => import('./headless/discover-command.js'),
  install: () => import('./headless/install-command.js'),
  installer: () => import('./headless/installer-command.js'),
  lab: loadLabCommand,
};

// Before anything can start a child process.
takeEnvPassword();

const argv = process.argv.slice(2);
const [first, ...rest] = argv;

if (first === '--version' || first === '-V') {
  process.stdout.write(`${version}\n`);
} else if (first === '--help' || first === '-h' || first === 'help') {
  process.stdout.write(mainHelp);
} else if (first !== undefined && first in commands) {
  await runMain(async () => (await commands[first]!()).main(rest));
} else if (first !== undefined && !first.startsWith('-') && !/[@.:%]/.test(first)) {
  // A bare word is a mistyped command; anything like a host (root@…, fe80::47%eth0) goes to the wizard.
  process.stderr.write(`nixos-bootstrap: unknown command '${first}'\n\n${mainHelp}`);
  process.exitCode = 2;
} else {
  await runMain(async () => (await import('./ui/wizard-command.js')).main(argv));
}
