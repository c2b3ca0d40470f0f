// The Connect screen's sequence: read the host key without logging in, let the person compare
// it, then log in pinned to exactly that key (asking a password if the server wants one), then
// probe once. Esc or leaving the screen aborts whatever is in flight.
import { useCallback, useEffect, useRef, useState } from 'react';
import { BootstrapError, ExitCode } from '../../core/exit-codes.js';
import type { Facts } from '../../core/facts/types.js';
import type { HostKeyInfo } from '../../core/ssh/host-identity.js';
import type { Session } from '../../core/ssh/types.js';
import { buildLayout } from '../state/choices.js';
import { useWizard } from '../wizard-context.js';

export type ConnectionPhase =
  | { kind: 'scanning' }
  | { kind: 'confirm'; info: HostKeyInfo }
  | { kind: 'connecting'; info: HostKeyInfo }
  | { kind: 'password'; info: HostKeyInfo; attempt: number; answer: (password: string | undefined) => void }
  | { kind: 'probing'; info: HostKeyInfo; method: string }
  /** Back from a later screen: still connected and pinned. */
  | { kind: 'ready'; info: HostKeyInfo }
  | { kind: 'failed'; info?: HostKeyInfo; message: string; hint?: string; exitCode: number };

const failure = (error: unknown, info?: HostKeyInfo): ConnectionPhase => {
  if (error instanceof BootstrapError) {
    return { kind: 'failed', message: error.message, ...(error.hint ? { hint: error.hint } : {}), exitCode: error.exitCode, ...(info ? { info } : {}) };
  }
  return { kind: 'failed', message: error instanceof Error ? error.message : String(error), exitCode: ExitCode.phaseFailed, ...(info ? { info } : {}) };
};

/** The --disk flag checked against the facts: the path to use, or why it cannot be used. */
async function presetDiskVerdict(facts: Facts, requested: string | undefined, allowLoopDisks: boolean, minSizeBytes: number) {
  if (requested === undefined) return undefined;
  const { selectDisk } = await import('../../core/facts/disks.js');
  try {
    return { disk: selectDisk(facts, requested, { allowLoopDisks, minSizeBytes }).devicePath };
  } catch (error) {
    return { disk: requested, error: error instanceof Error ? error.message : String(error) };
  }
}

export function useConnection() {
  const { state, dispatch, runtime } = useWizard();
  const target = state.target!;
  const { preset } = state;
  const [phase, setPhase] = useState<ConnectionPhase>({ kind: 'scanning' });
  const [attempt, setAttempt] = useState(0);
  const controller = useRef<AbortController | null>(null);
  const pendingAnswer = useRef<((password: string | undefined) => void) | null>(null);

  const finishConnect = useCallback(
    async (session: Session, info: HostKeyInfo, signal: AbortSignal) => {
      const facts = await runtime.services.probe(session, { force: preset.force });
      if (signal.aborted) return;
      const { minimumDiskBytes } = await import('../../core/plan/plan-context.js');
      let minSizeBytes = 0;
      try {
        minSizeBytes = minimumDiskBytes({ layout: buildLayout(state.layout, preset) }, facts.firmware);
      } catch {
        // sizes are checked on their own screen
      }
      const presetDisk = await presetDiskVerdict(facts, preset.disk, preset.allowLoopDisks, minSizeBytes);
      if (signal.aborted) return;
      dispatch({ type: 'connected', hostKey: info, facts, ...(presetDisk ? { presetDisk } : {}) });
    },
    [dispatch, preset, runtime, state.layout],
  );

  const login = useCallback(
    async (info: HostKeyInfo) => {
      const signal = controller.current!.signal;
      setPhase({ kind: 'connecting', info });
      let method = 'none';
      try {
        const session = await runtime.services.connect(target, {
          expectFingerprint: info.fingerprint,
          identityFiles: preset.identities,
          envPassword: preset.envPassword,
          signal,
          passwordPrompt: ({ attempt: n }) =>
            new Promise<string | undefined>((resolve) => {
              pendingAnswer.current = resolve;
              setPhase({
                kind: 'password',
                info,
                attempt: n,
                answer: (password) => {
                  pendingAnswer.current = null;
                  setPhase({ kind: 'connecting', info });
                  resolve(password);
                },
              });
            }),
          onEvent: (event) => {
            if (event.type === 'authenticated') method = event.method;
          },
        });
        if (signal.aborted) {
          await session.close();
          return;
        }
        runtime.adoptSession(target, session);
        setPhase({ kind: 'probing', info, method });
        await finishConnect(session, info, signal);
      } catch (error) {
        if (!signal.aborted) setPhase(failure(error, info));
      }
    },
    [finishConnect, preset, runtime, target],
  );

  useEffect(() => {
    const abort = new AbortController();
    controller.current = abort;
    const existing = runtime.sessionTo(target);
    if (existing && state.hostKey && state.facts) {
      // Back from a later screen: the session is still open and pinned; nothing to ask again.
      setPhase({ kind: 'ready', info: state.hostKey });
      return () => abort.abort();
    }
    setPhase({ kind: 'scanning' });
    void (async () => {
      await runtime.closeSession();
      try {
        const info = await runtime.services.scanHostKey(target, { signal: abort.signal });
        if (abort.signal.aborted) return;
        const expected = preset.expectFingerprint ?? state.candidate?.fingerprint;
        if (expected !== undefined && info.fingerprint !== expected) {
          const source = preset.expectFingerprint ? '--expect-fingerprint' : 'discovery a moment ago';
          setPhase({
            kind: 'failed',
            info,
            message: `host key mismatch: ${source} gave ${expected}, ${info.where} now shows ${info.fingerprint}`,
            hint: 'this may not be the installer you meant; nothing was sent to it',
            exitCode: ExitCode.refused,
          });
          return;
        }
        if (preset.expectFingerprint) void login(info);
        else setPhase({ kind: 'confirm', info });
      } catch (error) {
        if (!abort.signal.aborted) setPhase(failure(error));
      }
    })();
    return () => {
      abort.abort();
      pendingAnswer.current?.(undefined);
    };
    // A retry (attempt) starts over; the rest is fixed while the screen is up.
    // eslint-disable-next-line react-hooks/exhaustive-deps -- only a retry starts over (see above)
  }, [attempt]);

  return {
    phase,
    accept: () => {
      if (phase.kind === 'confirm') void login(phase.info);
      const session = runtime.sessionTo(target);
      if (phase.kind === 'ready' && session) {
        const signal = controller.current!.signal;
        setPhase({ kind: 'probing', info: phase.info, method: runtime.session === session ? 'the open session' : 'none' });
        void finishConnect(session, phase.info, signal).catch((error: unknown) => !signal.aborted && setPhase(failure(error, phase.info)));
      }
    },
    retry: () => setAttempt((n) => n + 1),
  };
}
