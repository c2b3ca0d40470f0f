import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fingerprint } from '../../../source/core/ssh/fingerprint.js';
import { hostKeyDescription, pairingCode, randomArt } from '../../../source/core/ssh/pairing.js';

const dir = mkdtempSync(join(tmpdir(), 'nb-pairing-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

const variants: Array<[string, string[], string]> = [
  ['ed25519', ['-t', 'ed25519'], 'ED25519 256'],
  ['rsa3072', ['-t', 'rsa', '-b', '3072'], 'RSA 3072'],
  ['rsa2048', ['-t', 'rsa', '-b', '2048'], 'RSA 2048'],
  ['ecdsa256', ['-t', 'ecdsa', '-b', '256'], 'ECDSA 256'],
  ['ecdsa384', ['-t', 'ecdsa', '-b', '384'], 'ECDSA 384'],
  ['ecdsa521', ['-t', 'ecdsa', '-b', '521'], 'ECDSA 521'],
];

for (const [name, args, description] of variants) {
  test(`randomart and description equal ssh-keygen -lv for ${name}`, () => {
    const file = join(dir, name);
    execFileSync('ssh-keygen', ['-q', ...args, '-N', '', '-f', file]);
    const blob = Buffer.from(readFileSync(`${file}.pub`, 'utf8').split(' ')[1]!, 'base64');
    const [first, ...art] = execFileSync('ssh-keygen', ['-lv', '-f', `${file}.pub`], { encoding: 'utf8' })
      .trimEnd()
      .split('\n');
    assert.equal(randomArt(blob), art.join('\n'));
    const { type, bits } = hostKeyDescription(blob);
    assert.equal(`${type} ${bits}`, description);
    assert.equal(first!.split(' ')[1], fingerprint(blob));
  });
}

test('pairing code: first eight characters of the fingerprint, grouped by four', () => {
  assert.equal(pairingCode('SHA256:Wq3D9fzKabcdefghijklmnopqrstuvwxyz0123456'), 'Wq3D 9fzK');
});
