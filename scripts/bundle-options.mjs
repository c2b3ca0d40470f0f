// How source/ is bundled, for dist/ (scripts/build.mjs) and for the UI benchmark's harness.
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
export const bundleOptions = {
  bundle: true,
  // Code splitting keeps Ink and React in their own chunks, so --help/--version and the
  // headless commands never load them.
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  jsx: 'automatic',
  // ssh2 loads optional native addons with require(): keep it as a real dependency.
  external: ['ssh2', 'cpu-features', 'react-devtools-core'],
  // Bundled CommonJS dependencies call require() for Node built-ins.
  banner: { js: "import { createRequire as __nbCreateRequire } from 'node:module'; const require = __nbCreateRequire(import.meta.url);" },
  logLevel: 'warning',
  // React's production build: its development build records ~30 performance measures per frame
  // and never drops them (memory grows for as long as the wizard draws).
  define: { 'process.env.NODE_ENV': '"production"' },
};

/**
 * What each entry must not load before it is needed, as parts of input paths: --help/--version
 * answer from static text, and the wizard's first frame draws with Ink and the screens while the
 * engine (SSH, discovery, age, the phases, execa) loads only when a screen asks for it.
 * test/bundle.test.ts checks each entry's static import graph in the bundle against this.
 */
const engine = [
  'node_modules/ssh2/',
  'node_modules/execa/',
  'node_modules/age-encryption/',
  'node_modules/multicast-dns/',
  'node_modules/bonjour-service/',
  'source/core/plan/phases/',
  'source/core/install/runner',
  'source/core/install/start',
  'source/core/install/prepare',
  'source/core/install/journal',
  'source/core/discovery/discover',
  'source/core/ssh/session',
];
export const loadedLater = {
  'source/cli.tsx': ['node_modules/ink/', 'node_modules/react/', 'source/ui/', ...engine],
  'source/ui/wizard-command.ts': ['node_modules/ink/', 'node_modules/react/', ...engine],
  'source/ui/run-wizard.tsx': engine,
};

/**
 * Commands bundled whole, each into one CommonJS file of dist/ that imports no chunk, loaded by a
 * small ESM file of the same name through V8's code cache (source/code-cache.ts): the entry
 * imports that in place of the split code. Loading is per file: discover's code split across
 * ~25 chunks took 25-40 ms to load on a 2-core machine, one file 11-18 ms, and compiling it
 * ~9 ms more of each run until it came from the cache; `discover` is timed from the process
 * start against the by-hand chain (npm run bench). The price: its modules exist twice in dist/
 * (once in chunks for the wizard), so an error class crosses into the entry as a copy (see
 * isBootstrapError).
 */
export const bundledWhole = { 'source/headless/discover-command.ts': 'discover-command' };

/** Points source/cli.tsx's import of a command bundled whole at that command's own file. */
export const wholeBundlePlugin = {
  name: 'bundled-whole',
  setup(build) {
    const entry = resolve(root, 'source/cli.tsx');
    build.onResolve({ filter: /^\.\/.*\.js$/ }, (args) => {
      if (args.importer !== entry) return undefined;
      const source = relative(root, resolve(dirname(entry), args.path.replace(/\.js$/, '.ts')));
      const output = bundledWhole[source];
      return output ? { path: `./${output}.js`, external: true } : undefined;
    });
  },
};
