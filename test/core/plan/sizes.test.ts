import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatBytes, parseSizeMiB } from '../../../source/core/plan/sizes.js';

test('sizes parse in binary units; bare numbers are MiB', () => {
  assert.equal(parseSizeMiB('512M', '--efi-size'), 512);
  assert.equal(parseSizeMiB('512MiB', '--efi-size'), 512);
  assert.equal(parseSizeMiB('8G', '--swap'), 8192);
  assert.equal(parseSizeMiB('1.5g', '--swap'), 1536);
  assert.equal(parseSizeMiB('256', '--swap'), 256);
  assert.equal(parseSizeMiB('0', '--swap'), 0);
});

test('an unparsable size is a usage error naming the flag', () => {
  for (const bad of ['lots', '8X', '-1G', '', '1e3M']) {
    assert.throws(
      () => parseSizeMiB(bad, '--swap'),
      (e: Error & { exitCode?: number }) => e.exitCode === 2 && e.message.startsWith('--swap:'),
    );
  }
});

test('bytes format readably', () => {
  assert.equal(formatBytes(8 * 1024 ** 3), '8 GiB');
  assert.equal(formatBytes(1.5 * 1024 ** 3), '1.5 GiB');
  assert.equal(formatBytes(512 * 1024 ** 2), '512 MiB');
  assert.equal(formatBytes(100), '100 B');
  assert.equal(formatBytes(1000204886016), '931.5 GiB');
  assert.equal(formatBytes(64 * 1024 ** 2), '64 MiB');
});
