import { constants } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { usageError } from '../exit-codes.js';

/**
 * Writes a secret to `path` with mode 0600 from the first byte: a new temp file (O_EXCL, 0600)
 * in the same directory, fsync, then rename. Refuses to replace an existing file unless told.
 */
export async function writeSecretFile(path: string, text: string, options: { overwrite?: boolean; createDirectory?: boolean } = {}): Promise<void> {
  if (options.createDirectory) await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  if (!options.overwrite) {
    const existing = await open(path, constants.O_RDONLY).then(
      async (handle) => (await handle.close(), true),
      () => false,
    );
    if (existing) throw usageError(`${path} already exists`, 'choose another path (--age-key-out) or pass --replace-age-key to overwrite it');
  }
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
  try {
    await handle.writeFile(text);
    await handle.chmod(0o600); // whatever the umask or the filesystem made of it
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}
