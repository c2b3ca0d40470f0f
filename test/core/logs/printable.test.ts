import { test } from 'node:test';
import assert from 'node:assert/strict';
import { printable, printableWithin } from '../../../source/core/logs/printable.js';

test('escape sequences and control characters are removed; a carriage return keeps what follows it', () => {
  assert.equal(printable('\u001b[31mred\u001b[0m \u001b]52;c;aGk=\u0007done'), 'red done');
  assert.equal(printable('10%\r50%\r100%'), '100%');
  assert.equal(printable('a\tb'), 'a  b');
});

test('a log tail line is cut to the width here, so that Ink never has to truncate it', () => {
  const line = `copying path '/nix/store/${'0'.repeat(32)}-lab-package' from 'https://cache.nixos.org'...`;
  assert.equal(printableWithin(line, 78), line.slice(0, 78));
  assert.equal(printableWithin(line, 78).length, 78);
  assert.equal(printableWithin('short', 78), 'short');
  assert.equal(printableWithin(`\u001b[1m${line}`, 10), line.slice(0, 10), 'cut after the escapes are gone');
  assert.equal(printableWithin('x'.repeat(5), 0), '');
});

test('text that is not plain ASCII is left whole for Ink to measure (wide characters, combining marks)', () => {
  const wide = '構築中 '.repeat(20);
  assert.equal(printableWithin(wide, 10), wide);
  assert.equal(printableWithin('größe ✓', 3), 'größe ✓');
});
