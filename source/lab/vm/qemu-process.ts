import { readFileSync } from 'node:fs';

/**
 * Whether `pid` still runs. A daemonized qemu is re-parented away from us; until its new parent
 * reaps it, a stopped qemu lingers as a zombie, which counts as gone.
 */
export function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
    return state !== undefined && state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/** True when `pid` is the qemu started with this console log (not a recycled pid). */
export function isQemuWithConsole(pid: number, consoleLog: string): boolean {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return /qemu-system/.test(argv[0] ?? '') && argv.some((arg) => arg.includes(`logfile=${consoleLog}`));
  } catch {
    return false;
  }
}
