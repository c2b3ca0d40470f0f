// The age key: generated and saved at once (0600) so the person may stop to re-encrypt, the
// public key shown prominently, the secrets checked against it. Real files, real age keys.
import { after, afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Encrypter } from 'age-encryption';
import { ageKeyFileText, generateAgeKey } from '../../../source/core/keys/age.js';
import { fixtureFacts } from '../helpers/fakes.js';
import { keys, localServices, mountWizard } from '../helpers/wizard.js';

const work = mkdtempSync(join(tmpdir(), 'nb-ui-keys-'));
after(() => rmSync(work, { recursive: true, force: true }));
let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

let flakes = 0;
/** A local flake with secrets/: one file for `readableBy` (if given), one for a stranger. */
async function flakeWithSecrets(readableBy?: string): Promise<string> {
  const dir = join(work, `flake${++flakes}`);
  mkdirSync(join(dir, 'secrets'), { recursive: true });
  writeFileSync(join(dir, 'flake.nix'), '{ outputs = _: { }; }\n');
  const stranger = await generateAgeKey();
  const encrypt = async (recipients: string[]) => {
    const encrypter = new Encrypter();
    for (const r of recipients) encrypter.addRecipient(r);
    return encrypter.encrypt('secret');
  };
  writeFileSync(join(dir, 'secrets', 'api-token.age'), await encrypt([stranger.recipient]));
  if (readableBy) writeFileSync(join(dir, 'secrets', 'db-password.age'), await encrypt([readableBy, stranger.recipient]));
  return dir;
}

const atKeys = async (flake: string, argv: string[] = []) =>
  mountWizard({
    argv: ['root@192.0.2.1', ...argv],
    services: await localServices(),
    state: {
      step: 'keys',
      history: ['connect', 'disk', 'layout', 'flake'],
      facts: fixtureFacts('laptop-windows-nvme-sata-usb'),
      disk: '/dev/sda',
      resolvedFlake: { uri: flake, host: 'web', localPath: flake },
    },
  });

test('generate: the key is saved at once with mode 0600, its public key shown; unreadable secrets are named and s stops (exit 3)', async () => {
  const flake = await flakeWithSecrets();
  const out = join(work, 'web-generated.agekey');
  const ui = await atKeys(flake, ['--age-key-out', out]);
  cleanup = ui.cleanup;
  await ui.waitFor("The host's age key");
  await ui.press(keys.enter, keys.enter, keys.enter); // source → path → Generate
  const frame = await ui.waitFor('Age public key for web (new)');
  assert.ok(existsSync(out), 'the key file is written before anything else happens');
  assert.equal(statSync(out).mode & 0o777, 0o600);
  const recipient = /# public key: (age1[0-9a-z]+)/.exec(readFileSync(out, 'utf8'))![1]!;
  assert.match(frame, new RegExp(`│ ${recipient} │`), 'the public key is shown in its own box');
  assert.ok(!frame.includes('AGE-SECRET-KEY'), 'the private key never reaches the screen');
  assert.match(frame, /Private key .*web-generated\.agekey \(saved, 0600\)/);
  assert.match(frame, /On target\s+\/etc\/age\/web\.agekey/);
  assert.match(frame, /Secrets check: 1 of 1 in .*secrets would NOT decrypt on first boot/);
  assert.match(frame, /✖ api-token\.age: not encrypted to this host key/);
  assert.match(frame, /s stops here/);
  await ui.press('s');
  const { code, farewell } = await ui.exited;
  assert.equal(code, 3);
  assert.match(farewell ?? '', new RegExp(`Add ${recipient} as web's key`));
  assert.match(farewell ?? '', new RegExp(`--age-key ${out.replace(/[.]/g, '\\.')}`));
  assert.ok(existsSync(out), 'the key stays for the next run');
});

test('use a key file: loaded, secrets encrypted to it are readable, Enter goes on to Review', async () => {
  const key = await generateAgeKey();
  const file = join(work, 'existing.agekey');
  writeFileSync(file, ageKeyFileText(key, new Date()), { mode: 0o600 });
  const flake = await flakeWithSecrets(key.recipient);
  rmSync(join(flake, 'secrets', 'api-token.age'));
  const ui = await atKeys(flake);
  cleanup = ui.cleanup;
  await ui.waitFor("The host's age key");
  await ui.press(keys.right);
  await ui.waitFor('Key file');
  await ui.press(keys.down);
  await ui.type(file);
  await ui.press(keys.enter, keys.enter);
  const frame = await ui.waitFor('Age public key for web:');
  assert.match(frame, new RegExp(key.recipient));
  assert.match(frame, /Secrets check: all 1 secret\(s\) in .* decrypt with this key/);
  await ui.press(keys.enter);
  await ui.waitFor('Review the plan');
});

test('a generated key never overwrites a file: l uses the existing key instead', async () => {
  const flake = await flakeWithSecrets();
  const out = join(work, 'kept.agekey');
  // Made by the real age-keygen, as a person re-encrypting by hand would have.
  execFileSync('age-keygen', ['-o', out], { stdio: 'ignore' });
  const before = readFileSync(out, 'utf8');
  const ui = await atKeys(flake, ['--age-key-out', out]);
  cleanup = ui.cleanup;
  await ui.waitFor("The host's age key");
  await ui.press(keys.enter, keys.enter, keys.enter);
  await ui.waitFor('already exists');
  assert.equal(readFileSync(out, 'utf8'), before);
  await ui.press('l');
  await ui.waitFor('Key file');
  await ui.press(keys.down, keys.down, keys.enter);
  const frame = await ui.waitFor('Age public key for web:');
  const recipient = /# public key: (age1[0-9a-z]+)/.exec(before)![1]!;
  assert.match(frame, new RegExp(recipient));
  assert.equal(readFileSync(out, 'utf8'), before, 'the existing file is untouched');
});

test('no key: a warning that secrets will not decrypt on first boot', async () => {
  const flake = await flakeWithSecrets();
  const ui = await atKeys(flake);
  cleanup = ui.cleanup;
  await ui.waitFor("The host's age key");
  await ui.press(keys.left);
  await ui.waitFor(/Age key\s+.*no key/);
  await ui.press(keys.down, keys.enter);
  await ui.waitFor('No age key will be handed off.');
});
