import { Box, Text } from 'ink';
import { Footer } from '../components/Footer.js';
import { LogTail } from '../components/LogTail.js';
import { PhaseLine } from '../components/PhaseLine.js';
import { formatDuration, plural } from '../format.js';
import type { FeedSnapshot } from '../run/install-feed.js';
import { glyphs, useTheme } from '../theme.js';
import { useWizard } from '../wizard-context.js';

/** Lines of the install screen other than the log tail (title, progress, current phase, footer). */
export const installChromeLines = 5;
export const stopBannerLines = 2;

function ProgressBar({ done, total, width }: { done: number; total: number; width: number }) {
  const theme = useTheme();
  const filled = total ? Math.round((done / total) * width) : 0;
  return (
    <Text>
      <Text color={theme.ok}>{'█'.repeat(filled)}</Text>
      <Text color={theme.muted}>{'░'.repeat(width - filled)}</Text>
    </Text>
  );
}

/**
 * The live part of the install: progress, the running phase, and a log tail sized to what is
 * left of the terminal. Finished phases are above it, in <Static> (the App renders them).
 */
export function InstallScreen({ snapshot, tick, tailLines }: { snapshot: FeedSnapshot | undefined; tick: number; tailLines: number }) {
  const { state, size } = useWizard();
  const theme = useTheme();
  const install = state.install!;
  if (!snapshot) return null;
  const now = Date.now();
  const total = snapshot.rows.length;
  const finished = snapshot.rows.filter((r) => r.status === 'done' || r.status === 'skipped').length;
  const running = snapshot.rows.find((r) => r.status === 'running');
  const nextRows = snapshot.rows.filter((r) => r.status === 'pending');
  const disk = state.plan?.disk?.path ?? 'the mounted system';
  const host = state.plan?.choices.flake.host ?? '';
  const barWidth = Math.max(10, Math.min(40, size.columns - 36));

  return (
    <Box flexDirection="column" width={size.columns}>
      <Text wrap="truncate-end">
        <Text bold>
          Installing {host} on {disk}
        </Text>
        <Text color={theme.muted}> · {formatDuration(now - snapshot.startedAt)}</Text>
      </Text>
      <Text wrap="truncate-end">
        <ProgressBar done={finished} total={total} width={barWidth} />
        <Text color={theme.muted}>
          {' '}
          {finished}/{total} phases · {plural(snapshot.lines, 'line')} of output
        </Text>
      </Text>
      {running ? (
        <PhaseLine row={running} columns={size.columns} spinnerFrame={tick} now={now} />
      ) : (
        <Text color={theme.muted}>{snapshot.finished ? 'Finishing…' : 'Starting…'}</Text>
      )}
      <Text wrap="truncate-end" color={theme.muted}>
        {nextRows.length ? `next: ${nextRows.map((r) => r.title).join(', ')}` : ' '}
      </Text>
      <LogTail tail={snapshot.tail} lines={tailLines} columns={size.columns} />
      {install.phase === 'confirm-stop' ? (
        <Box flexDirection="column">
          <Text bold color={theme.warn} wrap="truncate-end">
            {glyphs.warn} Stop the install? The running command finishes, then this run's mounts and LUKS mappings are undone.
          </Text>
          <Text wrap="truncate-end">
            <Text bold>Ctrl-C</Text> or <Text bold>y</Text> stops; any other key goes on.
          </Text>
        </Box>
      ) : install.phase === 'stopping' ? (
        <Box flexDirection="column">
          <Text bold color={theme.warn} wrap="truncate-end">
            {glyphs.warn} Stopping after the running command, then cleaning up…
          </Text>
          <Text color={theme.muted}>Ctrl-C again quits at once (the target may keep /mnt mounted).</Text>
        </Box>
      ) : null}
      <Footer hints={[]} quit="stop" />
    </Box>
  );
}
