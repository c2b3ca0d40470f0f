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
};
