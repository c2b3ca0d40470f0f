import { homedir } from 'node:os';
import { join } from 'node:path';

/** Where run journals and log files live: $XDG_STATE_HOME/nixos-bootstrap or ~/.local/state/nixos-bootstrap. */
export const stateDir = () => join(process.env.XDG_STATE_HOME || join(homedir(), '.local', 'state'), 'nixos-bootstrap');

/** The tool's configuration (its own known_hosts): $XDG_CONFIG_HOME/nixos-bootstrap or ~/.config/nixos-bootstrap. */
export const configDir = () => join(process.env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'nixos-bootstrap');
