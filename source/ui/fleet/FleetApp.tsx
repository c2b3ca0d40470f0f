// The many-machines wizard (nixos-bootstrap --hosts FILE): find and mark the machines, review
// every plan and confirm once, watch them install. Each machine goes through the same install
// as install --hosts (its own session, journal, log, age key); this only draws it.
import { useCallback, useEffect, useRef, useState } from 'react';
import { Box, Text, useApp, useInput } from 'ink';
import type { Candidate } from '../../core/discovery/candidate.js';
import type { DiscoverOptions, Discovery } from '../../core/discovery/discover.js';
import { ExitCode } from '../../core/exit-codes.js';
import { fleetSummary, type Machine } from '../../headless/install-hosts.js';
import type { FleetRequest } from '../../headless/install-options.js';
import { useSignals } from '../hooks/use-signals.js';
import { useTerminalSize } from '../hooks/use-terminal-size.js';
import { useTicker } from '../hooks/use-ticker.js';
import { useTheme } from '../theme.js';
import type { FleetRun, MachineView } from './fleet-run.js';
import { FleetFindScreen } from './FleetFindScreen.js';
import { FleetInstallScreen } from './FleetInstallScreen.js';
import { FleetReviewScreen } from './FleetReviewScreen.js';

/** The screens move at this rate; machines print at any rate into their feeds. */
export const redrawMs = 100;

export interface FleetAppProps {
  fleet: FleetRequest;
  machines: Machine[];
  trusted: Set<string>;
  search: (options: DiscoverOptions) => Promise<Discovery>;
  discoverOptions: DiscoverOptions;
  startRun: (chosen: { machine: Machine; installer: Candidate }[]) => FleetRun;
  /** Once: the exit status, and what stays on the terminal after the last frame. */
  onExit: (exitCode: number, farewell?: string) => void;
}

export function FleetApp({ fleet, machines, trusted, search, discoverOptions, startRun, onExit }: FleetAppProps) {
  const theme = useTheme();
  const { exit } = useApp();
  const size = useTerminalSize();
  const [run, setRun] = useState<FleetRun>();
  const [confirmed, setConfirmed] = useState(false);
  const [stopping, setStopping] = useState(false);
  const [finished, setFinished] = useState<MachineView[]>([]);
  const done = useRef(false);
  const tick = useTicker(redrawMs, run !== undefined);

  const end = useCallback(
    (exitCode: number, farewell?: string) => {
      if (done.current) return;
      done.current = true;
      onExit(exitCode, farewell);
      exit();
    },
    [onExit, exit],
  );

  // Finished machines join <Static> in the order they finished, once the runs began.
  useEffect(() => {
    if (!run || !confirmed) return;
    const newly = run.machines.filter((m) => m.stage === 'finished' && !finished.includes(m));
    if (newly.length) setFinished((list) => [...list, ...newly]);
  }, [run, confirmed, tick, finished]);

  useEffect(() => {
    if (!run) return;
    let live = true;
    void run.results.then((results) => {
      if (!live) return;
      const { worst, text } = fleetSummary(results, fleet);
      end(worst, text);
    });
    return () => {
      live = false;
    };
  }, [run, fleet, end]);

  /** Ends now with where every machine stands (sessions still closing end with the process). */
  const endNow = useCallback(
    (why: string, note: string) => {
      const { text } = fleetSummary(run!.resultsSoFar(why), fleet);
      end(ExitCode.aborted, `${text}\n${note}`);
    },
    [run, fleet, end],
  );

  const interrupt = useCallback(() => {
    if (!run) return end(ExitCode.aborted);
    run.interrupt();
    // Before the confirmation nothing was written: plans still being made need not be waited for.
    if (!confirmed) return endNow('not installed: quit before the confirmation', 'Nothing was installed.');
    if (stopping) return endNow('quit while stopping', 'Quit while stopping: a machine stopped mid-run may still have /mnt mounted or LUKS open.');
    setStopping(true);
  }, [run, confirmed, stopping, end, endNow]);

  useInput((input, key) => {
    if (key.ctrl && input === 'c') interrupt();
  });
  useSignals(interrupt);

  const bodyRows = Math.max(8, size.rows - 2);
  return (
    <Box flexDirection="column" width={size.columns}>
      <Text wrap="truncate-end">
        <Text bold color={theme.accent}>
          nixos-bootstrap
        </Text>
        <Text color={theme.muted}>
          {' '}
          · many machines · {fleet.hostsFile} · {!run ? 'find' : confirmed ? 'install' : 'review'}
        </Text>
      </Text>
      {!run ? (
        <FleetFindScreen
          machines={machines}
          hostsFile={fleet.hostsFile}
          {...(fleet.only ? { only: fleet.only } : {})}
          trusted={trusted}
          search={search}
          options={discoverOptions}
          columns={size.columns}
          rows={bodyRows}
          onChosen={(chosen) => setRun(startRun(chosen))}
        />
      ) : !confirmed ? (
        <FleetReviewScreen
          run={run}
          columns={size.columns}
          rows={bodyRows}
          onConfirmed={() => {
            run.confirm();
            setConfirmed(true);
          }}
        />
      ) : (
        <FleetInstallScreen run={run} finished={finished} stopping={stopping} columns={size.columns} rows={bodyRows} tick={tick} />
      )}
    </Box>
  );
}
