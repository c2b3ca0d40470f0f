// How source/ is bundled, for dist/ (scripts/build.mjs) and for the UI benchmark's harness.
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
