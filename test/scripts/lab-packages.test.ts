import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { packageListFile, parsePackageList, readPackageList } from '../../scripts/lab-packages.mjs';

// Debian's rule for package names (policy 5.6.1).
const debianName = /^[a-z0-9][a-z0-9+.-]+$/;

test('the real package list reads as package names only: no word of a comment becomes a package', () => {
  const packages: string[] = readPackageList();
  assert.ok(packages.length > 20, `only ${packages.length} packages`);
  for (const name of packages) assert.match(name, debianName, `${name} is not a package name`);
  for (const needed of ['openssh-server', 'qemu-system-x86', 'tmux', 'cryptsetup']) assert.ok(packages.includes(needed), needed);
  assert.equal(new Set(packages).size, packages.length, 'a package is listed twice');
});

test('comments run to the end of their line, wherever they start', () => {
  assert.deepEqual(parsePackageList('# the packages (read by .ci/run)\nfoo bar  # why bar\n\n  baz\t#x\n'), ['foo', 'bar', 'baz']);
});

test('.ci/run and the demo read the same list: the CLI form prints one name a line', () => {
  const printed = execFileSync(process.execPath, [new URL('../../scripts/lab-packages.mjs', import.meta.url).pathname], { encoding: 'utf8' });
  assert.deepEqual(printed.trim().split('\n'), readPackageList(packageListFile));
});
