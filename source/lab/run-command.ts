import { execa } from 'execa';

/** Runs a command on this machine (as root, for the lab) and returns its stdout; throws with stderr on failure. */
export async function run(argv: string[], options: { input?: string; cwd?: string; reject?: boolean } = {}): Promise<string> {
  const [file, ...args] = argv;
  const result = await execa(file!, args, {
    input: options.input,
    cwd: options.cwd,
    reject: false,
    stripFinalNewline: true,
  });
  if (result.exitCode !== 0 && options.reject !== false) {
    const detail = (result.stderr || result.stdout || '').trim().split('\n').slice(-5).join('\n');
    throw new Error(`lab: '${argv.join(' ')}' failed (exit ${result.exitCode})${detail ? `:\n${detail}` : ''}`);
  }
  return result.stdout;
}

/** argv prefix that runs a command inside the host held by an anchor process (its net, mount and uts namespaces). */
export const inHost = (anchorPid: number, argv: string[]): string[] => ['nsenter', '-t', String(anchorPid), '-m', '-u', '-n', '--', ...argv];

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `probe` every `intervalMs` until it returns true; throws `what` after `timeoutMs`. */
export async function waitFor(what: string, probe: () => Promise<boolean> | boolean, timeoutMs: number, intervalMs = 20): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe()) return;
    if (Date.now() > deadline) throw new Error(`lab: timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}
