import { scanHostKey } from '../ssh/session.js';
import type { Target } from '../ssh/types.js';
import type { HostKeyInfo } from '../ssh/host-identity.js';

const pollIntervalMs = 2000;
const probeTimeoutMs = 3000;

export interface RebootResult {
  hostKey: HostKeyInfo;
  /** The machine came back with the installer's own key: it booted the installer again. */
  sameAsInstaller: boolean;
  elapsedMs: number;
}

/**
 * After `reboot`, waits for the machine to go away and come back, then reads its host key
 * (without logging in). Throws when it does not come back within `timeoutMs`.
 */
export async function waitForReboot(
  target: Target,
  installerFingerprint: string,
  timeoutMs: number,
  onWaiting: (message: string) => void,
): Promise<RebootResult> {
  const started = Date.now();
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  const scan = () => scanHostKey(target, { connectTimeoutMs: probeTimeoutMs, knownHostsFile: '/dev/null' }).catch(() => null);
  onWaiting('waiting for the installer to go down…');
  // The installer's key answering again right away only means the reboot has not begun yet.
  while ((await scan())?.fingerprint === installerFingerprint) {
    if (Date.now() - started > timeoutMs) throw new Error('the installer did not reboot');
    await sleep(pollIntervalMs);
  }
  onWaiting('waiting for the new system to answer SSH…');
  for (;;) {
    const key = await scan();
    if (key) return { hostKey: key, sameAsInstaller: key.fingerprint === installerFingerprint, elapsedMs: Date.now() - started };
    if (Date.now() - started > timeoutMs) throw new Error(`no SSH answer within ${Math.round(timeoutMs / 1000)} s after the reboot`);
    await sleep(pollIntervalMs);
  }
}
