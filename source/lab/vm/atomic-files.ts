import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

// Cache artefacts are written under a temporary name beside their final one and renamed into
// place, so an interrupted build leaves at worst a stray temp file, never a half-written artefact
// that a later run would trust.

export const tempNameFor = (path: string) => `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;

/** mkdtemp prefix for a scratch directory in `dir`, carrying our pid like temp files do. */
export const scratchPrefix = (dir: string, what: string) => join(dir, `.${what}-${process.pid}-`);

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * Removes temp files and scratch directories left in `dir` by runs that were killed midway
 * (their pid is gone): a killed kernel extraction alone leaves hundreds of MB behind.
 */
export async function sweepStaleTemps(dir: string): Promise<void> {
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const owner = /\.tmp-(\d+)-[0-9a-f]+$/.exec(name)?.[1] ?? /^\.[a-z]+-(\d+)-/.exec(name)?.[1];
    if (owner && Number(owner) !== process.pid && !isAlive(Number(owner))) {
      await rm(join(dir, name), { recursive: true, force: true });
    }
  }
}

export async function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o644): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temp = tempNameFor(path);
  try {
    await writeFile(temp, data, { mode, flag: 'wx' });
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

export async function copyFileAtomic(source: string, path: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temp = tempNameFor(path);
  try {
    await copyFile(source, temp);
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/** Runs `produce(tempPath)` and renames its result to `path` only if it succeeded. */
export async function produceAtomic<T>(path: string, produce: (tempPath: string) => Promise<T>): Promise<T> {
  await mkdir(dirname(path), { recursive: true });
  const temp = tempNameFor(path);
  try {
    const result = await produce(temp);
    await rename(temp, path);
    return result;
  } catch (error) {
    await rm(temp, { recursive: true, force: true });
    throw error;
  }
}
