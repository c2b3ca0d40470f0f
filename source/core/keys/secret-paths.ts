// A flake directory is uploaded to the installer and copied into the new system's world-readable
// /nix/store by nixos-install: no secret of this run may sit inside it.
import { existsSync, realpathSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { usageError } from '../exit-codes.js';
import { expandHome, isWithin, stateDir } from '../paths.js';

/** The path with symlinks of its existing part resolved, so a link into the flake is seen. */
function realPath(path: string): string {
  const absolute = resolve(expandHome(path));
  if (existsSync(absolute)) return realpathSync(absolute);
  const parent = dirname(absolute);
  return parent === absolute ? absolute : join(realPath(parent), absolute.slice(parent.length + 1));
}

export const isInside = (dir: string, path: string): boolean => isWithin(realPath(dir), realPath(path));

/**
 * Where a new age key is saved when no --age-key-out is given: ./HOST.agekey, unless the current
 * directory is inside the flake that gets uploaded; then the tool's own state directory.
 */
export function defaultAgeKeyOut(fileName: string, flakeDir?: string, cwd = process.cwd()): string {
  return flakeDir && isInside(flakeDir, resolve(cwd, fileName)) ? join(stateDir(), 'keys', fileName) : fileName;
}

/** Refuses (exit 2, before anything is contacted) a secret file given inside the flake directory. */
export function refuseSecretInFlake(flag: string, path: string | undefined, flakeDir: string | undefined): void {
  if (!path || path === '-' || !flakeDir || !isInside(flakeDir, path)) return;
  throw usageError(
    `${flag} ${path} is inside the flake directory ${flakeDir}, which is uploaded to the installer and copied into the new system's world-readable /nix/store`,
    `keep secrets outside the flake, e.g. ${join(stateDir(), 'keys')}/`,
  );
}
