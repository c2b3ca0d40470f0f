import { execa } from 'execa';
import { inHost } from '../run-command.js';

/**
 * Reads the SSH banner of `address` (e.g. `fe80::47%vm0`) from inside the laptop host: true
 * when sshd answers. A banner, not a login, so that it also works before keys are known.
 */
export async function sshBannerAnswers(laptopAnchorPid: number, address: string, timeoutSeconds = 2): Promise<boolean> {
  const script = 'read -r line < "/dev/tcp/$0/22" && [[ $line == SSH-2.0-* ]]';
  const [file, ...args] = inHost(laptopAnchorPid, ['timeout', String(timeoutSeconds), 'bash', '-c', script, address]);
  const result = await execa(file!, args, { reject: false, stdin: 'ignore' });
  return result.exitCode === 0;
}
