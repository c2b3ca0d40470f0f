// --extra-files DIR is checked before anything is contacted: every file in it goes into the new
// system as it is, so a symlink that leaves DIR (it would point into the installer, or at this
// machine's files) and special files (devices, sockets, FIFOs) are refused.
import { lstat, readdir, readlink } from 'node:fs/promises';
import { dirname, join, relative, resolve, isAbsolute } from 'node:path';
import { usageError } from '../exit-codes.js';

export async function checkExtraFiles(dir: string): Promise<string> {
  const root = resolve(dir);
  const top = await lstat(root).catch(() => undefined);
  if (!top?.isDirectory()) throw usageError(`--extra-files ${dir} is not a directory`);
  const walk = async (at: string): Promise<void> => {
    for (const entry of await readdir(at, { withFileTypes: true })) {
      const path = join(at, entry.name);
      const shown = relative(root, path);
      if (entry.isDirectory()) await walk(path);
      else if (entry.isSymbolicLink()) {
        const target = await readlink(path);
        const inside = !isAbsolute(target) && !relative(root, resolve(dirname(path), target)).startsWith('..');
        if (!inside) throw usageError(`--extra-files: ${shown} links to ${target}, outside ${dir}`, 'copy the file itself, or link within the directory');
      } else if (!entry.isFile()) throw usageError(`--extra-files: ${shown} is not a regular file, directory or symlink`, 'devices, sockets and FIFOs cannot be copied into the new system');
    }
  };
  await walk(root);
  return root;
}
