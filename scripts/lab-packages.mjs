// The one reader of lab-packages.txt, for .ci/run (`node scripts/lab-packages.mjs` prints the
// names) and scripts/demo.mjs. A `#` starts a comment that runs to the end of its line.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const packageListFile = fileURLToPath(new URL('lab-packages.txt', import.meta.url));

/** Debian package names in `text`, in order, comments and blank lines left out. */
export function parsePackageList(text) {
  return text
    .split('\n')
    .flatMap((line) => line.replace(/#.*/, '').split(/\s+/))
    .filter(Boolean);
}

export function readPackageList(file = packageListFile) {
  return parsePackageList(readFileSync(file, 'utf8'));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.stdout.write(`${readPackageList().join('\n')}\n`);
}
