// Bundles source/cli.tsx into dist/ (the published package) and the lab into lab-dist/ with esbuild.
import { build } from 'esbuild';
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
for (const [entry, output] of Object.entries(bundledWhole)) {
  await build({ ...bundleOptions, splitting: false, define, entryPoints: [entry], outfile: `dist/${output}` });
}
// The lab goes to lab-dist/, outside the published files (package.json "files": dist only).
await build({ ...bundleOptions, splitting: false, entryPoints: ['source/lab/lab-command.ts'], outdir: 'lab-dist' });
await chmod(new URL('../dist/cli.js', import.meta.url), 0o755);
