import { Box, Static, Text, useInput } from 'ink';
import { KeyLine } from '../components/KeyLine.js';
import { LogTail } from '../components/LogTail.js';
import { WindowedRows } from '../components/WindowedRows.js';
import { useRefState } from '../hooks/use-ref-state.js';
import { firstLine, formatDuration, pad } from '../format.js';
import { glyphs, useTheme } from '../theme.js';
import type { FleetRun, MachineView } from './fleet-run.js';
import { diskOf } from './FleetReviewScreen.js';

const barWidth = 16;

/** A finished machine, printed once above the live part (<Static>). */
function FinishedLine({ machine, nameWidth }: { machine: MachineView; nameWidth: number }) {
  const theme = useTheme();
  const r = machine.result!;
  const ok = r.exitCode === 0;
  const elapsed = machine.startedAt ? ` in ${formatDuration(Date.now() - machine.startedAt)}` : '';
  return (
    <Text wrap="truncate-end">
      <Text color={ok ? theme.ok : theme.bad}>{ok ? glyphs.ok : glyphs.bad}</Text> {pad(machine.host, nameWidth)} {r.status}
      {elapsed}
      <Text color={theme.muted}>{ok ? ` · ${diskOf(machine)}` : r.message ? ` · ${firstLine(r.message)}` : ''}</Text>
    </Text>
  );
}

/** A running machine: its phase, a bar of its phases, its time. */
function LiveLine({ machine, focused, nameWidth, tick }: { machine: MachineView; focused: boolean; nameWidth: number; tick: number }) {
  const theme = useTheme();
  const rows = machine.feed.snapshot(0).rows;
  const done = rows.filter((r) => r.status === 'done' || r.status === 'skipped').length;
  const running = rows.find((r) => r.status === 'running');
  const filled = rows.length ? Math.round((done / rows.length) * barWidth) : 0;
  const head = (
    <Text color={theme.accent}>
      {focused ? glyphs.pointer : ' '} {glyphs.spinner[tick % glyphs.spinner.length]}
    </Text>
  );
  return (
    <Text wrap="truncate-end" bold={focused}>
      {head} {pad(machine.host, nameWidth)} <Text color={theme.ok}>{'█'.repeat(filled)}</Text>
      <Text color={theme.muted}>{'░'.repeat(barWidth - filled)}</Text>
      {` ${done}/${rows.length || '?'} `}
      {pad(running?.title ?? 'starting…', 28)}
      <Text color={theme.muted}> {formatDuration(Date.now() - (machine.startedAt ?? Date.now()))}</Text>
    </Text>
  );
}

/**
 * One line per machine still going, the focused one's live output below (Tab and the arrows
 * move the focus); finished machines are summarised once, above, in <Static>.
 */
export function FleetInstallScreen({
  run,
  finished,
  stopping,
  columns,
  rows,
  tick,
}: {
  run: FleetRun;
  /** Machines in the order they finished. */
  finished: MachineView[];
  stopping: boolean;
  columns: number;
  rows: number;
  tick: number;
}) {
  const theme = useTheme();
  const running = run.machines.filter((m) => m.stage === 'running');
  const queued = run.machines.filter((m) => m.stage === 'queued');
  const [focusHost, setFocusHost, latestFocus] = useRefState<string | undefined>(undefined);
  const indexOf = (host: string | undefined) =>
    Math.max(
      0,
      running.findIndex((m) => m.host === host),
    );
  const focus = running[indexOf(focusHost)];
  useInput((_input, key) => {
    if (!running.length) return;
    const step = key.tab && !key.shift ? 1 : key.downArrow || key.rightArrow ? 1 : key.upArrow || key.leftArrow || (key.tab && key.shift) ? -1 : 0;
    if (step) setFocusHost(running[(indexOf(latestFocus()) + step + running.length) % running.length]!.host);
  });
  const nameWidth = Math.max(6, ...run.machines.map((m) => m.host.length));
  // The running machines take at most half the screen (they scroll with the focus), the waiting
  // ones one line; finished ones scroll away above, in <Static>: the live part always fits.
  const runRoom = Math.max(3, Math.floor(rows / 2));
  // Below: the focused one's name line, its tail, the stop banner, the keys line.
  const tailLines = Math.max(3, rows - Math.min(running.length, runRoom) - (queued.length ? 1 : 0) - 2 - (stopping ? 1 : 0));
  return (
    <>
      <Static items={finished}>{(machine) => <FinishedLine key={machine.host} machine={machine} nameWidth={nameWidth} />}</Static>
      <Box flexDirection="column" width={columns}>
        <WindowedRows
          count={running.length}
          cursor={indexOf(focusHost)}
          room={runRoom}
          render={(index) => (
            <LiveLine key={running[index]!.host} machine={running[index]!} focused={running[index] === focus} nameWidth={nameWidth} tick={tick} />
          )}
        />
        {queued.length ? (
          <Text wrap="truncate-end" color={theme.muted}>
            {`  ${glyphs.off} ${queued.length} waiting for a free slot: ${queued.map((m) => m.host).join(', ')}`}
          </Text>
        ) : null}
        {focus ? (
          <>
            <Text color={theme.muted} wrap="truncate-end">{`── ${focus.host} ${'─'.repeat(Math.max(0, columns - focus.host.length - 4))}`}</Text>
            <LogTail tail={focus.feed.snapshot(tailLines).tail} lines={tailLines} columns={columns} />
          </>
        ) : (
          <Text color={theme.muted}>Finishing…</Text>
        )}
        {stopping ? (
          <Text bold color={theme.warn} wrap="truncate-end">
            {glyphs.warn} Stopping after the running commands; waiting machines never start.
          </Text>
        ) : null}
        <KeyLine
          hints={[
            ['Tab ↑↓', 'switch machine'],
            ['Ctrl-C', stopping ? 'quit at once' : 'stop all'],
          ]}
        />
      </Box>
    </>
  );
}
