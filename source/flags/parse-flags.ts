import { parseArgs, type ParseArgsConfig } from 'node:util';
import { usageError } from '../core/exit-codes.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/** Strict flag parsing: an unknown flag or a missing value is a usage error (exit 2). */
export function parseFlags<O extends Options>(argv: string[], options: O, help: string) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: true });
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw usageError(message ?? 'bad arguments', `see --help:\n${help}`);
  }
}
