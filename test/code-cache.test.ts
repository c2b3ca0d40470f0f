// Commands bundled whole load through V8's code cache (source/code-cache.ts). Each load runs in
// a process of its own, as each command does: within one process V8 reuses what it compiled
// and never looks at the cache.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const loader = new URL('../source/code-cache.ts', import.meta.url).href;

/** Loads `file` in a new process, calls its twice(21), saves; what the load saw and returned. */
function loadOnce(file: string, key: string, cacheDir: string): { cacheUsed: boolean; answer: number; dir: string } {
  const script = `import { loadWithCodeCache } from ${JSON.stringify(loader)};
const loaded = loadWithCodeCache(${JSON.stringify(file)}, ${JSON.stringify(key)}, ${JSON.stringify(cacheDir)});
const answer = loaded.exports.twice(21);
loaded.save();
process.stdout.write(JSON.stringify({ cacheUsed: loaded.cacheUsed, answer, dir: loaded.exports.dir }));`;
  return JSON.parse(execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' }));
}

test('the first load compiles and writes the cache, later loads take it; a spoiled cache is written again', () => {
  const work = mkdtempSync(join(tmpdir(), 'nb-code-cache-'));
  try {
    const file = join(work, 'command.cjs');
    writeFileSync(file, "const { join } = require('node:path');\nexports.twice = (n) => n * 2;\nexports.dir = join(__dirname, '.');\n");
    const cacheDir = join(work, 'cache');
    assert.deepEqual(loadOnce(file, 'k1', cacheDir), { cacheUsed: false, answer: 42, dir: work }, 'require and __dirname are the file’s own');
    const [cache] = readdirSync(cacheDir);
    assert.match(cache!, /^command\.cjs-k1-v\d+\.\d+\.\d+-\w+\.v8$/);
    assert.equal(statSync(join(cacheDir, cache!)).mode & 0o777, 0o600);
    assert.equal(loadOnce(file, 'k1', cacheDir).cacheUsed, true);

    writeFileSync(join(cacheDir, cache!), 'not a code cache');
    assert.deepEqual(loadOnce(file, 'k1', cacheDir), { cacheUsed: false, answer: 42, dir: work }, 'V8 refused it; compiled from source');
    assert.notEqual(readFileSync(join(cacheDir, cache!), 'utf8'), 'not a code cache');
    assert.equal(loadOnce(file, 'k1', cacheDir).cacheUsed, true);

    // Other content has another key (the build hashes the file): its cache is another file.
    assert.equal(loadOnce(file, 'k2', cacheDir).cacheUsed, false);
    assert.equal(readdirSync(cacheDir).length, 2);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});

test('a cache that cannot be written costs nothing but the cache', () => {
  const work = mkdtempSync(join(tmpdir(), 'nb-code-cache-'));
  try {
    const file = join(work, 'command.cjs');
    writeFileSync(file, 'exports.twice = (n) => n * 2;\n');
    writeFileSync(join(work, 'cache'), 'a file where the cache directory would be');
    assert.equal(loadOnce(file, 'k', join(work, 'cache', 'code-cache')).answer, 42);
    assert.deepEqual(readdirSync(work).sort(), ['cache', 'command.cjs'], 'nothing else written');
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
