// How to run one of the README's commands as root on this machine: with sudo where it exists.
import { spawnSync } from 'node:child_process';

export const hasSudo = () => spawnSync('sh', ['-c', 'command -v sudo'], { stdio: 'ignore' }).status === 0;

/** `sudo npm test`, or `su -c 'npm test'` on a machine without sudo. */
export const asRoot = (command) => (hasSudo() ? `sudo ${command}` : `su -c '${command}'`);
