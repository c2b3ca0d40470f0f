import { Box, Text } from 'ink';
import type { Candidate } from '../../core/discovery/candidate.js';
import { connectHost } from '../../core/discovery/ipv6.js';
import { pad, shortFingerprint } from '../format.js';
import { useTheme } from '../theme.js';
import { PickList } from './PickList.js';

const macWidth = 17;
const keyWidth = 12;

/**
 * Column widths for a terminal `columns` wide: the name column fits the longest name (up to 24),
 * the address takes the rest; narrow terminals drop the MAC, then the key.
 */
function widths(columns: number, candidates: Candidate[]) {
  const showMac = columns >= 76;
  const showKey = columns >= 50;
  const fixed = 2 + (showKey ? keyWidth + 1 : 0) + (showMac ? macWidth + 1 : 0);
  const longest = Math.max(4, ...candidates.map((c) => (c.names.join(', ') || '(no name)').length));
  const name = Math.max(10, Math.min(24, longest, Math.floor((columns - fixed) / 2)));
  return { name, address: Math.max(10, columns - fixed - name - 1), showMac, showKey };
}

export const bestAddress = (candidate: Candidate) => {
  const first = candidate.addresses[0];
  if (!first) return '-';
  return `${connectHost(first.address, first.interface)}${candidate.port !== 22 ? ` :${candidate.port}` : ''}`;
};

/** Live list of installers: name, best address, host key (short), MAC; ↑↓ move the pointer. */
export function HostTable({
  candidates,
  rowKeys,
  selected,
  onHighlight,
  columns,
  rows,
  focus,
}: {
  candidates: Candidate[];
  /** One distinct key per candidate (the discovery's candidate keys). */
  rowKeys: string[];
  selected: string | undefined;
  onHighlight: (key: string) => void;
  columns: number;
  /** Rows that fit below the heading. */
  rows: number;
  focus: boolean;
}) {
  const theme = useTheme();
  const w = widths(columns, candidates);
  const renderRow = (key: string, isSelected: boolean) => {
    const candidate = candidates[rowKeys.indexOf(key)];
    if (!candidate) return null;
    const extra = candidate.addresses.length > 1 ? ` +${candidate.addresses.length - 1}` : '';
    const address = `${bestAddress(candidate)}${extra}`;
    return (
      <Text wrap="truncate-end" bold={isSelected}>
        {pad(candidate.names.join(', ') || '(no name)', w.name)} {pad(address, w.address)}
        {w.showKey ? ` ${pad(shortFingerprint(candidate.fingerprint), keyWidth)}` : ''}
        {w.showMac ? ` ${candidate.mac ?? '-'}` : ''}
      </Text>
    );
  };
  return (
    <Box flexDirection="column">
      <Text color={theme.muted} wrap="truncate-end">
        {'  '}
        {pad('NAME', w.name)} {pad('ADDRESS', w.address)}
        {w.showKey ? ` ${pad('HOST KEY', keyWidth)}` : ''}
        {w.showMac ? ' MAC' : ''}
      </Text>
      <PickList values={rowKeys} selected={selected} onHighlight={onHighlight} limit={rows} focus={focus} renderRow={renderRow} />
    </Box>
  );
}
