// The editing rules of TextField, apart from Ink and React so that every key and every burst can
// be tested as plain data.

/** A line being edited. `cursor` counts code points, not UTF-16 units, so that an emoji is one
 * step of the cursor, one Backspace and one mask character. */
export interface LineState {
  value: string;
  cursor: number;
}

/** The line after a key; `submit` when the key (or a burst) ended with Return. */
export interface LineEdit extends LineState {
  submit?: boolean;
}

/** The part of Ink's Key the field reads; Ink's own Key satisfies it. */
export interface LineKey {
  leftArrow: boolean;
  rightArrow: boolean;
  upArrow: boolean;
  downArrow: boolean;
  pageUp: boolean;
  pageDown: boolean;
  home: boolean;
  end: boolean;
  return: boolean;
  tab: boolean;
  backspace: boolean;
  delete: boolean;
  ctrl: boolean;
  meta: boolean;
}

// eslint-disable-next-line no-control-regex -- control characters are what this drops
const controlCharacter = /^[\x00-\x1f\x7f]$/;

/**
 * One key event applied to a line. Ink hands over every run of bytes without an escape that one
 * read returned as a single event with no key flag: three Backspaces held over SSH arrive as
 * "\x7f\x7f\x7f", a paste as its text. Such an input is replayed a character at a time, so a burst
 * edits exactly as its keys would have one by one.
 */
export function editLine(state: LineState, input: string, key: LineKey): LineEdit {
  const chars = [...state.value];
  const line: Line = { chars, cursor: Math.max(0, Math.min(state.cursor, chars.length)) };
  if (key.return) return finish(line, true);
  // The screen's keys: moving between fields, Tab, scrolling.
  if (key.upArrow || key.downArrow || key.tab || key.pageUp || key.pageDown) return finish(line);
  if (key.leftArrow) return finish({ chars, cursor: Math.max(0, line.cursor - 1) });
  if (key.rightArrow) return finish({ chars, cursor: Math.min(chars.length, line.cursor + 1) });
  if (key.home || (key.ctrl && input === 'a')) return finish({ chars, cursor: 0 });
  if (key.end || (key.ctrl && input === 'e')) return finish({ chars, cursor: chars.length });
  if (key.ctrl && input === 'u') return finish(killToStart(line));
  if (key.ctrl && input === 'w') return finish(rubOutWord(line));
  // Ink names \x7f "delete" and \b "backspace"; forward delete (ESC [3~) is "delete" too and
  // cannot be told apart from \x7f, so all of them erase backwards, as most terminals send \x7f.
  if (key.backspace || key.delete) return finish(backspace(line));
  // Any other Ctrl or Alt key would otherwise type its letter.
  if (key.ctrl || key.meta) return finish(line);
  return replay(line, input);
}

interface Line {
  chars: string[];
  cursor: number;
}

function replay(start: Line, input: string): LineEdit {
  let line = start;
  for (const char of input) {
    switch (char) {
      case '\x7f':
      case '\b':
        line = backspace(line);
        break;
      case '\x15':
        line = killToStart(line);
        break;
      case '\x17':
        line = rubOutWord(line);
        break;
      case '\r':
      case '\n':
        // What follows Return was meant for the next screen, not this field.
        return finish(line, true);
      default:
        // A tab or any other control character of a paste would hide in the value.
        if (!controlCharacter.test(char)) line = insert(line, char);
    }
  }
  return finish(line);
}

function insert({ chars, cursor }: Line, char: string): Line {
  return { chars: [...chars.slice(0, cursor), char, ...chars.slice(cursor)], cursor: cursor + 1 };
}

function backspace({ chars, cursor }: Line): Line {
  if (cursor === 0) return { chars, cursor };
  return { chars: [...chars.slice(0, cursor - 1), ...chars.slice(cursor)], cursor: cursor - 1 };
}

function killToStart({ chars, cursor }: Line): Line {
  return { chars: chars.slice(cursor), cursor: 0 };
}

/** Bash's unix-word-rubout: the blanks before the cursor, then the non-blanks before them. */
function rubOutWord({ chars, cursor }: Line): Line {
  let start = cursor;
  while (start > 0 && /\s/.test(chars[start - 1]!)) start--;
  while (start > 0 && !/\s/.test(chars[start - 1]!)) start--;
  return { chars: [...chars.slice(0, start), ...chars.slice(cursor)], cursor: start };
}

function finish({ chars, cursor }: Line, submit = false): LineEdit {
  return submit ? { value: chars.join(''), cursor, submit } : { value: chars.join(''), cursor };
}
