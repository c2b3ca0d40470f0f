// Bundles source/cli.tsx into dist/ with esbuild. Code splitting keeps Ink and React in
// their own chunks, so --help/--version and headless commands never load them.
import { build } from 'esbuild';
import { readFile, rm, chmod } from 'node:fs/promises';

const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8'));
await rm(new URL('../dist', import.meta.url), { recursive: true, force: true });
await build({
  entryPoints: ['source/cli.tsx'],
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  jsx: 'automatic',
  // ssh2 loads optional native addons with require(): keep it as a real dependency.
  external: ['ssh2', 'cpu-features', 'react-devtools-core'],
  define: { 'process.env.NB_VERSION': JSON.stringify(pkg.version) },
  // Bundled CommonJS dependencies call require() for Node built-ins.
  banner: { js: "import { createRequire as __nbCreateRequire } from 'node:module'; const require = __nbCreateRequire(import.meta.url);" },
  chunkNames: 'chunks/[name]-[hash]',
  logLevel: 'warning',
});
await chmod(new URL('../dist/cli.js', import.meta.url), 0o755);
