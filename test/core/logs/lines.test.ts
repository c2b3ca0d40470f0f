import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LineCollector } from '../../../source/core/logs/lines.js';

test('lines split across chunks, CRLF tolerated, last line without newline flushed', () => {
  const lines: string[] = [];
  const collector = new LineCollector((batch) => lines.push(...batch), 1024);
  collector.push(Buffer.from('one\ntw'));
  collector.push(Buffer.from('o\r\nthree\n\nfou'));
  assert.deepEqual(lines, ['one', 'two', 'three', '']);
  collector.end();
  assert.deepEqual(lines, ['one', 'two', 'three', '', 'fou']);
  assert.equal(collector.text(), 'one\ntwo\r\nthree\n\nfou');
});

test('a UTF-8 character split between chunks stays whole', () => {
  const lines: string[] = [];
  const collector = new LineCollector((batch) => lines.push(...batch), 1024);
  const bytes = Buffer.from('größe ✓\n');
  for (const byte of bytes) collector.push(Buffer.from([byte]));
  assert.deepEqual(lines, ['größe ✓']);
});

test('capture keeps the tail only', () => {
  const collector = new LineCollector(undefined, 10);
  collector.push(Buffer.from('0123456789'));
  collector.push(Buffer.from('abcdef'));
  assert.equal(collector.text(), '6789abcdef');
  const none = new LineCollector(undefined, 0);
  none.push(Buffer.from('x'));
  assert.equal(none.text(), '');
});

test('an endless line is handed on in pieces', () => {
  const lines: string[] = [];
  const collector = new LineCollector((batch) => lines.push(...batch), 0);
  collector.push(Buffer.alloc(200 * 1024, 'x'));
  assert.ok(lines.length >= 3);
  assert.ok(lines.every((line) => line.length <= 64 * 1024));
});

test('however the stream is cut into chunks, the same lines come out (CRLF and UTF-8 across cuts)', () => {
  const text = 'copying path ‘/nix/store/a’\r\nbuilding größe ✓\n\nlast line\r\nno newline at the end';
  const expected = ['copying path ‘/nix/store/a’', 'building größe ✓', '', 'last line', 'no newline at the end'];
  const bytes = Buffer.from(text);
  for (let size = 1; size <= bytes.length; size++) {
    const lines: string[] = [];
    const collector = new LineCollector((batch) => lines.push(...batch), 0);
    for (let at = 0; at < bytes.length; at += size) collector.push(bytes.subarray(at, at + size));
    collector.end();
    assert.deepEqual(lines, expected, `chunks of ${size} bytes`);
  }
});

test('a flood in one chunk is split in order, without a line lost at the chunk border, and handed on in one call per chunk', () => {
  const lines: string[] = [];
  let calls = 0;
  const collector = new LineCollector((batch) => (calls++, lines.push(...batch)), 0);
  const text = Array.from({ length: 10_000 }, (_, i) => `line ${i}\n`).join('');
  const cut = text.length / 2 + 3;
  collector.push(Buffer.from(text.slice(0, cut)));
  collector.push(Buffer.from(text.slice(cut)));
  collector.end();
  assert.equal(lines.length, 10_000);
  assert.ok(lines.every((line, i) => line === `line ${i}`));
  assert.equal(calls, 2);
});
