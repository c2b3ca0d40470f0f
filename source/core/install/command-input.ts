import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { usageError } from '../exit-codes.js';
import { execa } from 'execa';
import { promisify } from 'node:util';
import type { CommandInput, Secrets } from '../plan/types.js';

const run = promisify(execFile);
const maxInputBytes = 256 * 1024 * 1024;

/** The bytes a command reads on stdin. */
export async function commandInput(input: CommandInput | undefined, secrets: Secrets): Promise<Buffer | undefined> {
  if (!input) return undefined;
  if ('secret' in input) {
    const value = secrets[input.secret];
    if (value === undefined) throw new Error(`the ${input.secret} is needed but was not given`);
    return Buffer.from(value, 'utf8');
  }
  if ('directory' in input) return flakeTar(input.directory);
  if ('tree' in input) return treeTar(input.tree);
  const { stdout } = await run('bash', ['-c', input.localCommand], { encoding: 'buffer', maxBuffer: maxInputBytes });
  return stdout;
}

/**
 * The flake directory as Nix sees it, as a tar stream: in a git work tree only the files git
 * tracks (an untracked key or a gitignored secret beside flake.nix stays here, as Nix leaves it
 * out too); otherwise everything but .git and the `result` link.
 */
export async function flakeTar(dir: string): Promise<Buffer> {
  const { args, input } = flakeTarCommand(dir, await trackedFiles(dir));
  const options = { encoding: 'buffer' as const, maxBuffer: maxInputBytes, stripFinalNewline: false, ...(input !== undefined ? { input } : {}) };
  return Buffer.from((await execa('tar', args, options)).stdout);
}

/** tar's arguments (and stdin) that archive `dir` as flakeTar does, given trackedFiles(dir). */
export function flakeTarCommand(dir: string, tracked: string[] | undefined): { args: string[]; input?: string } {
  if (!tracked) return { args: ['-C', dir, '--exclude=./.git', '--exclude=./result', '-c', '.'] };
  // --no-recursion: a tracked submodule is its directory entry, not what lies inside it.
  return { args: ['-C', dir, '--no-recursion', '--null', '-T', '-', '-c'], input: tracked.join('\0') };
}

/** Every file under `dir`, owned by root:root in the archive, modes kept but set-id bits (a user's setuid file must not become setuid root): --extra-files. */
export async function treeTar(dir: string): Promise<Buffer> {
  const options = { encoding: 'buffer' as const, maxBuffer: maxInputBytes, stripFinalNewline: false };
  return Buffer.from((await execa('tar', ['-C', dir, '--owner=0', '--group=0', '--numeric-owner', '--mode=ug-s', '-c', '.'], options)).stdout);
}

/** Whether `dir` is inside a git work tree (a `.git` there or above), as Nix decides it. */
export function inGitWorkTree(dir: string): boolean {
  for (let at = resolve(dir); ; at = dirname(at)) {
    if (existsSync(join(at, '.git'))) return true;
    if (dirname(at) === at) return false;
  }
}

/**
 * Paths under `dir` that git tracks (index entries still on disk), or undefined outside a work
 * tree. Inside one, a git that cannot answer (not installed; "dubious ownership" when run as
 * root on a user's clone) is an error, never a reason to send the whole directory.
 */
export async function trackedFiles(dir: string): Promise<string[] | undefined> {
  if (!inGitWorkTree(dir)) return undefined;
  const listed = await run('git', ['-C', dir, 'ls-files', '-z', '--cached', '--', '.'], { encoding: 'utf8', maxBuffer: maxInputBytes }).catch(
    (error: Error & { stderr?: string }) => {
      const why = (error.stderr ?? error.message).trim().split('\n')[0];
      throw usageError(
        `${dir} is in a git repository, but git cannot list its tracked files: ${why}`,
        'it is uploaded as Nix sees it (tracked files only): run as the repository’s owner, or install git',
      );
    },
  );
  return listed.stdout.split('\0').filter((path) => path && existsSync(join(dir, path)));
}
