import { useEffect, useState } from 'react';
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

/** A one-line input: cursor keys, Home/End, Ctrl-U, paste; the value lives in the caller's state. */
export function TextField({ value, onChange, onSubmit, focus, mask, placeholder }: TextFieldProps) {
  const { keys } = useWizard();
  const theme = useTheme();
  const [cursor, setCursor] = useState(value.length);
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
    if (key.return) return onSubmit?.(value);
    if (key.upArrow || key.downArrow || key.tab || key.pageUp || key.pageDown) return;
    if (key.leftArrow) return setCursor(Math.max(0, at - 1));
    if (key.rightArrow) return setCursor(Math.min(value.length, at + 1));
    if (key.home || (key.ctrl && input === 'a')) return setCursor(0);
    if (key.end || (key.ctrl && input === 'e')) return setCursor(value.length);
    if (key.ctrl && input === 'u') {
      onChange(value.slice(at));
      return setCursor(0);
    }
    if (key.backspace || key.delete) {
      if (at === 0) return;
      onChange(value.slice(0, at - 1) + value.slice(at));
      return setCursor(at - 1);
    }
    if (key.ctrl || key.meta) return;
    const typed = input.replace(controlCharacters, '');
    if (!typed) return;
    onChange(value.slice(0, at) + typed + value.slice(at));
    setCursor(at + typed.length);
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
