import { Text } from 'ink';
import { useTheme } from '../theme.js';

export interface ChoiceOption<T extends string> {
  value: T;
  label: string;
}

/**
 * Options on one line; ←/→ (handled by the form) move the selection. Not ink-select-input: it
 * draws a vertical list and takes ↑↓, which move between the form's fields here (PickList uses
 * it for the real lists: installers, disks).
 */
export function Choice<T extends string>({ options, value, focus }: { options: readonly ChoiceOption<T>[]; value: T; focus: boolean }) {
  const theme = useTheme();
  return (
    <Text>
      {options.map((option, index) => {
        const selected = option.value === value;
        return (
          <Text key={option.value}>
            {index > 0 ? '  ' : ''}
            {selected ? (
              <Text bold inverse={focus} color={focus ? undefined : theme.accent}>
                {focus ? ` ${option.label} ` : `[${option.label}]`}
              </Text>
            ) : (
              <Text color={theme.muted}>{focus ? ` ${option.label} ` : ` ${option.label} `}</Text>
            )}
          </Text>
        );
      })}
    </Text>
  );
}

/** The option after (+1) or before (-1) `value`, wrapping around. */
export function cycle<T extends string>(options: readonly ChoiceOption<T>[], value: T, step: 1 | -1): T {
  const index = options.findIndex((o) => o.value === value);
  return options[(index + step + options.length) % options.length]!.value;
}
