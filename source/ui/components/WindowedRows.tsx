import type { ReactNode } from 'react';
import { Text } from 'ink';
import { windowOf } from '../format.js';
import { useTheme } from '../theme.js';

/**
 * Rows `render(0…count-1)` in at most `room` lines, scrolled so that `cursor` is shown, with
 * "↑ N more" and "↓ N more" where rows are left out: a long list never overflows the terminal.
 */
export function WindowedRows({ count, cursor, room, render }: { count: number; cursor: number; room: number; render: (index: number) => ReactNode }) {
  const theme = useTheme();
  const { start, end } = windowOf(count, cursor, room);
  const scrolled = end - start < count;
  return (
    <>
      {scrolled ? <Text color={theme.muted}>{start > 0 ? `  ↑ ${start} more` : ' '}</Text> : null}
      {Array.from({ length: end - start }, (_, offset) => render(start + offset))}
      {scrolled ? <Text color={theme.muted}>{end < count ? `  ↓ ${count - end} more` : ' '}</Text> : null}
    </>
  );
}
