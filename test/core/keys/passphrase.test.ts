import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { checkPassphrase, passphraseStrength, readPassphraseFile } from '../../../source/core/keys/passphrase.js';

test('strength grows with length and character classes', () => {
  assert.equal(passphraseStrength('abc').strength, 'too short');
  assert.equal(passphraseStrength('abcdefgh').strength, 'weak');
  assert.equal(passphraseStrength('abcdefgh12AB').strength, 'fair');
  assert.equal(passphraseStrength('correct horse battery staple').strength, 'strong');
});

test('too short or multi-line passphrases are usage errors that never echo the passphrase', () => {
  assert.throws(
    () => checkPassphrase('short'),
    (e: Error & { exitCode?: number }) => e.exitCode === 2 && !e.message.includes('short'.padEnd(6, '!')) && /too short/.test(e.message),
  );
  assert.throws(() => checkPassphrase('two\nlines here'), /line break/);
});

test('the passphrase file: one trailing newline dropped, stdin accepted, unreadable is exit 2', async () => {
  assert.equal(await readPassphraseFile('-', Readable.from([Buffer.from('from stdin ok\n')])), 'from stdin ok');
  await assert.rejects(
    readPassphraseFile('/nonexistent/pass'),
    (e: Error & { exitCode?: number }) => e.exitCode === 2 && /cannot read --luks-passphrase-file \/nonexistent\/pass \(ENOENT\)/.test(e.message),
  );
});
