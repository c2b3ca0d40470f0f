import { spawn } from 'node:child_process';
import { openSync, closeSync, readlinkSync } from 'node:fs';
import { inHost, run, waitFor } from './run-command.js';

/**
 * A lab "host": a network namespace plus an anchor process holding private mount and UTS
 * namespaces, so each host has its own /run, /root, /etc/os-release, hostname, … while
 * sharing this machine's kernel and binaries.
 */
export async function createHost(netns: string, hostname: string): Promise<number> {
  await run(['ip', 'netns', 'add', netns]);
  await run(['ip', '-n', netns, 'link', 'set', 'lo', 'up']);
  // `ip netns exec` also gives the anchor a sysfs of its own netns (interfaces under /sys/class/net).
  const anchor = spawn('ip', ['netns', 'exec', netns, 'unshare', '--mount', '--uts', '--propagation', 'private', 'sleep', 'infinity'], {
    detached: true,
    stdio: 'ignore',
  });
  anchor.unref();
  const pid = anchor.pid!;
  // ip and unshare exec in place: the pid becomes `sleep` once the namespaces exist.
  await waitFor(
    `the ${netns} anchor`,
    () => {
      try {
        return readlinkSync(`/proc/${pid}/exe`).endsWith('/sleep');
      } catch {
        return false;
      }
    },
    5000,
    5,
  );
  await run(inHost(pid, ['hostname', hostname]));
  return pid;
}

/** Starts a long-running process inside a host, detached so it outlives `lab up`; returns its pid. */
export function spawnInHost(anchorPid: number, argv: string[], logFile: string): number {
  const fd = openSync(logFile, 'a', 0o600);
  const [file, ...args] = inHost(anchorPid, argv);
  const child = spawn(file!, args, { detached: true, stdio: ['ignore', fd, fd] });
  child.unref();
  closeSync(fd);
  // nsenter execs the command, so this pid is the daemon's own.
  return child.pid!;
}

/** A path inside a host's private mount namespace, as seen from this machine. */
export const hostPath = (anchorPid: number, path: string) => `/proc/${anchorPid}/root${path}`;
