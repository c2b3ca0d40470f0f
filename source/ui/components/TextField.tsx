import { useEffect, useRef, useState } from 'react';
import { Text } from 'ink';
import { useKeys } from '../hooks/use-keys.js';
import { useTheme } from '../theme.js';
import { useWizard } from '../wizard-context.js';

export interface TextFieldProps {
  value: string;
  onChange: (value: string) => void;
  onSubmit?: (value: string) => void;
  focus: boolean;
  /** Shown instead of each character (passphrases, passwords). */
  mask?: string;
  placeholder?: string;
}

// eslint-disable-next-line no-control-regex
const controlCharacters = /[\x00-\x1f\x7f]/g;

/**
 * A one-line input: cursor keys, Home/End, Ctrl-U, paste; the value lives in the caller's state.
 * Not ink-text-input (6.0): it has no Home/End/Ctrl-U and types the letter of any Ctrl key
 * (Ctrl-U adds a "u"), keeps control characters of a paste (a tab, a DEL) in the value, and
 * draws its placeholder grey with chalk whatever NO_COLOR says.
 */
export function TextField({ value, onChange, onSubmit, focus, mask, placeholder }: TextFieldProps) {
  const { keys } = useWizard();
  const theme = useTheme();
  const [cursor, setCursorState] = useState(value.length);
  // Keys read in one chunk all arrive before the next render: each must edit what the one before
  // left, not the value of the last render (a lost character in a masked passphrase is invisible).
  const live = useRef({ value, cursor });
  live.current = { value, cursor };
  const at = Math.min(cursor, value.length);

  useEffect(() => {
    if (!focus) return;
    const counter = keys.textFocus;
    counter.current++;
    return () => {
      counter.current--;
    };
  }, [focus, keys]);

  useKeys((input, key) => {
    const { value: text } = live.current;
    const here = Math.min(live.current.cursor, text.length);
    const setCursor = (next: number) => {
      live.current = { ...live.current, cursor: next };
      setCursorState(next);
    };
    const change = (next: string) => {
      live.current = { ...live.current, value: next };
      onChange(next);
    };
    if (key.return) return onSubmit?.(text);
    if (key.upArrow || key.downArrow || key.tab || key.pageUp || key.pageDown) return;
    if (key.leftArrow) return setCursor(Math.max(0, here - 1));
    if (key.rightArrow) return setCursor(Math.min(text.length, here + 1));
    if (key.home || (key.ctrl && input === 'a')) return setCursor(0);
    if (key.end || (key.ctrl && input === 'e')) return setCursor(text.length);
    if (key.ctrl && input === 'u') {
      change(text.slice(here));
      return setCursor(0);
    }
    if (key.backspace || key.delete) {
      if (here === 0) return;
      change(text.slice(0, here - 1) + text.slice(here));
      return setCursor(here - 1);
    }
    if (key.ctrl || key.meta) return;
    const typed = input.replace(controlCharacters, '');
    if (!typed) return;
    change(text.slice(0, here) + typed + text.slice(here));
    setCursor(here + typed.length);
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
