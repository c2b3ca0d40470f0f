// The bundle's lazy loading, checked on esbuild's own import graph: what each entry loads
// statically (before its first output) holds nothing named in scripts/bundle-options.mjs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { build, type Metafile } from 'esbuild';
import { bundleOptions, loadedLater } from '../scripts/bundle-options.mjs';

async function inputGraph(): Promise<Metafile['inputs']> {
  const result = await build({ ...bundleOptions, entryPoints: ['source/cli.tsx'], outdir: 'out', write: false, metafile: true, logLevel: 'silent' });
  return result.metafile.inputs;
}

/** Every input reached from `entry` by static imports, with the path that reached it. */
function staticClosure(inputs: Metafile['inputs'], entry: string): Map<string, string | null> {
  const via = new Map<string, string | null>([[entry, null]]);
  const queue = [entry];
  while (queue.length) {
    const file = queue.shift()!;
    for (const imported of inputs[file]?.imports ?? []) {
      if (imported.kind !== 'import-statement' || imported.external || via.has(imported.path)) continue;
      via.set(imported.path, file);
      queue.push(imported.path);
    }
  }
  return via;
}

test('--help, --version and the wizard’s first frame load none of what comes later', async () => {
  const inputs = await inputGraph();
  for (const [entry, forbidden] of Object.entries(loadedLater)) {
    assert.ok(inputs[entry], `${entry} is not in the bundle`);
    const closure = staticClosure(inputs, entry);
    for (const part of forbidden) {
      // ssh2 stays outside the bundle (external): a static import of it counts as loading it.
      const packageName = /^node_modules\/(.+)\/$/.exec(part)?.[1];
      const importer = packageName
        ? [...closure.keys()].find((file) =>
            inputs[file]?.imports.some((i) => i.external && i.kind === 'import-statement' && (i.path === packageName || i.path.startsWith(`${packageName}/`))),
          )
        : undefined;
      if (importer) assert.fail(`${entry} loads ${packageName} at start, from ${importer}`);
      const hit = [...closure.keys()].find((file) => file.includes(part));
      if (!hit) continue;
      const chain: string[] = [];
      for (let file: string | null | undefined = hit; file; file = closure.get(file)) chain.unshift(file);
      assert.fail(`${entry} loads ${part} at start: ${chain.filter((f) => !f.includes('node_modules/') || f === hit).join(' → ')}`);
    }
  }
});

test('the check sees a static import (it would fail if the wizard imported the runner eagerly)', async () => {
  const inputs = await inputGraph();
  const closure = staticClosure(inputs, 'source/core/plan/plan.ts');
  assert.ok(
    [...closure.keys()].some((file) => file.startsWith('source/core/plan/phases/')),
    'plan.ts imports the phases statically',
  );
});

test('an external package (ssh2 is not bundled) is seen too', async () => {
  const inputs = await inputGraph();
  const closure = staticClosure(inputs, 'source/core/ssh/session.ts');
  assert.ok(
    [...closure.keys()].some((file) => inputs[file]?.imports.some((i) => i.external && i.path === 'ssh2')),
    'session.ts imports ssh2 statically',
  );
});
