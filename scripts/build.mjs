// Bundles source/cli.tsx into dist/ (the published package) and the lab into lab-dist/ with esbuild.
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { readFile, rm, chmod } from 'node:fs/promises';
import { bundleOptions, bundledWhole, wholeBundlePlugin } from './bundle-options.mjs';

const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8'));
await rm(new URL('../dist', import.meta.url), { recursive: true, force: true });
await rm(new URL('../lab-dist', import.meta.url), { recursive: true, force: true });
const define = { ...bundleOptions.define, 'process.env.NB_VERSION': JSON.stringify(pkg.version) };
await build({
  ...bundleOptions,
  entryPoints: ['source/cli.tsx'],
  outdir: 'dist',
  define,
  chunkNames: 'chunks/[name]-[hash]',
  plugins: [wholeBundlePlugin],
});
// The banner is ESM (import.meta): a CommonJS bundle has require of its own.
const commonJsOptions = { ...bundleOptions, banner: undefined };
for (const [entry, name] of Object.entries(bundledWhole)) {
  await build({ ...commonJsOptions, format: 'cjs', splitting: false, define, entryPoints: [entry], outfile: `dist/${name}.cjs` });
  // The code cache is keyed by the bundle's content: a cache of other code is never taken.
  const key = createHash('sha256')
    .update(await readFile(`dist/${name}.cjs`))
    .digest('hex')
    .slice(0, 16);
  await build({
    ...bundleOptions,
    splitting: false,
    stdin: {
      contents: `import { commandWithCodeCache } from './source/code-cache.ts';\nexport const { main } = commandWithCodeCache(new URL('./${name}.cjs', import.meta.url), '${key}');\n`,
      resolveDir: new URL('..', import.meta.url).pathname,
      loader: 'ts',
    },
    outfile: `dist/${name}.js`,
  });
}
// The lab goes to lab-dist/, outside the published files (package.json "files": dist only).
await build({ ...bundleOptions, splitting: false, entryPoints: ['source/lab/lab-command.ts'], outdir: 'lab-dist' });
await chmod(new URL('../dist/cli.js', import.meta.url), 0o755);
