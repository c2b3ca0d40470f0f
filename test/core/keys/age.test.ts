import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { ageKeyFileText, generateAgeKey, parseAgeKeyFile } from '../../../source/core/keys/age.js';
import { writeSecretFile } from '../../../source/core/keys/secret-file.js';

test('a generated key is X25519, round-trips through its file, and the age CLI agrees on the recipient', async () => {
  const key = await generateAgeKey();
  assert.match(key.identity, /^AGE-SECRET-KEY-1[0-9A-Z]{58}$/);
  assert.match(key.recipient, /^age1[0-9a-z]{58}$/);
  const text = ageKeyFileText(key, new Date('2026-11-21T10:00:00Z'));
  assert.deepEqual(await parseAgeKeyFile(text, 'key'), key);
  const dir = await mkdtemp(join(tmpdir(), 'nb-age-'));
  try {
    await writeFile(join(dir, 'k'), text, { mode: 0o600 });
    assert.equal(execFileSync('age-keygen', ['-y', join(dir, 'k')], { encoding: 'utf8' }).trim(), key.recipient);
  } finally {
    await rm(dir, { recursive: true });
  }
});

test('a file that is not an age identity is rejected without quoting it', async () => {
  for (const text of ['', 'hello\n', 'AGE-SECRET-KEY-1NOTVALID\n', 'ssh-ed25519 AAAA…\n']) {
    await assert.rejects(parseAgeKeyFile(text, 'my.key'), (e: Error & { exitCode?: number }) => {
      assert.equal(e.exitCode, 2);
      assert.match(e.message, /^my\.key (is not an age identity file|holds an invalid age identity)$/);
      return true;
    });
  }
});

test('secret files are 0600 from the start and never silently overwritten', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'nb-secret-'));
  try {
    const path = join(dir, 'web.agekey');
    await writeSecretFile(path, 'one');
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    await assert.rejects(writeSecretFile(path, 'two'), /already exists/);
    assert.equal(await readFile(path, 'utf8'), 'one');
    await writeSecretFile(path, 'three', { overwrite: true });
    assert.equal(await readFile(path, 'utf8'), 'three');
    assert.equal((await stat(path)).mode & 0o777, 0o600);
  } finally {
    await rm(dir, { recursive: true });
  }
});
