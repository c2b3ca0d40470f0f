import { Box, Text } from 'ink';
import { describeContents, type DiskAssessment } from '../../core/facts/disks.js';
import { formatBytes } from '../../core/plan/sizes.js';
import type { BlockChild, Disk } from '../../core/facts/types.js';
import { pad, truncate } from '../format.js';
import { glyphs, useTheme } from '../theme.js';
import { PickList } from './PickList.js';

/** "3 partitions: boot (vfat), nixos (ext4), swap" */
export function describePartitions(disk: Disk): string {
  const parts = disk.children.filter((child) => child.type === 'part');
  if (parts.length === 0) {
    if (disk.fsType) return `no partitions; ${disk.fsType}${disk.label ? ` "${disk.label}"` : ''} on the whole disk`;
    return disk.partitionTable ? `${disk.partitionTable} table, no partitions` : 'empty (no partition table)';
  }
  const describe = (part: BlockChild) => {
    const name = part.label ?? part.partLabel ?? part.name;
    const inner = part.children.find((child) => child.type === 'crypt');
    const fs = part.fsType === 'crypto_LUKS' ? `LUKS${inner?.fsType ? `→${inner.fsType}` : ''}` : part.fsType;
    return fs ? `${name} (${fs})` : name;
  };
  return `${parts.length} partition${parts.length === 1 ? '' : 's'}${disk.partitionTable ? ` (${disk.partitionTable})` : ''}: ${parts.map(describe).join(', ')}`;
}

/** Lines each disk takes in the table. */
export const diskRowLines = (assessment: DiskAssessment, recommended: boolean) => (recommended || !assessment.eligible ? 4 : 3);

/** Disks of `lineBudget` lines that always fit, wherever the list has scrolled to (at least one). */
export function disksThatFit(disks: DiskAssessment[], recommendedName: string | undefined, lineBudget: number): number {
  const tallestFirst = disks.map((d) => diskRowLines(d, d.disk.name === recommendedName)).sort((a, b) => b - a);
  let count = 0;
  let lines = 0;
  for (const rowLines of tallestFirst) {
    if (lines + rowLines > lineBudget) break;
    lines += rowLines;
    count++;
  }
  return Math.max(1, count);
}

export interface DiskTableProps {
  disks: DiskAssessment[];
  /** The highlighted disk's kernel name. */
  selected: string | undefined;
  onHighlight: (name: string) => void;
  recommended?: { name: string; reason: string; note?: string };
  columns: number;
  /** Disks that fit on screen (disksThatFit). */
  rows: number;
  focus: boolean;
}

/** Device, by-id, model, serial, size, transport, partitions; recommended marked, ineligible greyed with why. */
export function DiskTable({ disks, selected, onHighlight, recommended, columns, rows, focus }: DiskTableProps) {
  const theme = useTheme();
  const device = 10;
  const size = 10;
  const transport = 7;
  const model = Math.max(10, Math.min(24, columns - 4 - device - size - transport - 20));
  const serial = Math.max(8, columns - 4 - device - size - transport - model - 4);
  const names = disks.map((assessment) => assessment.disk.name);
  // Lines under the first are indented past the pointer (the list's) and the mark.
  const renderRow = (name: string, isSelected: boolean) => {
    const assessment = disks[names.indexOf(name)];
    if (!assessment) return null;
    const { disk } = assessment;
    const isRecommended = recommended?.name === disk.name;
    const grey = !assessment.eligible;
    const mark = grey ? glyphs.bad : isRecommended ? glyphs.star : glyphs.on;
    const color = grey ? theme.muted : undefined;
    return (
      <Box flexDirection="column" flexGrow={1}>
        <Text wrap="truncate-end" bold={isSelected && !grey} color={color} dimColor={grey}>
          <Text color={grey ? theme.muted : isRecommended ? theme.warn : theme.ok}>{mark} </Text>
          {pad(disk.name, device)} {pad(formatBytes(disk.sizeBytes), size)} {pad(disk.transport ?? '-', transport)} {pad(disk.model ?? '-', model)}{' '}
          {truncate(disk.serial ?? '-', serial)}
        </Text>
        <Text wrap="truncate-end" dimColor={grey} color={color}>
          {'  '}
          {describePartitions(disk)}
        </Text>
        <Text wrap="truncate-end" color={theme.muted} dimColor={grey}>
          {'  '}
          {disk.byId[0] ?? `${disk.path} (no /dev/disk/by-id name)`}
        </Text>
        {grey ? (
          <Text wrap="truncate-end" color={theme.muted} dimColor>
            {'  '}not eligible: {assessment.ineligibleReasons.join('; ')}
          </Text>
        ) : isRecommended ? (
          <Text wrap="truncate-end" color={theme.warn}>
            {'  '}
            {glyphs.star} recommended: {recommended!.reason}
            {recommended!.note ? ` — ${recommended!.note}` : ''}
          </Text>
        ) : assessment.external ? (
          <Text wrap="truncate-end" color={theme.warn}>
            {'  '}
            external ({disk.transport}): never recommended; {describeContents(assessment)}
          </Text>
        ) : null}
      </Box>
    );
  };
  return (
    <Box flexDirection="column">
      <Text color={theme.muted} wrap="truncate-end">
        {'    '}
        {pad('DEVICE', device)} {pad('SIZE', size)} {pad('TRAN', transport)} {pad('MODEL', model)} SERIAL
      </Text>
      <PickList values={names} selected={selected} onHighlight={onHighlight} limit={rows} focus={focus} renderRow={renderRow} />
    </Box>
  );
}
