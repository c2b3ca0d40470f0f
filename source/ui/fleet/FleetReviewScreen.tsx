import { useState } from 'react';
import { Box, Text, useInput } from 'ink';
import { formatPlan } from '../../core/plan/format-plan.js';
import { KeyLine } from '../components/KeyLine.js';
import { Spinner } from '../components/Spinner.js';
import { WindowedRows } from '../components/WindowedRows.js';
import { firstLine, oneLine, pad, plural, shortFingerprint, wrapLine } from '../format.js';
import { useRefState } from '../hooks/use-ref-state.js';
import { glyphs, useTheme } from '../theme.js';
import type { FleetRun, MachineView } from './fleet-run.js';

/** Where a machine's plan installs, in one phrase: the disk by its stable name, or the mounted system. */
export const diskOf = (m: MachineView) => (m.plan?.disk ? (m.plan.disk.byId ?? m.plan.disk.path) : 'the system mounted at /mnt');

/** What the confirmation names: the disks (the rows above show which, with their size) or the mounted systems. */
const whatIsWritten = (ready: MachineView[]) => {
  const erased = ready.filter((m) => m.plan?.disk).length;
  const mounted = ready.length - erased;
  return [erased ? `erase ${plural(erased, 'disk')}` : '', mounted ? `write into ${mounted === 1 ? 'one mounted system' : `${mounted} mounted systems`}` : '']
    .filter(Boolean)
    .join(' and ');
};

/**
 * Everything the machine's install said before its plan (host key, disk, age key, boot check),
 * then the plan, warnings first; each line wrapped to `columns`.
 */
export function machineReport(m: MachineView, columns: number): string[] {
  const said = m.feed.snapshot().tail.map((line) => line.text);
  const plan = m.plan ? formatPlan(m.plan) : [];
  const warnings = m.plan?.warnings.length ? ['Warnings:', ...m.plan.warnings.map((w) => `  ${glyphs.warn} ${w}`), ''] : [];
  return [...warnings, ...said, '', ...plan].flatMap((line) => line.split('\n')).flatMap((line) => wrapLine(line, columns));
}

type Mode = { view: 'list' } | { view: 'report'; top: number } | { view: 'disks'; at: number };

/**
 * Every marked machine's plan, made by its own install (connected, probed, checked), one line
 * each; → reads one whole, d plans it on another of its disks, x leaves it out. One typed
 * confirmation, the number of machines, installs them.
 */
export function FleetReviewScreen({ run, columns, rows, onConfirmed }: { run: FleetRun; columns: number; rows: number; onConfirmed: () => void }) {
  const theme = useTheme();
  const [cursor, setCursor, latestCursor] = useRefState(0);
  const [mode, setMode, latestMode] = useRefState<Mode>({ view: 'list' });
  const [typed, setTyped, latestTyped] = useRefState('');
  // Only drawn, never read by a key: plain state.
  const [error, setError] = useState<string | undefined>();
  const { machines, planned } = run;
  const ready = run.ready;
  const word = String(ready.length);
  const machineAt = (index: number) => machines[Math.min(index, machines.length - 1)]!;
  const eligible = (m: MachineView) => m.disks?.filter((d) => d.eligible) ?? [];
  const current = machineAt(cursor);
  const report = mode.view === 'report' ? machineReport(current, columns) : [];
  const disks = eligible(current);
  // Title and blank, keys line; in the list, the confirmation's blank, two lines and error line.
  const listRoom = Math.max(3, rows - 7);
  const pageRoom = Math.max(3, rows - 3);

  // Reads the newest cursor and mode (refs): keys that came in one chunk act one after the other.
  useInput((input, key) => {
    const now = latestMode();
    const machine = machineAt(latestCursor());
    if (now.view === 'report') {
      const last = Math.max(0, machineReport(machine, columns).length - pageRoom);
      const step = key.pageDown || input === ' ' ? pageRoom : key.pageUp ? -pageRoom : key.downArrow ? 1 : key.upArrow ? -1 : 0;
      if (step) setMode({ view: 'report', top: Math.min(last, Math.max(0, now.top + step)) });
      if (key.leftArrow || key.escape) setMode({ view: 'list' });
      return;
    }
    const options = eligible(machine);
    if (now.view === 'disks') {
      if (key.upArrow) setMode({ view: 'disks', at: Math.max(0, now.at - 1) });
      if (key.downArrow) setMode({ view: 'disks', at: Math.min(options.length - 1, now.at + 1) });
      if (key.return && options[now.at]) {
        // The disk it is planned on already: nothing to plan again.
        if (options[now.at]!.path !== machine.plan?.disk?.path) run.chooseDisk(machine.host, options[now.at]!.path);
        setMode({ view: 'list' });
      }
      if (key.leftArrow || key.escape) setMode({ view: 'list' });
      return;
    }
    if (key.upArrow) setCursor(Math.max(0, latestCursor() - 1));
    else if (key.downArrow) setCursor(Math.min(machines.length - 1, latestCursor() + 1));
    else if (key.rightArrow) setMode({ view: 'report', top: 0 });
    else if (input === 'd' && machine.stage === 'ready' && options.length > 1)
      setMode({
        view: 'disks',
        at: Math.max(
          0,
          options.findIndex((d) => d.path === machine.plan?.disk?.path),
        ),
      });
    else if (input === 'x') run.exclude(machine.host);
    else if (key.backspace || key.delete) setTyped(latestTyped().slice(0, -1));
    else if (planned && ready.length && (key.return || /^[0-9]+\r?$/.test(input))) {
      // Digits typed fast (or pasted) may come with their Enter in one piece.
      const text = (latestTyped() + input.replace(/\r$/, '')).slice(0, 4);
      setTyped(text);
      setError(undefined);
      if (!key.return && !input.endsWith('\r')) return;
      if (text.trim() === word) onConfirmed();
      else setError(`Type ${word} (the number of machines) to confirm; you typed '${text.trim()}'.`);
    }
  });

  const nameWidth = Math.max(6, ...machines.map((m) => m.host.length));
  const status = (m: MachineView) => {
    if (m.result?.status === 'left out') return <Text color={theme.muted}>left out: not installed</Text>;
    if (m.stage === 'planning') return <Text color={theme.muted}>planning… {oneLine(m.feed.snapshot(1).tail[0]?.text ?? '')}</Text>;
    if (m.stage === 'finished') return <Text color={theme.bad}>{`${glyphs.bad} ${oneLine(firstLine(m.result?.message ?? m.result?.status))}`}</Text>;
    const choices = eligible(m).length;
    const warnings = m.plan?.warnings.length ?? 0;
    const why = m.diskChosen ? 'chosen here' : m.diskReason;
    return (
      <Text>
        <Text color={theme.ok}>{glyphs.ok} </Text>
        {oneLine(m.plan?.disk ? m.plan.disk.description : diskOf(m))}
        <Text color={choices > 1 ? theme.warn : theme.muted}>{why ? oneLine(` (${why}${choices > 1 ? `; ${choices} eligible, d chooses` : ''})`) : ''}</Text>
        {warnings ? <Text color={theme.warn}>{` ${glyphs.warn} ${plural(warnings, 'warning')}`}</Text> : null}
      </Text>
    );
  };
  const identity = (m: MachineView) => `${m.installer.mac ?? '-'} ${shortFingerprint(m.installer.fingerprint)}`;

  if (mode.view === 'report') {
    const top = Math.min(mode.top, Math.max(0, report.length - pageRoom));
    return (
      <Box flexDirection="column" width={columns}>
        <Text bold wrap="truncate-end">
          {current.host}{' '}
          <Text color={theme.muted}>
            · installer {identity(current)} · {diskOf(current)}
          </Text>
        </Text>
        <Text> </Text>
        {report.slice(top, top + pageRoom).map((line, index) => (
          <Text key={top + index} wrap="truncate-end">
            {line || ' '}
          </Text>
        ))}
        <KeyLine
          hints={[
            ['↑↓ PgUp PgDn', `scroll (${Math.min(report.length, top + pageRoom)}/${report.length})`],
            ['←', 'back'],
            ['Ctrl-C', 'quit, nothing installed'],
          ]}
        />
      </Box>
    );
  }

  if (mode.view === 'disks') {
    return (
      <Box flexDirection="column" width={columns}>
        <Text bold wrap="truncate-end">
          Plan {current.host} on which disk? <Text color={theme.muted}>(it is probed and planned again)</Text>
        </Text>
        <Text> </Text>
        <WindowedRows
          count={disks.length}
          cursor={mode.at}
          room={listRoom}
          render={(index) => (
            <Text key={disks[index]!.path} wrap="truncate-end" bold={index === mode.at}>
              <Text color={theme.accent}>{index === mode.at ? glyphs.pointer : ' '}</Text> {oneLine(disks[index]!.description)}
              {disks[index]!.path === current.plan?.disk?.path ? <Text color={theme.muted}> (planned on now)</Text> : null}
              {disks[index]!.external ? <Text color={theme.warn}> external</Text> : null}
            </Text>
          )}
        />
        <KeyLine
          hints={[
            ['↑↓', 'choose'],
            ['Enter', 'plan on it'],
            ['←', 'back'],
          ]}
        />
      </Box>
    );
  }

  return (
    <Box flexDirection="column" width={columns}>
      <Text bold wrap="truncate-end">
        {planned ? (
          `${plural(ready.length, 'plan')} ready of ${machines.length}`
        ) : (
          <Text>
            <Spinner /> Connecting, probing and planning {plural(machines.filter((m) => m.stage === 'planning').length, 'machine')}…
          </Text>
        )}
      </Text>
      <Text> </Text>
      <WindowedRows
        count={machines.length}
        cursor={cursor}
        room={listRoom}
        render={(index) => {
          const m = machines[index]!;
          return (
            <Text key={m.host} wrap="truncate-end" bold={index === cursor}>
              <Text color={theme.accent}>{index === cursor ? glyphs.pointer : ' '}</Text> {pad(m.host, nameWidth)} {status(m)}
            </Text>
          );
        }}
      />
      <Text> </Text>
      {!planned ? (
        <Text color={theme.muted} wrap="truncate-end">
          The confirmation is asked once every plan is made (x leaves a machine out).
        </Text>
      ) : ready.length ? (
        <Text wrap="truncate-end" color={theme.warn}>
          Installing {plural(ready.length, 'machine')} will {whatIsWritten(ready)}, as listed above.
        </Text>
      ) : (
        <Text color={theme.bad} wrap="truncate-end">
          No machine can be installed: each says why above (→ shows all it said).
        </Text>
      )}
      <Text wrap="truncate-end">
        {planned && ready.length ? (
          <>
            <Text bold>
              Type {word} to install {ready.length === 1 ? 'it' : 'them'}:{' '}
            </Text>
            {typed}
            <Text inverse> </Text>
          </>
        ) : (
          ' '
        )}
      </Text>
      <Text color={theme.bad} wrap="truncate-end">
        {error ?? ' '}
      </Text>
      <KeyLine
        hints={[
          ['↑↓', 'choose'],
          ['→', 'read'],
          ...(current.stage === 'ready' && disks.length > 1 ? ([['d', 'disk']] as const) : []),
          ['x', 'leave out'],
          ...(planned && ready.length ? ([[`${word} Enter`, 'install']] as const) : []),
          ['Ctrl-C', 'quit'],
        ]}
      />
    </Box>
  );
}
