import { useCallback, useEffect, useMemo, useState } from 'react';
import { Box, Text } from 'ink';
import type { Candidate } from '../../core/discovery/candidate.js';
import type { DiscoveryResult } from '../../core/discovery/discover.js';
import { errorText } from '../../core/exit-codes.js';
import { isLinkLocal, parseTarget } from '../../core/ssh/target.js';
import type { Target } from '../../core/ssh/types.js';
import { Footer } from '../components/Footer.js';
import { HostTable } from '../components/HostTable.js';
import { useHighlight } from '../components/PickList.js';
import { Message } from '../components/Message.js';
import { Spinner } from '../components/Spinner.js';
import { TextField } from '../components/TextField.js';
import { plural } from '../format.js';
import { candidateKey, useDiscovery } from '../hooks/use-discovery.js';
import { useEscape, useKeys } from '../hooks/use-keys.js';
import { useTicker } from '../hooks/use-ticker.js';
import { useTheme } from '../theme.js';
import { useWizard } from '../wizard-context.js';

export function targetOf(candidate: Candidate): Target | undefined {
  const best = candidate.addresses[0];
  if (!best) return undefined;
  return {
    host: best.address,
    ...(best.interface && isLinkLocal(best.address) ? { interface: best.interface } : {}),
    port: candidate.port,
    user: 'root',
  };
}

/** Row keys for `candidates`: the discovery's own key, made distinct if two rows share one. */
export function hostRowKeys(candidates: Candidate[]): string[] {
  const seen = new Set<string>();
  return candidates.map((candidate, index) => {
    let key = candidateKey(candidate) || `#${index}`;
    if (seen.has(key)) key = `${key}#${index}`;
    seen.add(key);
    return key;
  });
}

/** Where to go when there is no installer to find yet. */
const noInstallerYet = [
  'no installer yet? nixos-bootstrap installer makes one that announces itself, lets your key in',
  '  and is trusted from the first contact (quit with Ctrl-C, then run it); a stock NixOS ISO is found',
  '  too: log in as nixos@ADDRESS with m (its root needs sudo passwd root on the console)',
];

/** Why nothing answered, from the discovery's own account (loaded only when needed). */
function useNothingFoundHint(result: DiscoveryResult | undefined, empty: boolean): string[] {
  const [lines, setLines] = useState<string[]>([]);
  useEffect(() => {
    if (!result || !empty) return setLines([]);
    let live = true;
    void import('../../headless/discover-command.js').then(({ nothingFoundHint }) => {
      if (live)
        setLines(
          nothingFoundHint(result)
            .split('\n')
            .map((line) => line.trim()),
        );
    });
    return () => {
      live = false;
    };
  }, [result, empty]);
  return lines;
}

export function DiscoverScreen() {
  const { state, dispatch, runtime, size, bodyRows } = useWizard();
  const theme = useTheme();
  const [manual, setManual] = useState<string | null>(null);
  const [manualError, setManualError] = useState<string | undefined>();
  const { view, rescan } = useDiscovery(true);
  // The highlighted installer, by key: it stays on the same installer as others appear.
  const highlight = useHighlight(undefined);
  useTicker(1000, view.searching);
  const { candidates } = view;
  const hint = useNothingFoundHint(view.result, candidates.length === 0);
  const rowKeys = useMemo(() => hostRowKeys(candidates), [candidates]);
  /** The highlighted row; the first when none was or it is gone (a rescan). */
  const indexOf = (key: string | undefined) => Math.max(0, key === undefined ? 0 : rowKeys.indexOf(key));

  const pick = (target: Target, candidate?: Candidate) => {
    runtime.stopDiscovery();
    dispatch(candidate ? { type: 'target-picked', target, candidate } : { type: 'target-picked', target });
  };

  const closeManual = useCallback(() => {
    setManual(null);
    setManualError(undefined);
  }, []);
  useEscape(closeManual, manual !== null);

  useKeys((input, key) => {
    // ↑↓ belong to the list (HostTable); Enter takes the row it shows highlighted.
    if (key.return) {
      const candidate = candidates[indexOf(highlight.current())];
      const target = candidate && targetOf(candidate);
      if (candidate && target) pick(target, candidate);
      return;
    }
    if (input === 'r') return rescan();
    if (input === 'm') {
      setManual('');
      setManualError(undefined);
    }
  }, manual === null);

  const submitManual = (text: string) => {
    try {
      pick(parseTarget(text, state.preset.port !== undefined ? { port: state.preset.port } : {}));
    } catch (error) {
      setManualError(errorText(error));
    }
  };

  const elapsedS = ((Date.now() - view.startedAt) / 1000).toFixed(0);
  const status = view.searching ? (
    <Text>
      <Spinner /> Searching the LAN for NixOS installers (mDNS, IPv6 neighbours)… <Text color={theme.muted}>{elapsedS} s</Text>
    </Text>
  ) : (
    <Text>
      {candidates.length ? (
        <Text color={theme.ok}>Found {plural(candidates.length, 'installer')}.</Text>
      ) : (
        <Text color={theme.warn}>No installer answered.</Text>
      )}
      <Text color={theme.muted}> Search finished{view.result ? ` after ${(view.result.elapsedMs / 1000).toFixed(1)} s` : ''}; r searches again.</Text>
    </Text>
  );

  const manualRows = manual !== null ? 3 : 0;
  const tableRows = Math.max(1, bodyRows - 4 - manualRows);

  return (
    <Box flexDirection="column">
      <Box flexDirection="column" height={bodyRows} overflowY="hidden">
        <Text wrap="truncate-end">{status}</Text>
        <Text> </Text>
        {view.error ? (
          <Message kind="error" title={`Discovery failed: ${view.error}`} lines={['Type the address by hand with m.']} width={size.columns} />
        ) : null}
        {candidates.length > 0 ? (
          <HostTable
            candidates={candidates}
            rowKeys={rowKeys}
            selected={rowKeys[indexOf(highlight.selected)]}
            onHighlight={highlight.onHighlight}
            columns={size.columns}
            rows={tableRows}
            focus={manual === null}
          />
        ) : !view.searching && !view.error ? (
          <Message
            kind="warning"
            title="Nothing found. What was tried:"
            lines={[...hint, ...noInstallerYet].slice(0, Math.max(0, bodyRows - 4 - manualRows))}
            width={size.columns}
          />
        ) : null}
        {manual !== null ? (
          <Box flexDirection="column" marginTop={1}>
            <Text>
              <Text bold>Address: </Text>
              <TextField value={manual} onChange={setManual} onSubmit={submitManual} focus placeholder="root@fe80::47%eth0 or 192.168.1.20:22" />
            </Text>
            {manualError ? (
              <Text color={theme.bad} wrap="truncate-end">
                {manualError}
              </Text>
            ) : (
              <Text color={theme.muted}>user@host[:port]; IPv6 link-local with its interface</Text>
            )}
          </Box>
        ) : null}
      </Box>
      <Footer
        hints={
          manual !== null
            ? [
                ['Enter', 'connect'],
                ['Esc', 'cancel'],
              ]
            : [
                ...(candidates.length
                  ? ([
                      ['↑↓', 'choose'],
                      ['Enter', 'connect'],
                    ] as const)
                  : []),
                ['r', 'rescan'],
                ['m', 'address'],
              ]
        }
      />
    </Box>
  );
}
