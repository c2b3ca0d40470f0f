import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { CommandInput } from '../plan/types.js';
import type { Secrets } from './secrets.js';

const run = promisify(execFile);
const maxInputBytes = 256 * 1024 * 1024;

/** The bytes a command reads on stdin. */
export async function commandInput(input: CommandInput | undefined, secrets: Secrets): Promise<Buffer | undefined> {
  if (!input) return undefined;
  if ('secret' in input) {
    const value = secrets[input.secret];
    if (value === undefined) throw new Error(`the ${input.secret} is needed but was not given`);
    return Buffer.from(value, 'utf8');
  }
  if ('directory' in input) {
    const { stdout } = await run('tar', ['-C', input.directory, '--exclude=./.git', '--exclude=./result', '-c', '.'], {
      encoding: 'buffer',
      maxBuffer: maxInputBytes,
    });
    return stdout;
  }
  const { stdout } = await run('bash', ['-c', input.localCommand], { encoding: 'buffer', maxBuffer: maxInputBytes });
  return stdout;
}
