// --write-disk-config PATH: the disk-layout module goes into the local flake, where the host's
// configuration can import it, and git is told about it (a flake sees only what git knows).
// writeModule does the same for the generated hardware configuration.
import { execFile } from 'node:child_process';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { refusal, usageError } from '../exit-codes.js';
import { inGitWorkTree } from '../install/command-input.js';
import { isInside } from '../keys/secret-paths.js';
import { oneAtATime } from '../one-at-a-time.js';
import type { Facts } from '../facts/types.js';
import type { Plan } from '../plan/types.js';
import { diskConfigHeader, diskConfigNix, isUneditedDiskConfig } from './disk-config.js';

/** A file a flag writes into the local flake: refused (exit 2) outside it, since the flake would not see it. */
export function insideFlake(flag: string, path: string, flakeDir: string, example: string): string {
  const target = resolve(path);
  if (!isInside(flakeDir, target))
    throw usageError(`${flag} ${path} is outside the flake directory ${flakeDir}`, `the flake sees only files inside it: e.g. ${example}`);
  return target;
}

/** Checks the path (before anything is contacted, and again just before writing): inside the local flake, the tool's own unedited file if it exists. */
export async function checkDiskConfigPath(path: string, flakeDir: string | undefined): Promise<string> {
  if (!flakeDir)
    throw usageError('--write-disk-config needs a local flake (the file goes into it)', 'give --flake ./dir#host, or copy the module from the plan output');
  const target = insideFlake('--write-disk-config', path, flakeDir, 'hosts/HOST/disks.nix');
  const existing = await readFile(target, 'utf8').catch(() => undefined);
  if (existing !== undefined && !isUneditedDiskConfig(existing)) {
    throw refusal(
      `--write-disk-config ${path} exists and ${existing.startsWith(diskConfigHeader) ? 'was changed since nixos-bootstrap wrote it (or an earlier version wrote it, without the hash on its last line)' : 'was not written by nixos-bootstrap'}`,
      'choose another file, or move this one away (the plan output shows what it would hold)',
    );
  }
  return target;
}

/**
 * Writes a file into the flake (atomically) and, when `gitAdd` and the flake is a git tree, adds
 * it with --intent-to-add: Nix sees only what git knows.
 */
export async function writeModule(target: string, text: string, options: { gitAdd: boolean; createDirectory?: boolean }): Promise<{ gitAdded: boolean }> {
  // Machines installed together may write into one flake: one git index, one writer at a time.
  return oneAtATime(`flake:${dirname(target)}`, () => writeModuleNow(target, text, options));
}

async function writeModuleNow(target: string, text: string, options: { gitAdd: boolean; createDirectory?: boolean }): Promise<{ gitAdded: boolean }> {
  if (options.createDirectory) await mkdir(dirname(target), { recursive: true });
  const temp = join(dirname(target), `.${basename(target)}.tmp`);
  // A link planted at the temp name (a cloned flake can hold one) is removed, never followed.
  await rm(temp, { force: true });
  await writeFile(temp, text, { mode: 0o644, flag: 'wx' });
  await rename(temp, target);
  if (!options.gitAdd || !inGitWorkTree(dirname(target))) return { gitAdded: false };
  await promisify(execFile)('git', ['-C', dirname(target), 'add', '--intent-to-add', '--', basename(target)]);
  return { gitAdded: true };
}

export interface DiskConfigHandOver {
  path: string;
  text: string;
  written: boolean;
  gitAdded: boolean;
}

/**
 * --write-disk-config: the module that matches this plan, into the local flake when `write`
 * (a preview only makes it). The path is checked again: the file may have been edited since.
 */
export async function handOverDiskConfig(plan: Plan, facts: Facts, path: string, write: boolean): Promise<DiskConfigHandOver> {
  const text = diskConfigNix(plan, facts);
  if (!text) throw usageError('--write-disk-config describes the labels layout', 'choose the labels layout, or leave the flag out');
  const target = await checkDiskConfigPath(path, plan.choices.flake.localPath);
  const written = write ? await writeModule(target, text, { gitAdd: true }) : null;
  return { path: target, text, written: written !== null, gitAdded: written?.gitAdded ?? false };
}
