// TextField's editing rules as data: each key, and the bursts Ink delivers as one string (a held
// Backspace over SSH, a paste), which must edit exactly as their keys one by one would.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { editLine, type LineKey, type LineState } from '../../../source/ui/components/line-edit.js';

const none: LineKey = {
  leftArrow: false,
  rightArrow: false,
  upArrow: false,
  downArrow: false,
  pageUp: false,
  pageDown: false,
  home: false,
  end: false,
  return: false,
  tab: false,
  backspace: false,
  delete: false,
  ctrl: false,
  meta: false,
};

// The events Ink 6.8's useInput passes for these bytes (checked against its parse-keypress).
type Event = [input: string, key: Partial<LineKey>];
const ev = {
  text: (input: string): Event => [input, {}],
  left: ['', { leftArrow: true }] as Event,
  right: ['', { rightArrow: true }] as Event,
  up: ['', { upArrow: true }] as Event,
  down: ['', { downArrow: true }] as Event,
  pageUp: ['', { pageUp: true }] as Event,
  pageDown: ['', { pageDown: true }] as Event,
  tab: ['', { tab: true }] as Event,
  home: ['', { home: true }] as Event,
  end: ['', { end: true }] as Event,
  enter: ['\r', { return: true }] as Event,
  /** \x7f alone: Ink names it "delete". */
  del: ['', { delete: true }] as Event,
  /** \b alone. */
  backspace: ['', { backspace: true }] as Event,
  ctrl: (letter: string): Event => [letter, { ctrl: true }],
  meta: (letter: string): Event => [letter, { meta: true }],
};

/** "ab|c": the value "abc" with the cursor before "c". */
function line(marked: string): LineState {
  const chars = [...marked];
  const cursor = chars.indexOf('|');
  assert.ok(cursor >= 0, `no cursor in ${marked}`);
  chars.splice(cursor, 1);
  return { value: chars.join(''), cursor };
}

const marked = ({ value, cursor }: LineState) => {
  const chars = [...value];
  chars.splice(cursor, 0, '|');
  return chars.join('');
};

/** Applies the events in turn; the line as "ab|c", with " ⏎" when one of them submitted. */
function edit(start: string, ...events: Event[]): string {
  let state = line(start);
  let submitted = false;
  for (const [input, key] of events) {
    const next = editLine(state, input, { ...none, ...key });
    state = { value: next.value, cursor: next.cursor };
    submitted ||= next.submit === true;
  }
  return marked(state) + (submitted ? ' ⏎' : '');
}

test('typed characters are inserted at the cursor', () => {
  assert.equal(edit('|', ev.text('a'), ev.text('b')), 'ab|');
  assert.equal(edit('a|c', ev.text('b')), 'ab|c');
});

test('Left and Right move one character and stop at the ends', () => {
  assert.equal(edit('ab|', ev.left), 'a|b');
  assert.equal(edit('|ab', ev.left), '|ab');
  assert.equal(edit('a|b', ev.right), 'ab|');
  assert.equal(edit('ab|', ev.right), 'ab|');
});

test('Home and Ctrl-A go to the start, End and Ctrl-E to the end', () => {
  assert.equal(edit('ab|c', ev.home), '|abc');
  assert.equal(edit('ab|c', ev.ctrl('a')), '|abc');
  assert.equal(edit('a|bc', ev.end), 'abc|');
  assert.equal(edit('a|bc', ev.ctrl('e')), 'abc|');
});

test('Backspace and the \\x7f key (Ink: delete) erase the character before the cursor', () => {
  assert.equal(edit('abc|', ev.backspace), 'ab|');
  assert.equal(edit('ab|c', ev.del), 'a|c');
  assert.equal(edit('|abc', ev.del, ev.backspace), '|abc');
});

test('Ctrl-U erases from the start to the cursor, as in a shell', () => {
  assert.equal(edit('root@|host', ev.ctrl('u')), '|host');
  assert.equal(edit('abc|', ev.ctrl('u')), '|');
  assert.equal(edit('|abc', ev.ctrl('u')), '|abc');
});

test('Ctrl-W erases the word before the cursor: blanks, then non-blanks (unix-word-rubout)', () => {
  assert.equal(edit('ssh root@host|', ev.ctrl('w')), 'ssh |');
  assert.equal(edit('ssh root@host  |', ev.ctrl('w')), 'ssh |');
  assert.equal(edit('one two| three', ev.ctrl('w')), 'one | three');
  assert.equal(edit('word|', ev.ctrl('w')), '|');
  assert.equal(edit('   |', ev.ctrl('w')), '|');
  assert.equal(edit('|word', ev.ctrl('w')), '|word');
  assert.equal(edit('a b c|', ev.ctrl('w'), ev.ctrl('w')), 'a |');
});

test('Return submits the line as it is', () => {
  const result = editLine(line('ab|c'), '\r', { ...none, return: true });
  assert.deepEqual(result, { value: 'abc', cursor: 2, submit: true });
});

test("the screen's keys (Up, Down, Tab, PageUp, PageDown) leave the line alone", () => {
  for (const key of [ev.up, ev.down, ev.tab, ev.pageUp, ev.pageDown]) {
    assert.equal(edit('ab|c', key), 'ab|c');
  }
  assert.equal(editLine(line('ab|c'), '', { ...none, tab: true }).submit, undefined);
});

test('other Ctrl and Alt keys type nothing', () => {
  assert.equal(edit('ab|', ev.ctrl('b'), ev.ctrl('k'), ev.ctrl('x')), 'ab|');
  assert.equal(edit('ab|', ev.meta('b'), ev.meta('d')), 'ab|');
});

test('a burst of three Backspaces read at once erases three characters', () => {
  assert.equal(edit('root@host|', ev.text('\x7f\x7f\x7f')), 'root@h|');
  assert.equal(edit('root@host|', ev.text('\b\b\b')), 'root@h|');
  assert.equal(edit('ab|cd', ev.text('\x7f\x7f\x7f')), '|cd');
});

test('a burst mixing typed characters and Backspaces edits as its keys one by one', () => {
  assert.equal(edit('|', ev.text('ab\x7fc\x7f\x7fxyz\bq')), 'xyq|');
  assert.equal(edit('1|9', ev.text('23\x7f\b45')), '145|9');
});

test('Ctrl-U and Ctrl-W inside a burst', () => {
  assert.equal(edit('old|', ev.text('\x15new')), 'new|');
  assert.equal(edit('|', ev.text('one two\x17three')), 'one three|');
  assert.equal(edit('|', ev.text('a b\x17\x17c')), 'c|');
  assert.equal(edit('keep|', ev.text('\x17\x17')), '|');
});

test('Return inside a burst submits what was edited before it; the rest is not typed', () => {
  assert.deepEqual(editLine(line('|'), 'abc\x7fd\rignored', none), { value: 'abd', cursor: 3, submit: true });
  assert.deepEqual(editLine(line('x|'), 'y\nz', none), { value: 'xy', cursor: 2, submit: true });
});

test('other control characters of a paste are dropped, the text around them kept', () => {
  assert.equal(edit('|', ev.text('a\tb\x00c\x01d\x1f')), 'abcd|');
});

test('astral characters are one character for the cursor and for Backspace', () => {
  assert.equal(edit('a😀|', ev.backspace), 'a|');
  assert.equal(edit('a😀b|', ev.left, ev.left), 'a|😀b');
  assert.equal(edit('|', ev.text('😀😀x\x7f\x7f')), '😀|');
  assert.equal(edit('|', ev.text('key 🔑 word'), ev.ctrl('w'), ev.ctrl('w')), 'key |');
  assert.equal(edit('😀|', ev.right, ev.end), '😀|');
});

test('a cursor beyond the value (the caller shortened it) counts as its end', () => {
  assert.deepEqual(editLine({ value: 'ab', cursor: 9 }, 'c', none), { value: 'abc', cursor: 3 });
});
