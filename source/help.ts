import { exitCodeHelp } from './core/exit-codes.js';

export const version: string = process.env.NB_VERSION ?? '0.0.0-dev';

export const mainHelp = `nixos-bootstrap ${version}
Turn a NixOS live installer on your LAN into an installed, encrypted NixOS host.

Usage:
  nixos-bootstrap [TARGET] [options]     interactive wizard (needs a terminal)
  nixos-bootstrap discover [options]     list live installers on the LAN
  nixos-bootstrap install [options]      plan and run an install without the wizard
  nixos-bootstrap installer [options]    make an installer image that is found and trusted
  nixos-bootstrap lab up|down|status|shell   simulated installer for tests (Linux, root; from a clone)

Run 'nixos-bootstrap <command> --help' for a command's options.

Options:
  -h, --help       show this help
  -V, --version    print the version

${exitCodeHelp}
`;
