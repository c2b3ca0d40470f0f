import { useEffect, useMemo, useRef, useState } from 'react';
import { Box, Text, useInput } from 'ink';
import type { Candidate } from '../../core/discovery/candidate.js';
import type { DiscoverOptions, Discovery } from '../../core/discovery/discover.js';
import { matchMachines } from '../../core/fleet/match-machines.js';
import type { Machine } from '../../headless/install-hosts.js';
import { bestAddress } from '../components/HostTable.js';
import { KeyLine } from '../components/KeyLine.js';
import { Spinner } from '../components/Spinner.js';
import { WindowedRows } from '../components/WindowedRows.js';
import { firstLine, pad, plural, shortFingerprint } from '../format.js';
import { useRefState } from '../hooks/use-ref-state.js';
import { useTicker } from '../hooks/use-ticker.js';
import { glyphs, useTheme } from '../theme.js';

export interface FindProps {
  machines: Machine[];
  hostsFile: string;
  /** Pre-marked (--only); default every machine found. */
  only?: string[];
  trusted: Set<string>;
  search: (options: DiscoverOptions) => Promise<Discovery>;
  options: DiscoverOptions;
  columns: number;
  rows: number;
  onChosen: (chosen: { machine: Machine; installer: Candidate }[]) => void;
}

const macWidth = 17;
const keyWidth = 11;

/** An installer in one line that fits `width`: the MAC and key first (they tell machines apart), then name and address. */
function installerLine(c: Candidate, width: number): string {
  const head = `${pad(c.mac ?? '-', macWidth)} ${pad(shortFingerprint(c.fingerprint), keyWidth)}`;
  const rest = Math.max(0, width - head.length - 1);
  const name = c.names.join(', ') || '(no name)';
  return `${head} ${pad(`${name} ${bestAddress(c)}`, rest)}`.trimEnd();
}

/**
 * Discovery's whole search, then each entry of the hosts file matched to the one installer it
 * names (install --hosts's own rule); Space marks the machines to install. Installers no entry
 * names are listed, never installed.
 */
export function FleetFindScreen({ machines, hostsFile, only, trusted, search, options, columns, rows, onChosen }: FindProps) {
  const theme = useTheme();
  const [found, setFound] = useState<Candidate[]>([]);
  const [searching, setSearching] = useState(true);
  const [generation, setGeneration] = useState(0);
  /** The person's marks, kept across searches; undefined until Space: every machine matched, or those --only names. */
  const [chosen, setChosen, latestChosen] = useRefState<Set<string> | undefined>(undefined);
  const [cursor, setCursor, latestCursor] = useRefState(0);
  const chose = useRef(false);
  const startedAt = useMemo(() => Date.now(), [generation]); // eslint-disable-line react-hooks/exhaustive-deps -- a new clock per search
  useTicker(1000, searching);

  useEffect(() => {
    let live = true;
    let handle: Discovery | undefined;
    setSearching(true);
    setFound([]);
    void search(options).then((discovery) => {
      handle = discovery;
      if (!live) return discovery.stop();
      discovery.on('update', ({ candidate }) => live && setFound((list) => [...list.filter((c) => c.id !== candidate.id), candidate]));
      void discovery.result.then(
        (result) => {
          if (!live) return;
          setFound(result.candidates.filter((c) => c.fingerprint));
          setSearching(false);
        },
        () => live && setSearching(false),
      );
    });
    return () => {
      live = false;
      handle?.stop();
    };
  }, [search, options, generation]);

  const matches = useMemo(
    () =>
      searching
        ? undefined
        : matchMachines(
            machines.map((m) => m.entry),
            found,
            (fp) => trusted.has(fp),
          ),
    [searching, found, machines, trusted],
  );
  const hostOf = (entry: Machine['entry']) => machines.find((m) => m.entry === entry)!.host;
  const matched = matches?.matched.map(({ entry, installer }) => ({ machine: machines.find((m) => m.entry === entry)!, installer })) ?? [];
  const hosts = matched.map((m) => m.machine.host);
  const marksOf = (marks: Set<string> | undefined) =>
    new Set(marks ? hosts.filter((host) => marks.has(host)) : hosts.filter((host) => !only || only.includes(host)));
  const marked = marksOf(chosen);
  const rowOf = (index: number) => Math.min(index, Math.max(0, matched.length - 1));
  const at = rowOf(cursor);

  // Reads the newest cursor and marks (refs): keys that came in one chunk act one after the other.
  useInput((input, key) => {
    if (searching || chose.current) return;
    const at = rowOf(latestCursor());
    const marked = marksOf(latestChosen());
    if (key.upArrow) setCursor(Math.max(0, at - 1));
    if (key.downArrow) setCursor(Math.min(matched.length - 1, at + 1));
    if (input === ' ' && matched[at]) {
      // From now on the marks are the person's, in later searches too.
      const next = new Set(marked);
      const host = matched[at]!.machine.host;
      if (!next.delete(host)) next.add(host);
      setChosen(next);
    }
    if (input === 'r') setGeneration((g) => g + 1);
    if (key.return) {
      const picked = matched.filter((m) => marked.has(m.machine.host));
      if (!picked.length) return;
      chose.current = true;
      onChosen(picked);
    }
  });

  const nameWidth = Math.max(6, ...machines.map((m) => m.host.length));
  const lineWidth = Math.max(20, columns - nameWidth - 8);
  const extras = matches
    ? [
        ...matches.refused.map(({ entry, reason }) => (
          <Text key={`refused-${entry.position}`} wrap="truncate-end" color={theme.bad}>
            {`  ${glyphs.bad}  ${pad(hostOf(entry), nameWidth)} ${firstLine(reason)}`}
          </Text>
        )),
        ...matches.unmatched.map((c) => (
          <Text key={`other-${c.id}`} wrap="truncate-end" color={theme.muted}>
            {`      ${pad('-', nameWidth)} `}
            <Text color={theme.warn}>{`not in ${hostsFile}: `}</Text>
            {installerLine(c, lineWidth)}
          </Text>
        )),
      ]
    : [];
  // Lines left for rows: the status line and a blank above, the keys line below.
  const room = Math.max(3, rows - 3);
  const extraRoom = Math.min(extras.length, Math.max(1, Math.floor(room / 3)));
  const shownExtras =
    extras.length > extraRoom
      ? [...extras.slice(0, extraRoom - 1), <Text key="more" color={theme.muted}>{`      … ${extras.length - extraRoom + 1} more`}</Text>]
      : extras;
  const elapsedS = Math.round((Date.now() - startedAt) / 1000);
  return (
    <Box flexDirection="column" width={columns}>
      <Text wrap="truncate-end">
        {searching ? (
          <Text>
            <Spinner /> Looking for the {plural(machines.length, 'machine')} of {hostsFile} on the LAN… <Text color={theme.muted}>{elapsedS} s</Text>
          </Text>
        ) : (
          <Text>
            <Text color={matched.length ? theme.ok : theme.warn}>
              {matched.length} of {plural(machines.length, 'machine')} found
            </Text>
            <Text color={theme.muted}>
              {' '}
              ({plural(found.length, 'installer')} answered); {marked.size} marked
            </Text>
          </Text>
        )}
      </Text>
      <Text> </Text>
      {matches ? (
        <WindowedRows
          count={matched.length}
          cursor={at}
          room={room - shownExtras.length}
          render={(index) => {
            const { machine, installer } = matched[index]!;
            return (
              <Text key={machine.host} wrap="truncate-end" bold={index === at}>
                <Text color={theme.accent}>{index === at ? glyphs.pointer : ' '}</Text>
                {marked.has(machine.host) ? <Text color={theme.ok}> [x] </Text> : ' [ ] '}
                {pad(machine.host, nameWidth)} {installerLine(installer, lineWidth)}
              </Text>
            );
          }}
        />
      ) : (
        <WindowedRows
          count={found.length}
          cursor={found.length - 1}
          room={room}
          render={(index) => <Text key={found[index]!.id ?? index} wrap="truncate-end">{`      ${installerLine(found[index]!, columns - 6)}`}</Text>}
        />
      )}
      {shownExtras}
      <KeyLine
        hints={[
          ...(searching
            ? []
            : ([
                ['↑↓', 'choose'],
                ['Space', 'mark'],
                ...(marked.size ? ([['Enter', `plan ${plural(marked.size, 'machine')}`]] as const) : []),
                ['r', 'search again'],
              ] as const)),
          ['Ctrl-C', 'quit'],
        ]}
      />
    </Box>
  );
}
