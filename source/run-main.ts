import { ExitCode, isBootstrapError } from './core/exit-codes.js';
import { printableLines } from './core/logs/printable.js';

/** The one exit point of every command: maps errors to one-line messages and exit codes. */
export async function runMain(command: () => Promise<number>): Promise<void> {
  try {
    process.exitCode = await command();
  } catch (error) {
    if (isBootstrapError(error)) {
      // Messages may quote what a host sent (a probe's last line, a server's reason).
      process.stderr.write(`nixos-bootstrap: ${printableLines(error.message)}\n`);
      if (error.hint) process.stderr.write(`  ${printableLines(error.hint)}\n`);
      process.exitCode = error.exitCode;
    } else {
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
      process.stderr.write(`nixos-bootstrap: unexpected error: ${message}\n`);
      process.exitCode = ExitCode.phaseFailed;
    }
  }
}
