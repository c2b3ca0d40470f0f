// A few machines at a time, and one exit status for all of them.
import { ExitCode } from '../exit-codes.js';

/** Runs `run` on every item, at most `limit` at once, in the items' order; results in that order. */
export async function inPool<T, R>(items: readonly T[], limit: number, run: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await run(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/**
 * The worst of several machines' exit codes: a stopped run (130), then a failed phase (1: a disk
 * half written), then a refusal (3), nothing found (4), bad input (2); 0 only when all are 0.
 */
const severity: number[] = [ExitCode.aborted, ExitCode.phaseFailed, ExitCode.refused, ExitCode.unreachable, ExitCode.usage];
export function worstExitCode(codes: number[]): number {
  for (const code of severity) if (codes.includes(code)) return code;
  return codes.find((code) => code !== ExitCode.ok) ?? ExitCode.ok;
}
