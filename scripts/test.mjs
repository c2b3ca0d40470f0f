// Runs the test suite with node:test: unit and UI tests, then the lab tests (root; they fail,
// never skip, when the lab cannot come up). Usage: node scripts/test.mjs [--unit] [--lab] [filter…]
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { asRoot } from './as-root.mjs';

const args = process.argv.slice(2);
const only = args.includes('--unit') ? 'unit' : args.includes('--lab') ? 'lab' : 'all';
const filters = args.filter((a) => !a.startsWith('--'));

function testFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return testFiles(path);
    return /\.test\.tsx?$/.test(entry.name) ? [path] : [];
  });
}

const isLab = (file) => file.startsWith(join('test', 'lab'));
const rank = (file) => (file.endsWith('leftovers.test.ts') ? 2 : isLab(file) ? 1 : 0);
const files = testFiles('test')
  .filter((file) => only === 'all' || (only === 'lab') === isLab(file))
  .filter((file) => filters.length === 0 || filters.some((f) => file.includes(f)))
  // Lab tests last (unit failures show up before minutes of VM boots), and the leftovers check
  // after every other lab test.
  .sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));

// The lab (namespaces, loop disks, qemu) and the loopback sshd need root: say so at once rather
// than fail test after test.
if (process.getuid?.() !== 0) {
  process.stderr.write(`test: the tests need root (network namespaces, loop devices, a private sshd): run them as root:  ${asRoot('npm test')}\n`);
  process.exit(2);
}

// Ink renders only the last frame when CI=true, which breaks UI tests: unset it for the run.
// A hung test fails after this long instead of hanging CI.
const testTimeoutMs = 15 * 60 * 1000;
const env = { ...process.env };
delete env.CI;
// tsx would keep its compile cache in /tmp/tsx-UID: the suite leaves /tmp as it found it
// (measured: the unit tests take as long without the cache).
env.TSX_DISABLE_CACHE = '1';
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=1', `--test-timeout=${testTimeoutMs}`, ...files],
  { stdio: 'inherit', env },
);
process.exitCode = result.status ?? 1;
