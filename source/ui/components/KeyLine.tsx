import { Text } from 'ink';
import { useTheme } from '../theme.js';

export type KeyHint = readonly [key: string, action: string];

/** Keys and what they do, on one line: `Enter connect · Esc back`. */
export function KeyLine({ hints }: { hints: readonly KeyHint[] }) {
  const theme = useTheme();
  return (
    <Text wrap="truncate-end">
      {hints.map(([key, action], index) => (
        <Text key={`${key}-${action}`}>
          {index > 0 ? <Text color={theme.muted}> · </Text> : null}
          <Text bold color={theme.key}>
            {key}
          </Text>
          <Text color={theme.muted}> {action}</Text>
        </Text>
      ))}
    </Text>
  );
}
