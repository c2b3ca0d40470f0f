// A target for engine tests: every command is answered from a script, and recorded.
import type { ExecOptions, ExecResult, Session } from '../../../../source/core/ssh/types.js';

/** A target that answers every command from a script; it records what it was asked. */
export class ScriptedSession implements Session {
  readonly target = { host: '192.0.2.7', port: 22, user: 'root' };
  readonly fingerprint = `SHA256:start-test-${Math.random()}`;
  readonly commands: string[] = [];
  constructor(private readonly answer: (command: string, options: ExecOptions) => Promise<Partial<ExecResult>> | Partial<ExecResult> = () => ({})) {}
  async exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    this.commands.push(command);
    const result = { code: 0, stdout: '', stderr: '', ...(await this.answer(command, options)) };
    const out = result.stdout.split('\n').filter(Boolean);
    const err = result.stderr.split('\n').filter(Boolean);
    if (out.length > 0) options.onLines?.('stdout', out);
    if (err.length > 0) options.onLines?.('stderr', err);
    return result;
  }
  async close(): Promise<void> {}
}
