import { useState } from 'react';
import { Box, Text, useInput } from 'ink';
import { formatPlan } from '../../core/plan/format-plan.js';
import { KeyLine } from '../components/KeyLine.js';
import { Spinner } from '../components/Spinner.js';
import { pad, plural } from '../format.js';
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

/** Lines of the screen other than the machines and an opened plan: title, confirmation, footer, margins. */
const chromeLines = 9;

/**
 * Every marked machine's plan, made by its own install (connected, probed, checked), one line
 * each; → opens one. One typed confirmation names how many machines and which disks.
 */
export function FleetReviewScreen({ run, columns, rows, onConfirmed }: { run: FleetRun; columns: number; rows: number; onConfirmed: () => void }) {
  const theme = useTheme();
  const [cursor, setCursor] = useState(0);
  const [open, setOpen] = useState<string | undefined>();
  const [typed, setTyped] = useState('');
  const [error, setError] = useState<string | undefined>();
  const { machines, planned } = run;
  const ready = run.ready;
  const word = String(ready.length);

  useInput((input, key) => {
    if (key.upArrow) setCursor((c) => Math.max(0, c - 1));
    else if (key.downArrow) setCursor((c) => Math.min(machines.length - 1, c + 1));
    else if (key.rightArrow) setOpen(machines[cursor]?.host);
    else if (key.leftArrow) setOpen(undefined);
    else if (key.backspace || key.delete) setTyped((t) => t.slice(0, -1));
    else if (key.return || (!key.ctrl && !key.meta && /^[0-9]+\r?$/.test(input))) {
      // Digits typed fast (or pasted) may come with their Enter in one piece.
      const text = (typed + input.replace(/\r$/, '')).slice(0, 4);
      setTyped(text);
      if (!key.return && !input.endsWith('\r')) return;
      if (!planned || ready.length === 0) return;
      if (text.trim() === word) onConfirmed();
      else setError(`Type ${word} (the number of machines) to confirm; you typed '${text.trim()}'.`);
    }
  });

  const nameWidth = Math.max(6, ...machines.map((m) => m.host.length));
  const status = (m: MachineView) => {
    if (m.stage === 'planning') return <Text color={theme.muted}>planning… {m.feed.snapshot(1).tail[0]?.text ?? ''}</Text>;
    if (m.stage === 'finished') return <Text color={theme.bad}>{`${glyphs.bad} ${m.result?.message ?? m.result?.status}`}</Text>;
    return (
      <Text>
        <Text color={theme.ok}>{glyphs.ok} </Text>
        {diskOf(m)}
        <Text color={theme.muted}>
          {m.plan?.disk ? ` ${m.plan.disk.description}` : ''}
          {m.diskReason ? ` (${m.diskReason})` : ''}
        </Text>
      </Text>
    );
  };
  const opened = machines.find((m) => m.host === open && m.plan);
  const planLines = opened?.plan ? formatPlan(opened.plan).flatMap((line) => line.split('\n')) : [];
  const room = Math.max(1, rows - machines.length - chromeLines);

  return (
    <Box flexDirection="column" width={columns}>
      <Box flexDirection="column" height={Math.max(4, rows - 1)} overflowY="hidden">
        <Text bold wrap="truncate-end">
          {planned ? (
            `${plural(ready.length, 'plan')} ready of ${machines.length}`
          ) : (
            <Text>
              <Spinner /> Connecting, probing and planning {plural(machines.length, 'machine')}…
            </Text>
          )}
        </Text>
        <Text> </Text>
        {machines.map((m, index) => (
          <Text key={m.host} wrap="truncate-end" bold={index === cursor}>
            <Text color={theme.accent}>{index === cursor ? glyphs.pointer : ' '}</Text> {pad(m.host, nameWidth)} {status(m)}
          </Text>
        ))}
        {opened ? (
          <Box flexDirection="column" marginTop={1}>
            {planLines.slice(0, room).map((line, index) => (
              <Text key={index} wrap="truncate-end" color={theme.muted}>
                {`  ${line}`}
              </Text>
            ))}
            {planLines.length > room ? <Text color={theme.muted}>{`  … ${planLines.length - room} more lines (a taller terminal shows them)`}</Text> : null}
          </Box>
        ) : null}
        {planned ? (
          <Box flexDirection="column" marginTop={1}>
            {ready.length ? (
              <>
                <Text wrap="truncate-end" color={theme.warn}>
                  Installing {plural(ready.length, 'machine')} will {whatIsWritten(ready)}, as listed above.
                </Text>
                <Text wrap="truncate-end">
                  <Text bold>Type {word} to install them: </Text>
                  {typed}
                  <Text inverse> </Text>
                </Text>
                <Text color={theme.bad} wrap="truncate-end">
                  {error ?? ' '}
                </Text>
              </>
            ) : (
              <Text color={theme.bad}>No machine can be installed: each says why above. Ctrl-C quits.</Text>
            )}
          </Box>
        ) : null}
      </Box>
      <KeyLine
        hints={[
          ['↑↓', 'choose'],
          ['→', 'show plan'],
          ...(opened ? ([['←', 'hide']] as const) : []),
          ...(planned && ready.length ? ([['Enter', 'confirm']] as const) : []),
          ['Ctrl-C', 'quit, nothing installed'],
        ]}
      />
    </Box>
  );
}
