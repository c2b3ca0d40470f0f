import { Text } from 'ink';
import { formatDuration, pad } from '../format.js';
import type { PhaseRow } from '../run/install-feed.js';
import { glyphs, useTheme } from '../theme.js';

/** A finished (or running) phase: mark, title, elapsed time; a note for skipped/failed ones. */
export function PhaseLine({ row, columns, spinnerFrame, now = Date.now() }: { row: PhaseRow; columns: number; spinnerFrame?: number; now?: number }) {
  const theme = useTheme();
  const titleWidth = Math.max(20, Math.min(48, columns - 14));
  switch (row.status) {
    case 'done':
      return (
        <Text wrap="truncate-end">
          <Text color={theme.ok}>{glyphs.ok} </Text>
          {pad(row.title, titleWidth)} <Text color={theme.muted}>{formatDuration(row.elapsedMs ?? 0)}</Text>
        </Text>
      );
    case 'skipped':
      return (
        <Text wrap="truncate-end" color={theme.muted}>
          {'- '}
          {pad(row.title, titleWidth)} skipped: {row.note}
        </Text>
      );
    case 'failed':
      return (
        <Text wrap="truncate-end">
          <Text color={theme.bad}>{glyphs.bad} </Text>
          {pad(row.title, titleWidth)} <Text color={theme.bad}>{row.note === 'stopped' ? 'stopped' : 'failed'}</Text>
          {row.elapsedMs !== undefined ? <Text color={theme.muted}> after {formatDuration(row.elapsedMs)}</Text> : null}
        </Text>
      );
    case 'running':
      return (
        <Text wrap="truncate-end" bold>
          <Text color={theme.accent}>{glyphs.spinner[(spinnerFrame ?? 0) % glyphs.spinner.length]} </Text>
          {pad(row.title, titleWidth)} <Text color={theme.muted}>{formatDuration(now - (row.startedAt ?? now))}</Text>
        </Text>
      );
    case 'pending':
      return (
        <Text wrap="truncate-end" color={theme.muted}>
          {glyphs.off} {row.title}
        </Text>
      );
  }
}

export const isFinished = (row: PhaseRow) => row.status === 'done' || row.status === 'failed' || row.status === 'skipped';
