// The wizard's root: owns the state (one reducer), routes keys (Ctrl-C, Esc, ?) and signals,
// renders the current screen under one header, and is the single way out (finish).
import { useCallback, useEffect, useMemo, useReducer, useRef, useState } from 'react';
import { Box, Static, useApp } from 'ink';
import { ExitCode } from '../core/exit-codes.js';
import { Header } from './components/Header.js';
import { PhaseLine, isFinished } from './components/PhaseLine.js';
import { useFeed } from './hooks/use-feed.js';
import { useLatestInput } from './hooks/use-keys.js';
import { useSignals } from './hooks/use-signals.js';
import { useTerminalSize } from './hooks/use-terminal-size.js';
import type { PhaseRow } from './run/install-feed.js';
import type { WizardRuntime } from './runtime.js';
import { ConnectScreen } from './screens/ConnectScreen.js';
import { DiscoverScreen } from './screens/DiscoverScreen.js';
import { DiskScreen } from './screens/DiskScreen.js';
import { DoneScreen } from './screens/DoneScreen.js';
import { FlakeScreen } from './screens/FlakeScreen.js';
import { HardwareScreen } from './screens/HardwareScreen.js';
import { HelpScreen } from './screens/HelpScreen.js';
import { InstallScreen, installChromeLines, stopBannerLines } from './screens/InstallScreen.js';
import { KeysScreen } from './screens/KeysScreen.js';
import { LayoutScreen } from './screens/LayoutScreen.js';
import { ReviewScreen } from './screens/ReviewScreen.js';
import { wizardReducer } from './state/reducer.js';
import type { StepId, WizardState } from './state/wizard-state.js';
import { WizardContext, type WizardContextValue } from './wizard-context.js';

export interface AppProps {
  runtime: WizardRuntime;
  initial: WizardState;
  /** Called once, with the exit code and an optional message to print after the last frame. */
  onExit: (exitCode: number, farewell?: string) => void;
}

/** Header line, footer line, and the line Ink keeps below its output. */
const chromeLines = 3;
const minimumBodyRows = 8;
const minimumTailLines = 3;

const screens: Record<Exclude<StepId, 'install'>, () => React.JSX.Element> = {
  discover: DiscoverScreen,
  connect: ConnectScreen,
  disk: DiskScreen,
  layout: LayoutScreen,
  flake: FlakeScreen,
  hardware: HardwareScreen,
  keys: KeysScreen,
  review: ReviewScreen,
  done: DoneScreen,
};

export function App({ runtime, initial, onExit }: AppProps) {
  const [state, dispatch] = useReducer(wizardReducer, initial);
  const { exit } = useApp();
  const size = useTerminalSize();
  const textFocus = useRef(0);
  const escapeHandlers = useRef<Array<() => void>>([]);
  const exited = useRef(false);
  const stateRef = useRef(state);
  stateRef.current = state;

  // Finishing renders one last frame without key hints (it stays on the terminal), then unmounts.
  const [closing, setClosing] = useState<{ exitCode: number; farewell?: string } | null>(null);
  const finish = useCallback((exitCode: number, farewell?: string) => {
    if (exited.current) return;
    exited.current = true;
    setClosing(farewell === undefined ? { exitCode } : { exitCode, farewell });
  }, []);
  useEffect(() => {
    if (!closing) return;
    onExit(closing.exitCode, closing.farewell);
    exit();
  }, [closing, exit, onExit]);

  /** Ctrl-C, SIGINT, SIGTERM: quit, except while installing (ask once, then stop safely). */
  const interrupt = useCallback(
    (source: 'key' | 'SIGINT' | 'SIGTERM') => {
      const current = stateRef.current;
      const phase = current.install?.phase;
      if (current.step !== 'install' || !phase || !runtime.install || runtime.install.settled) return finish(ExitCode.aborted);
      if (phase === 'stopping') {
        return finish(
          ExitCode.aborted,
          'Quit while stopping: the target may still have /mnt mounted or LUKS open; run nixos-bootstrap install --resume later.',
        );
      }
      if (phase === 'running' && source !== 'SIGTERM') return dispatch({ type: 'stop-asked' });
      runtime.install.feed.note("Stopping after the running command, then undoing this run's mounts and mappings…");
      runtime.install.abort();
      dispatch({ type: 'stop-confirmed' });
    },
    [finish, runtime],
  );

  // The run's end moves the wizard to Done, whoever started the run.
  const run = state.step === 'install' ? runtime.install : undefined;
  useEffect(() => {
    if (!run) return;
    let live = true;
    void run.outcome.then((outcome) => {
      if (!live) return;
      const failure = run.feed.snapshot(0).failure;
      dispatch({ type: 'install-finished', outcome, elapsedMs: Date.now() - run.startedAt, ...(failure ? { lastLines: failure.lastLines } : {}) });
    });
    return () => {
      live = false;
    };
  }, [run]);

  useSignals(interrupt);

  useLatestInput((input, key) => {
    if (closing) return;
    if (key.ctrl && input === 'c') return interrupt('key');
    if (state.help) {
      if (key.escape || input === '?' || input === 'q') dispatch({ type: 'help', open: false });
      return;
    }
    if (state.install?.phase === 'confirm-stop') {
      if (input === 'y') interrupt('key');
      else dispatch({ type: 'stop-cancelled' });
      return;
    }
    if (input === '?' && textFocus.current === 0) return dispatch({ type: 'help', open: true });
    if (key.escape) {
      const handler = escapeHandlers.current[escapeHandlers.current.length - 1];
      if (handler) handler();
      else dispatch({ type: 'back' });
    }
  });

  // The install's finished phases go to <Static> (printed once, never redrawn); the live part
  // below them is bounded so that everything fits the terminal and Ink never repaints scrollback.
  const feed = runtime.install?.feed;
  const rowsHint = feed ? feed.snapshot(0).rows : [];
  const finishedCount = rowsHint.filter(isFinished).length;
  const banner = state.install?.phase === 'confirm-stop' || state.install?.phase === 'stopping' ? stopBannerLines : 0;
  const tailLines = Math.max(minimumTailLines, size.rows - 1 - 1 - installChromeLines - banner - finishedCount);
  const live = useFeed(state.step === 'install' || state.step === 'done' ? feed : undefined, tailLines);
  const { tick } = live;
  // Once the run is over the feed no longer changes: read it now, so the last phases are above
  // the Done screen in its very first frame (the timer would add them a tick later).
  const finalSnapshot = useMemo(() => (state.step === 'done' && feed ? feed.snapshot(0) : undefined), [state.step, feed]);
  const snapshot = finalSnapshot ?? live.snapshot;
  const finishedRows: PhaseRow[] = useMemo(() => (snapshot ? snapshot.rows.filter(isFinished) : []), [snapshot]);

  const value: WizardContextValue = {
    state,
    dispatch,
    runtime,
    finish,
    size,
    bodyRows: Math.max(minimumBodyRows, size.rows - chromeLines),
    keys: { textFocus, escapeHandlers },
    closing: closing !== null,
  };

  const Screen = state.step === 'install' ? null : screens[state.step];
  return (
    <WizardContext.Provider value={value}>
      {feed ? (
        <Static key={runtime.install?.attempt} items={finishedRows}>
          {(row) => <PhaseLine key={row.id} row={row} columns={size.columns} />}
        </Static>
      ) : null}
      <Box flexDirection="column" width={size.columns}>
        <Header />
        {state.help ? <HelpScreen /> : Screen ? <Screen /> : <InstallScreen snapshot={snapshot} tick={tick} tailLines={tailLines} />}
      </Box>
    </WizardContext.Provider>
  );
}
