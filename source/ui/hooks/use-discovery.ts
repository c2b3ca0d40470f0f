import { useEffect, useState } from 'react';
import type { Candidate } from '../../core/discovery/candidate.js';
import type { DiscoveryResult, DiscoveryUpdate } from '../../core/discovery/discover.js';
import { useWizard } from '../wizard-context.js';

export interface DiscoveryView {
  candidates: Candidate[];
  searching: boolean;
  startedAt: number;
  result?: DiscoveryResult;
  error?: string;
}

/** The same installer across updates (and rescans): its row keeps the highlight. */
export const candidateKey = (candidate: Candidate) => candidate.id ?? candidate.fingerprint ?? candidate.addresses[0]?.address ?? '';

/** Runs discovery while the screen is up; rows update in place as installers are verified. */
export function useDiscovery(active: boolean): { view: DiscoveryView; rescan: () => void } {
  const { runtime, state } = useWizard();
  const { discovery, port } = state.preset;
  const [generation, setGeneration] = useState(0);
  const [view, setView] = useState<DiscoveryView>({ candidates: [], searching: true, startedAt: Date.now() });

  useEffect(() => {
    if (!active) return;
    let cancelled = false;
    setView({ candidates: [], searching: true, startedAt: Date.now() });
    const onUpdate = ({ candidate }: DiscoveryUpdate) => {
      setView((previous) => {
        const key = candidateKey(candidate);
        const index = previous.candidates.findIndex((c) => candidateKey(c) === key);
        const candidates = index < 0 ? [...previous.candidates, candidate] : previous.candidates.map((c, i) => (i === index ? candidate : c));
        return { ...previous, candidates };
      });
    };
    runtime.services
      .discover({
        ...(discovery.timeoutMs !== undefined ? { timeoutMs: discovery.timeoutMs } : {}),
        ...(discovery.interfaces.length ? { interfaces: discovery.interfaces } : {}),
        ...(discovery.names.length ? { names: discovery.names } : {}),
        ...(port !== undefined ? { port } : {}),
      })
      .then((handle) => {
        if (cancelled) return handle.stop();
        runtime.discovery = handle;
        handle.on('update', onUpdate);
        handle.result.then(
          (result) => {
            if (!cancelled) setView((previous) => ({ ...previous, searching: false, result, candidates: mergeFinal(previous.candidates, result.candidates) }));
          },
          (error: unknown) => {
            if (!cancelled) setView((previous) => ({ ...previous, searching: false, error: error instanceof Error ? error.message : String(error) }));
          },
        );
      })
      .catch((error: unknown) => {
        if (!cancelled) setView((previous) => ({ ...previous, searching: false, error: error instanceof Error ? error.message : String(error) }));
      });
    return () => {
      cancelled = true;
      runtime.discovery?.off('update', onUpdate);
      runtime.stopDiscovery();
    };
  }, [active, generation, runtime, discovery, port]);

  return { view, rescan: () => setGeneration((g) => g + 1) };
}

/** The final list keeps the rows' order as they appeared, with their last content. */
function mergeFinal(shown: Candidate[], final: Candidate[]): Candidate[] {
  const verified = final.filter((c) => c.fingerprint);
  const byKey = new Map(verified.map((c) => [candidateKey(c), c]));
  const ordered = shown.filter((c) => byKey.has(candidateKey(c))).map((c) => byKey.get(candidateKey(c))!);
  const rest = verified.filter((c) => !shown.some((s) => candidateKey(s) === candidateKey(c)));
  return [...ordered, ...rest];
}
