import { Box, Text } from 'ink';
import { glyphs, useTheme } from '../theme.js';

export type MessageKind = 'error' | 'warning' | 'info' | 'ok';

/** A short block: a marked title (wrapped: errors are read in full), then detail lines (each truncated). */
export function Message({ kind, title, lines = [], width }: { kind: MessageKind; title: string; lines?: readonly string[]; width: number }) {
  const theme = useTheme();
  const color = kind === 'error' ? theme.bad : kind === 'warning' ? theme.warn : kind === 'ok' ? theme.ok : theme.accent;
  const mark = kind === 'error' ? glyphs.bad : kind === 'warning' ? glyphs.warn : kind === 'ok' ? glyphs.ok : 'i';
  return (
    <Box flexDirection="column" width={width}>
      <Text color={color} bold>
        {mark} {title}
      </Text>
      {lines.map((line, index) => (
        <Text key={index} wrap="truncate-end">
          {'  '}
          {line}
        </Text>
      ))}
    </Box>
  );
}
