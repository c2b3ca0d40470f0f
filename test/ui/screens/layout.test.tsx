// Layout & encryption: choices, the passphrase typed twice (masked, strength shown, mismatch
// rejected), sizes checked, and nothing lost when going back and forth.
import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { fixtureFacts } from '../helpers/fakes.js';
import { keys, mountWizard } from '../helpers/wizard.js';

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

const atLayout = (argv: string[] = []) =>
  mountWizard({
    argv: ['root@192.0.2.1', ...argv],
    state: { step: 'layout', history: ['connect', 'disk'], facts: fixtureFacts('laptop-windows-nvme-sata-usb'), disk: '/dev/sda' },
  });

const passphrase = 'Correct-Horse-Battery-9';

test('LUKS: passphrase twice, masked, with strength; a mismatch is rejected; a match goes on and stays only in memory', async () => {
  const ui = atLayout();
  cleanup = ui.cleanup;
  await ui.waitFor('Partition layout and encryption');
  assert.doesNotMatch(ui.frame(), /Passphrase/);
  await ui.press(keys.down, keys.right);
  await ui.waitFor('Passphrase');
  await ui.press(keys.down);
  await ui.type(passphrase.slice(0, 3));
  await ui.waitFor('too short');
  await ui.type(passphrase.slice(3));
  await ui.press(keys.enter);
  await ui.type('Correct-Horse-Battery-8');
  let frame = await ui.waitFor('✖ differs');
  assert.match(frame, /strong \(~\d+ bits\)/);
  assert.match(frame, new RegExp(`Passphrase\\s+•{${passphrase.length}}`));
  assert.ok(!frame.includes('Correct-Horse'), 'the passphrase never reaches the screen');
  await ui.press(keys.enter, keys.enter, keys.enter, keys.enter); // → swap → ESP → Continue → submit
  frame = await ui.waitFor('The two passphrases differ');
  assert.match(frame, /❯ Repeat/, 'the repeat field is focused and emptied');
  assert.equal(ui.runtime.vault.luksPassphrase, undefined);
  await ui.type(passphrase);
  await ui.waitFor('✔ same');
  await ui.press(keys.enter, keys.enter, keys.enter, keys.enter);
  await ui.waitFor('Which configuration goes on this machine?');
  assert.equal(ui.runtime.vault.luksPassphrase, passphrase);
  // Back: the answers (LUKS on, both fields) are still there.
  await ui.press(keys.escape);
  frame = await ui.waitFor('Partition layout and encryption');
  assert.match(frame, /Encrypt \(LUKS2\)\s+no\s+\[yes\]/);
  assert.match(frame, new RegExp(`Repeat\\s+•{${passphrase.length}}\\s+✔ same`));
});

test('a size that cannot be read is named, and the screen stays', async () => {
  const ui = atLayout();
  cleanup = ui.cleanup;
  await ui.waitFor('Partition layout and encryption');
  await ui.press(keys.down, keys.down); // swap
  await ui.press(keys.backspace);
  await ui.type('lots');
  await ui.press(keys.enter, keys.enter, keys.enter);
  await ui.waitFor("Swap size: cannot read size 'lots'");
  await ui.press(keys.up, keys.up);
  await ui.press(...Array(4).fill(keys.backspace));
  await ui.type('2G');
  await ui.press(keys.down, keys.down, keys.enter);
  await ui.waitFor('Which configuration goes on this machine?');
});

test('disko has no LUKS question (its config decides); mounted offers to open an existing container', async () => {
  const ui = atLayout();
  cleanup = ui.cleanup;
  await ui.waitFor('Partition layout and encryption');
  await ui.press(keys.right);
  let frame = await ui.waitFor("The flake's disko config partitions");
  assert.doesNotMatch(frame, /Encrypt/);
  assert.doesNotMatch(frame, /Swap size/);
  await ui.press(keys.right);
  frame = await ui.waitFor('Partitioned by hand');
  assert.match(frame, /Encrypt \(LUKS2\)/);
  await ui.press(keys.down, 'y');
  await ui.waitFor('opens the existing container');
});

test('--luks with --layout and a passphrase file skips the screen (tested in the command); --luks alone pre-selects yes', async () => {
  const ui = atLayout(['--luks']);
  cleanup = ui.cleanup;
  const frame = await ui.waitFor('Partition layout and encryption');
  assert.match(frame, /Encrypt \(LUKS2\)\s+no\s+\[yes\]/);
  assert.match(frame, /Passphrase/);
});
