// What holds on every screen: help, key routing, NO_COLOR, 80×24 and resizes.
import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import chalk from 'chalk';
import { printable } from '../../source/core/logs/printable.js';
import { wrapLine } from '../../source/ui/format.js';
import { colorTheme, plainTheme, themeFor } from '../../source/ui/theme.js';
import { FakeDiscovery, candidate, fixtureFacts } from './helpers/fakes.js';
import { keys, mountWizard, plainLines } from './helpers/wizard.js';

/** Terminal cells of a line: every glyph the wizard draws is one cell wide. */
const stringWidth = (line: string) => [...line].length;

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

const discovering = () => {
  const fake = new FakeDiscovery();
  return { fake, discover: async () => fake.handle };
};

test('? shows help for the current screen; Esc or ? closes it; keys do not reach the screen meanwhile', async () => {
  const { fake, discover } = discovering();
  const ui = mountWizard({ services: { discover } });
  cleanup = ui.cleanup;
  await ui.waitFor('Searching');
  fake.add(candidate(1));
  await ui.waitFor('bootstrap.local');
  await ui.press('?');
  let frame = await ui.waitFor('Help: Discover');
  assert.match(frame, /fe80::47 of every link/);
  assert.match(frame, /Esc back a screen \(answers are kept\)/);
  await ui.press('m'); // would open manual entry on the screen
  await ui.press(keys.escape);
  frame = await ui.waitFor((text) => !text.includes('Help:') && text.includes('bootstrap.local'));
  assert.doesNotMatch(frame, /Address:/);
});

/** The wizard on Discover with the manual address field open. */
async function manualEntry() {
  const { discover } = discovering();
  const ui = mountWizard({ services: { discover } });
  cleanup = ui.cleanup;
  await ui.waitFor('Searching');
  await ui.press('m');
  await ui.waitFor('Address:');
  return ui;
}

test('in a text field ? is typed, not help', async () => {
  const ui = await manualEntry();
  await ui.type('a?b');
  const frame = await ui.waitFor('Address: a?b');
  assert.doesNotMatch(frame, /Help:/);
});

test('a text field keeps every edit of keys read together (typing, ←, typing in one read)', async () => {
  const ui = await manualEntry();
  await ui.type('ab');
  await ui.waitFor('Address: ab');
  await ui.press(`c${keys.left}x`); // one write
  await ui.waitFor((frame) => plainLines(frame).some((line) => line.startsWith('Address: abxc')));
});

test('NO_COLOR: no colour codes at all (bold and inverse stay); without it, colours', async () => {
  assert.equal(themeFor({ NO_COLOR: '1' }), plainTheme);
  assert.equal(themeFor({ NO_COLOR: '' }), colorTheme, 'an empty NO_COLOR does not count (no-color.org)');
  assert.equal(themeFor({}), colorTheme);
  const level = chalk.level;
  chalk.level = 3; // as on a colour terminal
  // eslint-disable-next-line no-control-regex -- finding colour escapes is the point
  const colour = /\u001B\[(?:3[0-8]|9[0-7]|4[0-8]|10[0-7])[;m]/;
  try {
    for (const noColor of [false, true]) {
      const ui = mountWizard({
        argv: ['root@192.0.2.1'],
        noColor,
        state: { step: 'disk', history: ['connect'], facts: fixtureFacts('laptop-windows-nvme-sata-usb') },
      });
      const frame = await ui.waitFor('recommended');
      await ui.cleanup();
      if (noColor) {
        assert.doesNotMatch(frame, colour);
        // eslint-disable-next-line no-control-regex -- finding the bold escape is the point
        assert.match(frame, /\u001B\[1m/, 'bold is not a colour');
      } else {
        assert.match(frame, colour);
      }
    }
  } finally {
    chalk.level = level;
  }
});

test('80×24: nothing wider or taller than the terminal; a resize to 60×16 re-lays out', async () => {
  const { fake, discover } = discovering();
  const ui = mountWizard({ services: { discover }, columns: 80, rows: 24 });
  cleanup = ui.cleanup;
  for (let n = 1; n <= 30; n++) fake.add(candidate(n, { id: `SHA256:key${n}`, names: [`bootstrap-${n}.local`] }));
  let frame = await ui.waitFor((text) => text.includes('bootstrap-1.local') && plainLines(text).length <= 23);
  let lines = plainLines(frame);
  assert.ok(
    lines.every((line) => stringWidth(line) <= 80),
    lines.find((line) => stringWidth(line) > 80),
  );
  assert.match(lines[0]!, /^Discover › Connect › Disk/);
  ui.resize(60, 16);
  frame = await ui.waitFor((text) => plainLines(text).length <= 15 && plainLines(text)[0]!.includes('step 1/9'));
  lines = plainLines(frame);
  assert.ok(
    lines.every((line) => stringWidth(line) <= 60),
    lines.find((line) => stringWidth(line) > 60),
  );
  // The list scrolls with the cursor inside the smaller window (each step seen before the next:
  // this is about layout, not about keys merged in one read).
  for (let n = 2; n <= 21; n++) {
    await ui.press(keys.down);
    frame = await ui.waitFor(new RegExp(`❯ bootstrap-${n}\\.local`));
  }
  assert.doesNotMatch(frame, /bootstrap-1\.local/);
  assert.ok(plainLines(frame).length <= 15);
});

test('remote output cannot move the cursor: escape sequences and control characters are stripped', () => {
  assert.equal(printable('\u001B[2J\u001B[Hbuilding \u001B[1;32mfoo\u001B[0m\u0007'), 'building foo');
  assert.equal(printable('progress 10%\rprogress 90%'), 'progress 90%');
  assert.equal(printable('a\tb'), 'a  b');
});

test('long plan lines wrap at spaces with an indented continuation', () => {
  const wrapped = wrapLine(`     $ ${'word '.repeat(30).trim()}`, 40);
  assert.ok(wrapped.length > 1);
  assert.ok(wrapped.every((line) => line.length <= 40));
  assert.ok(wrapped.slice(1).every((line) => line.startsWith('         ')));
  assert.equal(wrapped.join(' ').replace(/\s+/g, ' ').trim(), `$ ${'word '.repeat(30).trim()}`);
});
