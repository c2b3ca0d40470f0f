import { refusal } from '../exit-codes.js';
import { shellQuote } from '../plan/shell.js';
import { formatTarget } from '../ssh/target.js';
import type { Session } from '../ssh/types.js';
import { parseProbeOutput } from './parse.js';
import { probeScript } from './probe-script.js';
import type { Facts } from './types.js';

export interface ProbeOptions {
  /** `--force`: go on with a target whose os-release does not say VARIANT_ID=installer. */
  force?: boolean;
  signal?: AbortSignal;
}

/** lsblk -O of a big machine is some hundred KiB; the default exec capture would cut it. */
const probeCaptureBytes = 16 * 1024 * 1024;

/**
 * Runs the read-only probe script once over the session and parses what it printed.
 * Refuses (exit 3) when facts are missing, or when the target is not an installer (unless force).
 */
export async function probe(session: Session, options: ProbeOptions = {}): Promise<Facts> {
  const where = formatTarget(session.target);
  const result = await session.exec(`bash -c ${shellQuote(probeScript)}`, {
    captureBytes: probeCaptureBytes,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  if (result.code !== 0) {
    const detail = result.stderr.trim().split('\n').pop();
    throw refusal(`the probe of ${where} failed (exit ${result.code ?? result.signal})${detail ? `: ${detail}` : ''}`, 'nothing was changed');
  }
  const facts = parseProbeOutput(result.stdout, where);
  assertInstaller(facts, where, options.force === true);
  return facts;
}

/** A machine that does not call itself an installer keeps its disks, unless the user insists. */
export function assertInstaller(facts: Facts, where: string, force: boolean): void {
  if (facts.isInstaller || force) return;
  const name = facts.osRelease.PRETTY_NAME ?? facts.osRelease.NAME ?? 'unknown system';
  const variant = facts.osRelease.VARIANT_ID ? `VARIANT_ID=${facts.osRelease.VARIANT_ID}` : 'no VARIANT_ID';
  throw refusal(
    `${where} (${facts.hostname}) is not a NixOS installer: its os-release says ${name}, ${variant} (not VARIANT_ID=installer)`,
    'nothing was changed; pass --force only if you really mean to wipe a disk of this running system',
  );
}
