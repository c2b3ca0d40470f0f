import type { BuildOptions } from 'esbuild';
export const bundleOptions: BuildOptions;
export const loadedLater: Record<string, string[]>;
