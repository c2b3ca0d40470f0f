// --extra-files DIR is checked before anything is contacted: every file in it goes into the new
// system as it is, so a symlink that leaves DIR (it would point into the installer, or at this
// machine's files) and special files (devices, sockets, FIFOs) are refused.
import { lstat, readdir, readlink, realpath, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { usageError } from '../exit-codes.js';
import { isWithin } from '../paths.js';

export async function checkExtraFiles(dir: string, owners: Array<{ path: string }> = []): Promise<string> {
  const root = await realpath(resolve(dir)).catch(() => resolve(dir));
  const top = await stat(root).catch(() => undefined);
  if (!top?.isDirectory()) throw usageError(`--extra-files ${dir} is not a directory`);
  const walk = async (at: string): Promise<void> => {
    for (const entry of await readdir(at, { withFileTypes: true })) {
      const path = join(at, entry.name);
      const shown = relative(root, path);
      if (entry.isDirectory()) await walk(path);
      else if (entry.isSymbolicLink()) {
        // Resolved for real: a chain of links (sub/up -> .., l -> sub/up/..) can leave DIR too.
        const target = await readlink(path);
        const resolved = await realpath(path).catch(() => resolve(dirname(path), target));
        if (isAbsolute(target) || !isWithin(root, resolved))
          throw usageError(`--extra-files: ${shown} links to ${target}, outside ${dir}`, 'copy the file itself, or link within the directory');
      } else if (!entry.isFile())
        throw usageError(
          `--extra-files: ${shown} is not a regular file, directory or symlink`,
          'devices, sockets and FIFOs cannot be copied into the new system',
        );
    }
  };
  await walk(root);
  for (const { path } of owners) {
    const found = await lstat(join(root, path)).catch(() => undefined);
    if (!found || found.isSymbolicLink())
      throw usageError(`--chown ${path}: not in --extra-files ${dir}${found ? ' (a symlink)' : ''}`, '--chown gives owners to what --extra-files copies');
  }
  return root;
}
