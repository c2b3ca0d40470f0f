import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { Encrypter, armor } from 'age-encryption';
import { generateAgeKey } from '../../../source/core/keys/age.js';
import { checkSecrets } from '../../../source/core/keys/secrets-check.js';

async function encryptTo(recipients: string[], text: string): Promise<Uint8Array> {
  const encrypter = new Encrypter();
  for (const r of recipients) encrypter.addRecipient(r);
  return encrypter.encrypt(text);
}

test('the readiness check names exactly the secrets the new key cannot open', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'nb-secrets-'));
  try {
    const host = await generateAgeKey();
    const other = await generateAgeKey();
    await mkdir(join(dir, 'nested'));
    await writeFile(join(dir, 'db-password.age'), await encryptTo([host.recipient, other.recipient], 'a'));
    await writeFile(join(dir, 'nested', 'api-token.age'), await encryptTo([other.recipient], 'b'));
    await writeFile(join(dir, 'armored.age'), armor.encode(await encryptTo([host.recipient], 'c')));
    await writeFile(join(dir, 'README.md'), 'not a secret');
    // A file made by the real age CLI, encrypted to the other key only.
    execFileSync('age', ['-r', other.recipient, '-o', join(dir, 'cli-made.age')], { input: 'd' });
    const report = await checkSecrets(dir, host.identity);
    assert.deepEqual(report.readable, ['armored.age', 'db-password.age']);
    assert.deepEqual(
      report.unreadable.map((u) => u.file),
      ['cli-made.age', 'nested/api-token.age'],
    );
    assert.equal(report.unreadable[0]!.reason, 'not encrypted to this host key');
  } finally {
    await rm(dir, { recursive: true });
  }
});
