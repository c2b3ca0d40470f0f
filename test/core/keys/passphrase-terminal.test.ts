// --luks-passphrase-file - at a real terminal (tmux): asked twice, never echoed.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { TmuxTerminal } from '../../../scripts/tmux-driver.mjs';

const terminal = new TmuxTerminal('nb-pass', 'pass');
after(() => terminal.stop());
const source = new URL('../../../source/core/keys/passphrase.ts', import.meta.url).href;
const tsx = import.meta.resolve('tsx');
const secret = 'typed-at-a-terminal-47';

test('a passphrase typed at a terminal is not echoed, is asked twice; too short or a mismatch asks again; arrow keys add nothing', async () => {
  // The child reports only a digest of what it read: the passphrase is in no process's argv.
  const digest = createHash('sha256').update(secret).digest('hex');
  const script = `import { createHash } from 'node:crypto'; import(${JSON.stringify(source)}).then((m) => m.readPassphraseFile('-')).then((p) => console.log('RESULT ' + createHash('sha256').update(p).digest('hex')), (e) => console.log('RESULT error ' + e.message)).finally(() => setTimeout(() => {}, 60000))`;
  terminal.start([process.execPath, '--import', tsx, '--input-type=module', '-e', script], { columns: 100, rows: 12 });
  await terminal.waitFor(/LUKS passphrase \(not shown\):/, 'the first prompt');
  await terminal.paste('short\r');
  await terminal.waitFor(/too short .*; once more/, 'a too-short passphrase asked again');
  // An arrow key in the middle sends ESC [ D: not part of the passphrase.
  await terminal.paste(secret.slice(0, 5));
  await terminal.press('Left');
  await terminal.paste(`${secret.slice(5)}\r`);
  await terminal.waitFor(/The same passphrase again:/, 'the second prompt');
  await terminal.paste('something-else-entirely\r');
  await terminal.waitFor(/did not match; once more/, 'the mismatch');
  await terminal.paste(`${secret}\r`);
  await terminal.waitFor(/The same passphrase again:[\s\S]*The same passphrase again:/, 'the second prompt, again');
  await terminal.paste(`${secret}\r`);
  const screen = await terminal.waitFor(/RESULT/, 'the result');
  assert.ok(screen.replace(/\s+/g, '').includes(`RESULT${digest}`), screen);
  for (const text of [...terminal.screensSeen, terminal.scrollback()]) assert.ok(!text.includes(secret), `echoed:\n${text}`);
});
