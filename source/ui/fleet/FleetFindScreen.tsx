import { useEffect, useMemo, useState } from 'react';
import { Box, Text, useInput } from 'ink';
import type { Candidate } from '../../core/discovery/candidate.js';
import type { DiscoverOptions, Discovery } from '../../core/discovery/discover.js';
import { matchMachines } from '../../core/fleet/match-machines.js';
import type { Machine } from '../../headless/install-hosts.js';
import { bestAddress } from '../components/HostTable.js';
import { Spinner } from '../components/Spinner.js';
import { pad, plural, shortFingerprint } from '../format.js';
import { useTicker } from '../hooks/use-ticker.js';
import { glyphs, useTheme } from '../theme.js';
import { KeyLine } from '../components/KeyLine.js';

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
  /** undefined: as the search found them (every machine matched, or those --only names). */
  const [chosen, setChosen] = useState<Set<string> | undefined>();
  const [cursor, setCursor] = useState(0);
  const startedAt = useMemo(() => Date.now(), [generation]); // eslint-disable-line react-hooks/exhaustive-deps -- a new clock per search
  useTicker(1000, searching);

  useEffect(() => {
    let live = true;
    let handle: Discovery | undefined;
    setSearching(true);
    setFound([]);
    setChosen(undefined);
    void search(options).then((discovery) => {
      handle = discovery;
      if (!live) return discovery.stop();
      discovery.on('update', ({ candidate }) => setFound((list) => [...list.filter((c) => c.id !== candidate.id), candidate]));
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
  const marked = chosen ?? new Set(matched.map((m) => m.machine.host).filter((host) => !only || only.includes(host)));

  useInput((input, key) => {
    if (searching) return;
    if (key.upArrow) setCursor((c) => Math.max(0, c - 1));
    if (key.downArrow) setCursor((c) => Math.min(matched.length - 1, c + 1));
    if (input === ' ' && matched[cursor]) {
      const host = matched[cursor]!.machine.host;
      const next = new Set(marked);
      if (!next.delete(host)) next.add(host);
      setChosen(next);
    }
    if (input === 'r') setGeneration((g) => g + 1);
    if (key.return) {
      const chosen = matched.filter((m) => marked.has(m.machine.host));
      if (chosen.length) onChosen(chosen);
    }
  });

  const nameWidth = Math.max(6, ...machines.map((m) => m.host.length));
  const installerLine = (c: Candidate) =>
    `${pad(c.names.join(', ') || '(no name)', 22)} ${pad(bestAddress(c), 30)} ${pad(c.mac ?? '-', 17)} ${shortFingerprint(c.fingerprint)}`;
  const elapsedS = Math.round((Date.now() - startedAt) / 1000);
  const lines: React.JSX.Element[] = [];
  if (!matches) {
    for (const c of found) lines.push(<Text key={c.id ?? c.firstSeenMs} wrap="truncate-end">{`    ${installerLine(c)}`}</Text>);
  } else {
    matched.forEach(({ machine, installer }, index) =>
      lines.push(
        <Text key={machine.host} wrap="truncate-end" bold={index === cursor}>
          <Text color={theme.accent}>{index === cursor ? glyphs.pointer : ' '}</Text>
          {marked.has(machine.host) ? <Text color={theme.ok}> [x] </Text> : ' [ ] '}
          {pad(machine.host, nameWidth)} {installerLine(installer)}
        </Text>,
      ),
    );
    for (const { entry, reason } of matches.refused)
      lines.push(
        <Text key={`refused-${entry.position}`} wrap="truncate-end" color={theme.bad}>
          {`  ${glyphs.bad}  ${pad(hostOf(entry), nameWidth)} ${reason}`}
        </Text>,
      );
    for (const c of matches.unmatched)
      lines.push(
        <Text key={`other-${c.id}`} wrap="truncate-end" color={theme.muted}>
          {`      ${pad('-', nameWidth)} `}
          <Text color={theme.warn}>{`not in ${hostsFile}: `}</Text>
          {installerLine(c)}
        </Text>,
      );
  }
  const count = marked.size;
  return (
    <Box flexDirection="column" width={columns}>
      <Box flexDirection="column" height={Math.max(4, rows - 1)} overflowY="hidden">
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
                ({plural(found.length, 'installer')} answered); {count} marked
              </Text>
            </Text>
          )}
        </Text>
        <Text> </Text>
        {lines}
      </Box>
      <KeyLine
        hints={[
          ...(searching
            ? []
            : ([
                ['↑↓', 'choose'],
                ['Space', 'mark'],
                ...(count ? ([['Enter', `plan ${plural(count, 'machine')}`]] as const) : []),
                ['r', 'search again'],
              ] as const)),
          ['Ctrl-C', 'quit'],
        ]}
      />
    </Box>
  );
}
