import { Box, Text } from 'ink';
import type { Candidate } from '../../core/discovery/candidate.js';
import { connectHost } from '../../core/discovery/ipv6.js';
import { pad, shortFingerprint } from '../format.js';
import { glyphs, useTheme } from '../theme.js';

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

/** Live list of installers: name, best address, host key (short), MAC; the cursor row marked. */
export function HostTable({ candidates, cursor, columns, first, count }: { candidates: Candidate[]; cursor: number; columns: number; first: number; count: number }) {
  const theme = useTheme();
  const w = widths(columns, candidates);
  const shown = candidates.slice(first, first + count);
  return (
    <Box flexDirection="column">
      <Text color={theme.muted} wrap="truncate-end">
        {'  '}
        {pad('NAME', w.name)} {pad('ADDRESS', w.address)}
        {w.showKey ? ` ${pad('HOST KEY', keyWidth)}` : ''}
        {w.showMac ? ' MAC' : ''}
      </Text>
      {shown.map((candidate, offset) => {
        const index = first + offset;
        const selected = index === cursor;
        const extra = candidate.addresses.length > 1 ? ` +${candidate.addresses.length - 1}` : '';
        const address = `${bestAddress(candidate)}${extra}`;
        return (
          <Text key={candidate.id ?? index} wrap="truncate-end" bold={selected}>
            <Text color={selected ? theme.accent : undefined}>{selected ? `${glyphs.pointer} ` : '  '}</Text>
            {pad(candidate.names.join(', ') || '(no name)', w.name)} {pad(address, w.address)}
            {w.showKey ? ` ${pad(shortFingerprint(candidate.fingerprint), keyWidth)}` : ''}
            {w.showMac ? ` ${candidate.mac ?? '-'}` : ''}
          </Text>
        );
      })}
    </Box>
  );
}
