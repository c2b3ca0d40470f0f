import { useMemo, useState } from 'react';
import { Box, Text } from 'ink';
import { assessDisks, recommendDisk, stablePath } from '../../core/facts/disks.js';
import { minimumDiskBytes } from '../../core/plan/plan-context.js';
import { formatBytes } from '../../core/plan/sizes.js';
import { DiskTable, disksThatFit } from '../components/DiskTable.js';
import { Footer } from '../components/Footer.js';
import { useHighlight } from '../components/PickList.js';
import { Message } from '../components/Message.js';
import { useKeys } from '../hooks/use-keys.js';
import { buildLayout } from '../state/choices.js';
import { useTheme } from '../theme.js';
import { useWizard } from '../wizard-context.js';

function minimumFor(state: ReturnType<typeof useWizard>['state']): number | undefined {
  try {
    return minimumDiskBytes({ layout: buildLayout(state.layout, state.preset) }, state.facts!.firmware);
  } catch {
    return undefined; // a size typed wrong is reported on the layout screen
  }
}

export function DiskScreen() {
  const { state, dispatch, size, bodyRows } = useWizard();
  const theme = useTheme();
  const facts = state.facts!;
  const minSizeBytes = minimumFor(state);
  const disks = useMemo(
    () => assessDisks(facts, { allowLoopDisks: state.preset.allowLoopDisks, ...(minSizeBytes !== undefined ? { minSizeBytes } : {}) }),
    [facts, state.preset.allowLoopDisks, minSizeBytes],
  );
  const pick = useMemo(() => recommendDisk(disks), [disks]);
  const chosenIndex = state.disk
    ? disks.findIndex((a) => stablePath(a.disk) === state.disk || a.disk.path === state.disk || a.disk.byId.includes(state.disk!))
    : -1;
  const initial =
    chosenIndex >= 0
      ? chosenIndex
      : Math.max(
          0,
          disks.findIndex((a) => a.disk.name === pick?.disk.name),
        );
  const highlight = useHighlight(disks[initial]?.disk.name);
  const [refused, setRefused] = useState<string | undefined>();
  const onHighlight = (name: string) => {
    highlight.onHighlight(name);
    setRefused(undefined);
  };

  // ↑↓ belong to the list (DiskTable); Enter takes the disk it shows highlighted.
  useKeys((_input, key) => {
    if (key.return) {
      const name = highlight.current();
      const chosen = disks.find((a) => a.disk.name === name) ?? disks[0];
      if (!chosen) return;
      if (!chosen.eligible) return setRefused(`${chosen.disk.path} cannot be used: ${chosen.ineligibleReasons.join('; ')}`);
      const requested = state.presetDisk?.disk;
      const path = requested && !state.presetDisk?.error && chosen.disk.byId.includes(requested) ? requested : stablePath(chosen.disk);
      dispatch({ type: 'disk-chosen', disk: path });
    }
  });

  const recommended = pick ? { name: pick.disk.name, reason: pick.reason, ...(pick.note ? { note: pick.note } : {}) } : undefined;
  const eligible = disks.filter((d) => d.eligible).length;
  const notes: string[] = [];
  const presetError = state.presetDisk?.error;
  const headerRows = 3 + (presetError ? 2 : 0) + (refused ? 2 : 0);
  // Disks take 3-4 lines each; a list longer than the screen scrolls.
  const rows = disksThatFit(disks, recommended?.name, Math.max(3, bodyRows - headerRows));

  return (
    <Box flexDirection="column">
      <Box flexDirection="column" height={bodyRows} overflowY="hidden">
        <Text wrap="truncate-end">
          <Text bold>Which disk gets NixOS? </Text>
          <Text color={theme.bad}>Everything on it will be erased.</Text>
        </Text>
        <Text color={theme.muted} wrap="truncate-end">
          {facts.hostname} · {facts.firmware.toUpperCase()} · {eligible} of {disks.length} disks eligible
          {minSizeBytes ? ` · the layout needs ${formatBytes(minSizeBytes)}` : ''}
        </Text>
        {presetError ? <Message kind="error" title={`--disk refused: ${presetError}`} lines={['choose a disk below instead']} width={size.columns} /> : null}
        {notes.length ? <Text>{notes.join(' ')}</Text> : null}
        <DiskTable
          disks={disks}
          selected={highlight.selected}
          onHighlight={onHighlight}
          columns={size.columns}
          rows={rows}
          focus
          {...(recommended ? { recommended } : {})}
        />
        {refused ? <Message kind="error" title={refused} width={size.columns} /> : null}
        {eligible === 0 ? (
          <Message kind="error" title="No disk can be used on this machine (reasons above)." lines={['Nothing was changed.']} width={size.columns} />
        ) : null}
      </Box>
      <Footer
        hints={[
          ['↑↓', 'choose'],
          ['Enter', 'use this disk'],
        ]}
      />
    </Box>
  );
}
