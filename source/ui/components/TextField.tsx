import { useEffect, useRef, useState } from 'react';
import { Text } from 'ink';
import { useKeys } from '../hooks/use-keys.js';
import { useTheme } from '../theme.js';
import { useWizard } from '../wizard-context.js';
import { editLine } from './line-edit.js';

export interface TextFieldProps {
  value: string;
  onChange: (value: string) => void;
  onSubmit?: (value: string) => void;
  focus: boolean;
  /** Shown instead of each character (passphrases, passwords). */
  mask?: string;
  placeholder?: string;
}

/**
 * A one-line input: cursor keys, Home/End (Ctrl-A/Ctrl-E), Ctrl-U, Ctrl-W, paste; the value lives
 * in the caller's state. Every key of a burst counts: Ink passes bytes read together (a held
 * Backspace over SSH or tmux, a paste) as one string with no key flag, which line-edit replays
 * a character at a time. The rules are in line-edit.ts.
 * Not ink-text-input (6.0): it has no Home/End/Ctrl-U and types the letter of any Ctrl key
 * (Ctrl-U adds a "u"), keeps control characters of a paste (a tab, a DEL) in the value, and
 * draws its placeholder grey with chalk whatever NO_COLOR says.
 */
export function TextField({ value, onChange, onSubmit, focus, mask, placeholder }: TextFieldProps) {
  const { keys } = useWizard();
  const theme = useTheme();
  const [cursor, setCursorState] = useState([...value].length);
  // Keys read in one chunk all arrive before the next render: each must edit what the one before
  // left, not the value of the last render (a lost character in a masked passphrase is invisible).
  // The cursor counts code points, as the mask and the drawing below do.
  const live = useRef({ value, cursor });
  live.current = { value, cursor };
  const at = Math.min(cursor, [...value].length);

  useEffect(() => {
    if (!focus) return;
    const counter = keys.textFocus;
    counter.current++;
    return () => {
      counter.current--;
    };
  }, [focus, keys]);

  useKeys((input, key) => {
    const before = live.current;
    const after = editLine(before, input, key);
    live.current = { value: after.value, cursor: after.cursor };
    if (after.value !== before.value) onChange(after.value);
    if (after.cursor !== before.cursor) setCursorState(after.cursor);
    if (after.submit) onSubmit?.(after.value);
  }, focus);

  const shown = mask ? mask.repeat([...value].length) : value;
  if (!focus) {
    return shown ? <Text>{shown}</Text> : <Text color={theme.muted}>{placeholder ?? ''}</Text>;
  }
  if (!shown && placeholder) {
    return (
      <Text>
        <Text inverse>{placeholder[0]}</Text>
        <Text color={theme.muted}>{placeholder.slice(1)}</Text>
      </Text>
    );
  }
  const chars = [...shown];
  return (
    <Text>
      {chars.slice(0, at).join('')}
      <Text inverse>{chars[at] ?? ' '}</Text>
      {chars.slice(at + 1).join('')}
    </Text>
  );
}
