// A command bundled whole (CommonJS) loaded with V8's code cache. Node 20 keeps no compiled code
// between runs (module.enableCompileCache is Node 22), and `discover` is timed from the process
// start: compiling its functions again on every run cost ~9 ms of ~100 on a 2-core machine (31
// interleaved runs with and without the cache). The first run writes the cache after its
// command ends; later runs start from it.
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';
import { cacheDir } from './core/paths.js';

type CommandModule = { main: (argv: string[]) => Promise<number> };

export interface CachedLoad<T> {
  exports: T;
  /** The cache was there and V8 took it. */
  cacheUsed: boolean;
  /** Writes the cache (with every function compiled so far) unless it was used. */
  save(): void;
}

/**
 * Runs the CommonJS file at `path` through a code cache in `dir`. `key` names the file's exact
 * content (its hash, from the build): V8 checks only a cache's length and flags against the
 * source, so a cache of other code with the same length would be taken.
 */
export function loadWithCodeCache<T>(path: string, key: string, dir = join(cacheDir(), 'code-cache')): CachedLoad<T> {
  const cacheFile = join(dir, `${basename(path)}-${key}-${process.version}-${process.arch}.v8`);
  let cachedData: Buffer | undefined;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    // no cache yet: compiled from source, and the cache is written after the command
  }
  const wrapped = `(function (exports, require, module, __filename, __dirname) {${readFileSync(path, 'utf8')}\n})`;
  const script = new Script(wrapped, { filename: path, cachedData });
  const cacheUsed = cachedData !== undefined && !script.cachedDataRejected;
  const module = { exports: {} as T };
  (script.runInThisContext() as (...args: unknown[]) => void)(module.exports, createRequire(path), module, path, dirname(path));
  return {
    exports: module.exports,
    cacheUsed,
    save() {
      if (cacheUsed) return;
      // A home that cannot be written to only loses the cache: the command ran.
      try {
        mkdirSync(dir, { recursive: true, mode: 0o700 });
      } catch {
        return;
      }
      const partial = `${cacheFile}.${process.pid}`;
      try {
        writeFileSync(partial, script.createCachedData(), { mode: 0o600 });
        renameSync(partial, cacheFile);
      } catch {
        rmSync(partial, { force: true });
      }
    },
  };
}

/** The command in the CommonJS file next to the entry; the cache is saved once its main ends. */
export function commandWithCodeCache(url: URL, key: string): CommandModule {
  const loaded = loadWithCodeCache<CommandModule>(fileURLToPath(url), key);
  return {
    async main(argv) {
      try {
        return await loaded.exports.main(argv);
      } finally {
        loaded.save();
      }
    },
  };
}
