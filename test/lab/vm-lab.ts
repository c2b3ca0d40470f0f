// Helpers for tests that install onto the lab's VM installer.
import assert from 'node:assert/strict';
import { execa } from 'execa';
import type { LabHandle, CommandResult } from './lab-fixture.js';
import { cliPath } from './lab-fixture.js';
import { inHost } from '../../source/lab/run-command.js';

export const vmDisk = '/dev/vda';

/** Back to a blank internal disk and a fresh installer state, as between two real installs. */
export async function resetVm(lab: LabHandle): Promise<void> {
  const reset = await lab.vmSsh(
    [
      'umount -R /mnt 2>/dev/null; swapoff -a; dmsetup remove_all 2>/dev/null',
      `wipefs -a -q ${vmDisk}?* 2>/dev/null; wipefs -a -q ${vmDisk}; sgdisk -Z ${vmDisk} >/dev/null; partprobe ${vmDisk}; udevadm settle`,
      'rm -rf /run/lab/calls /run/lab/*.fail /run/lab/*.lines /run/lab/*.delay-ms /tmp/nixos-bootstrap',
      `test "$(lsblk -nro NAME ${vmDisk} | wc -l)" = 1`,
    ].join('; '),
  );
  assert.equal(reset.exitCode, 0, `reset failed: ${reset.stderr}`);
  await lab.laptop(['rm', '-rf', '/root/.local/state/nixos-bootstrap']);
}

export interface NdjsonRecord {
  type: string;
  [key: string]: unknown;
}

export const records = (stdout: string): NdjsonRecord[] =>
  stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as NdjsonRecord);

/** The built CLI on the laptop as a child process whose NDJSON events arrive as they happen. */
export function spawnCli(lab: LabHandle, args: string[], onRecord: (record: NdjsonRecord) => void, cwd = '/root') {
  const argv = inHost(lab.state.laptop.anchorPid, [
    'env',
    '-u',
    'SSH_AUTH_SOCK',
    '-u',
    'XDG_STATE_HOME',
    '-u',
    'XDG_CONFIG_HOME',
    '-C',
    cwd,
    'HOME=/root',
    'USER=root',
    process.execPath,
    cliPath,
    ...args,
  ]);
  const child = execa(argv[0]!, argv.slice(1), { reject: false, all: false, buffer: true, lines: false });
  let partial = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    partial += chunk.toString('utf8');
    let newline: number;
    while ((newline = partial.indexOf('\n')) >= 0) {
      const line = partial.slice(0, newline);
      partial = partial.slice(newline + 1);
      if (line) onRecord(JSON.parse(line) as NdjsonRecord);
    }
  });
  return child.then((result): CommandResult => ({ exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr) }));
}

/** Kills the SSH connections to the VM (their sshd session processes), except the one doing it. */
export async function cutSshConnections(lab: LabHandle): Promise<void> {
  const killed = await lab.vmSsh(
    [
      'n=0; for d in /proc/[0-9]*; do',
      '  read -r -d "" c < "$d/cmdline" 2>/dev/null || true',
      '  case "$c" in "sshd: root"*) p=${d#/proc/}; [ "$p" = "$PPID" ] || { kill -9 "$p" && n=$((n+1)); } ;; esac',
      'done; echo "$n"',
    ].join('\n'),
  );
  assert.ok(Number(killed.stdout) >= 1, `no SSH session was cut: ${killed.stdout}${killed.stderr}`);
}

/**
 * Cuts the laptop's SSH connections to the installer at once, from the laptop's side (the socket
 * is destroyed, as when a network dies): no round trip, so the cut lands inside the command that
 * is running, not after it.
 */
export async function cutFromLaptop(lab: LabHandle): Promise<void> {
  const result = await execa('nsenter', ['-t', String(lab.state.laptop.anchorPid), '-n', 'ss', '-K', 'dport', '=', '22'], { reject: false });
  assert.equal(result.exitCode, 0, result.stderr);
  assert.match(result.stdout, /ESTAB/, 'no SSH connection to cut');
}

/** The kernel's id of the running boot: a reboot changes it (an emulated clock cannot fool it). */
export async function vmBootId(lab: LabHandle): Promise<string> {
  const id = (await lab.vmSsh('cat /proc/sys/kernel/random/boot_id')).stdout.trim();
  assert.match(id, /^[0-9a-f-]{36}$/);
  return id;
}
