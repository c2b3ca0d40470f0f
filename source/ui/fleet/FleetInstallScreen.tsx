import { useState } from 'react';
import { Box, Static, Text, useInput } from 'ink';
import { KeyLine } from '../components/KeyLine.js';
import { LogTail } from '../components/LogTail.js';
import { formatDuration, pad } from '../format.js';
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
      <Text color={theme.muted}>{ok ? ` · ${diskOf(machine)}` : r.message ? ` · ${r.message.split('\n')[0]}` : ''}</Text>
    </Text>
  );
}

/** A machine still going: its phase, a bar of its phases, its time; queued ones wait for a slot. */
function LiveLine({ machine, focused, nameWidth, tick }: { machine: MachineView; focused: boolean; nameWidth: number; tick: number }) {
  const theme = useTheme();
  const rows = machine.feed.snapshot(0).rows;
  const done = rows.filter((r) => r.status === 'done' || r.status === 'skipped').length;
  const running = rows.find((r) => r.status === 'running');
  const filled = rows.length ? Math.round((done / rows.length) * barWidth) : 0;
  const head = (
    <Text color={theme.accent}>
      {focused ? glyphs.pointer : ' '} {machine.stage === 'running' ? glyphs.spinner[tick % glyphs.spinner.length] : glyphs.off}
    </Text>
  );
  if (machine.stage !== 'running')
    return (
      <Text wrap="truncate-end" bold={focused}>
        {head} {pad(machine.host, nameWidth)} <Text color={theme.muted}>waiting for a free slot</Text>
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
  const live = run.machines.filter((m) => m.stage === 'running' || m.stage === 'queued');
  const running = live.filter((m) => m.stage === 'running');
  const queued = live.filter((m) => m.stage === 'queued');
  const [focusHost, setFocusHost] = useState<string | undefined>();
  const focusIndex = Math.max(
    0,
    live.findIndex((m) => m.host === focusHost),
  );
  const focus = live[focusIndex];
  useInput((_input, key) => {
    if (!live.length) return;
    const step = key.tab && !key.shift ? 1 : key.downArrow || key.rightArrow ? 1 : key.upArrow || key.leftArrow || (key.tab && key.shift) ? -1 : 0;
    if (step) setFocusHost(live[(focusIndex + step + live.length) % live.length]!.host);
  });
  const nameWidth = Math.max(6, ...run.machines.map((m) => m.host.length));
  // Waiting machines share one line once the running ones need the room (finished ones scroll
  // away above, in <Static>): the live part always fits the terminal.
  const queuedLines = queued.length && running.length + queued.length > rows / 2 && !queued.includes(focus!) ? 1 : queued.length;
  // Below the machines: the focused one's name line, its tail, the stop banner, the keys line.
  const tailLines = Math.max(3, rows - running.length - queuedLines - 2 - (stopping ? 1 : 0));
  return (
    <>
      <Static items={finished}>{(machine) => <FinishedLine key={machine.host} machine={machine} nameWidth={nameWidth} />}</Static>
      <Box flexDirection="column" width={columns}>
        {(queuedLines === queued.length ? live : running).map((machine) => (
          <LiveLine key={machine.host} machine={machine} focused={machine === focus} nameWidth={nameWidth} tick={tick} />
        ))}
        {queuedLines < queued.length ? (
          <Text
            wrap="truncate-end"
            color={theme.muted}
          >{`  ${glyphs.off} ${queued.length} waiting for a free slot: ${queued.map((m) => m.host).join(', ')}`}</Text>
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
