import { usageError } from '../core/exit-codes.js';

export async function main(_argv: string[]): Promise<number> {
  throw usageError('not implemented yet');
}
