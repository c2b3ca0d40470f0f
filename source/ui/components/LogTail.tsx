import { Box, Text } from 'ink';
import { printableWithin } from '../../core/logs/printable.js';
import type { TailLine } from '../run/tail-lines.js';
import { useTheme } from '../theme.js';

/** Output lines are indented under their command. */
const outputIndent = '  ';

/** The newest output lines, exactly `lines` tall (padded), each cut to the width: never wraps, never grows. */
export function LogTail({ tail, lines, columns }: { tail: TailLine[]; lines: number; columns: number }) {
  const theme = useTheme();
  const shown = tail.slice(-lines);
  return (
    <Box flexDirection="column" width={columns} height={lines} overflowY="hidden">
      {shown.map((line, index) => {
        // Cut here, where it is a string slice, so Ink finds every line already fits.
        switch (line.kind) {
          case 'command':
            return (
              <Text key={index} wrap="truncate-end" color={theme.accent}>
                {printableWithin(line.text, columns)}
              </Text>
            );
          case 'note':
            return (
              <Text key={index} wrap="truncate-end" color={theme.warn}>
                {printableWithin(line.text, columns)}
              </Text>
            );
          case 'stderr':
          case 'stdout':
            return (
              <Text key={index} wrap="truncate-end" color={theme.muted}>
                {outputIndent + printableWithin(line.text, columns - outputIndent.length)}
              </Text>
            );
        }
      })}
    </Box>
  );
}
