import { Box, Text } from 'ink';
import type { DiskAssessment } from '../../core/facts/disks.js';
import { formatBytes } from '../../core/plan/sizes.js';
import type { BlockChild, Disk } from '../../core/facts/types.js';
import { pad, truncate } from '../format.js';
import { glyphs, useTheme } from '../theme.js';

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

export interface DiskTableProps {
  disks: DiskAssessment[];
  cursor: number;
  recommended?: { name: string; reason: string };
  columns: number;
  first: number;
  /** Disks that fit on screen from `first`. */
  count: number;
}

/** Device, by-id, model, serial, size, transport, partitions; recommended marked, ineligible greyed with why. */
export function DiskTable({ disks, cursor, recommended, columns, first, count }: DiskTableProps) {
  const theme = useTheme();
  const device = 10;
  const size = 10;
  const transport = 7;
  const model = Math.max(10, Math.min(24, columns - 4 - device - size - transport - 20));
  const serial = Math.max(8, columns - 4 - device - size - transport - model - 4);
  return (
    <Box flexDirection="column">
      <Text color={theme.muted} wrap="truncate-end">
        {'    '}
        {pad('DEVICE', device)} {pad('SIZE', size)} {pad('TRAN', transport)} {pad('MODEL', model)} SERIAL
      </Text>
      {disks.slice(first, first + count).map((assessment, offset) => {
        const index = first + offset;
        const { disk } = assessment;
        const selected = index === cursor;
        const isRecommended = recommended?.name === disk.name;
        const grey = !assessment.eligible;
        const mark = grey ? glyphs.bad : isRecommended ? glyphs.star : glyphs.on;
        const color = grey ? theme.muted : undefined;
        return (
          <Box key={disk.name} flexDirection="column">
            <Text wrap="truncate-end" bold={selected && !grey} color={color} dimColor={grey}>
              <Text color={selected ? theme.accent : undefined}>{selected ? `${glyphs.pointer} ` : '  '}</Text>
              <Text color={grey ? theme.muted : isRecommended ? theme.warn : theme.ok}>{mark} </Text>
              {pad(disk.name, device)} {pad(formatBytes(disk.sizeBytes), size)} {pad(disk.transport ?? '-', transport)} {pad(disk.model ?? '-', model)}{' '}
              {truncate(disk.serial ?? '-', serial)}
            </Text>
            <Text wrap="truncate-end" dimColor={grey} color={color}>
              {'    '}
              {describePartitions(disk)}
            </Text>
            <Text wrap="truncate-end" color={theme.muted} dimColor={grey}>
              {'    '}
              {disk.byId[0] ?? `${disk.path} (no /dev/disk/by-id name)`}
            </Text>
            {grey ? (
              <Text wrap="truncate-end" color={theme.muted} dimColor>
                {'    '}not eligible: {assessment.ineligibleReasons.join('; ')}
              </Text>
            ) : isRecommended ? (
              <Text wrap="truncate-end" color={theme.warn}>
                {'    '}
                {glyphs.star} recommended: {recommended!.reason}
              </Text>
            ) : null}
          </Box>
        );
      })}
    </Box>
  );
}
