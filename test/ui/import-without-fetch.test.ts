// The wizard's code is imported with fetch hidden, so Ink's layout engine decodes its WebAssembly
// itself instead of loading undici (~20 ms before the first frame); fetch comes back as it was.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { importWithoutFetch } from '../../source/ui/import-without-fetch.js';

test('fetch is hidden while the code loads and put back as it was, even when the load fails', async () => {
  const before = Object.getOwnPropertyDescriptor(globalThis, 'fetch');
  const seen = await importWithoutFetch(async () => typeof globalThis.fetch);
  assert.equal(seen, 'undefined');
  assert.deepEqual(Object.getOwnPropertyDescriptor(globalThis, 'fetch'), before);
  await assert.rejects(
    importWithoutFetch(() => Promise.reject(new Error('no such module'))),
    /no such module/,
  );
  assert.deepEqual(Object.getOwnPropertyDescriptor(globalThis, 'fetch'), before);
});

test('Ink loads without undici when imported this way (and with it otherwise)', () => {
  const undiciLoaded = (hide: boolean) => {
    const load = hide ? "importWithoutFetch(() => import('ink'))" : "import('ink')";
    const script = `import { importWithoutFetch } from './source/ui/import-without-fetch.ts'; await ${load}; console.log(process.moduleLoadList.some((m) => m.includes('undici')));`;
    const result = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
    assert.equal(result.status, 0, result.stderr);
    return result.stdout.trim();
  };
  assert.equal(undiciLoaded(true), 'false');
  assert.equal(undiciLoaded(false), 'true', 'yoga-layout no longer fetches its WebAssembly: the workaround can go');
});
