import { Box, Text } from 'ink';
import { printable } from '../../core/logs/printable.js';
import type { TailLine } from '../run/install-feed.js';
import { useTheme } from '../theme.js';

/** The newest output lines, exactly `lines` tall (padded), each cut to the width: never wraps, never grows. */
export function LogTail({ tail, lines, columns }: { tail: TailLine[]; lines: number; columns: number }) {
  const theme = useTheme();
  const shown = tail.slice(-lines);
  return (
    <Box flexDirection="column" width={columns} height={lines} overflowY="hidden">
      {shown.map((line, index) => {
        const text = printable(line.text);
        switch (line.kind) {
          case 'command':
            return (
              <Text key={index} wrap="truncate-end" color={theme.accent}>
                {text}
              </Text>
            );
          case 'note':
            return (
              <Text key={index} wrap="truncate-end" color={theme.warn}>
                {text}
              </Text>
            );
          case 'stderr':
          case 'stdout':
            return (
              <Text key={index} wrap="truncate-end" color={theme.muted}>
                {'  '}
                {text}
              </Text>
            );
        }
      })}
    </Box>
  );
}
