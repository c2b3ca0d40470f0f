// The lab (simulated installers for tests and the demo) is built beside dist/, into lab-dist/,
// and is not in the published package: a user installing the tool gets no qemu/netns code.
import { usageError } from './core/exit-codes.js';

/** Resolved at run time, so the bundler leaves the lab out of dist/. */
const labCommandUrl = new URL('../lab-dist/lab-command.js', import.meta.url).href;

export async function loadLabCommand(): Promise<{ main: (argv: string[]) => Promise<number> }> {
  try {
    return (await import(labCommandUrl)) as { main: (argv: string[]) => Promise<number> };
  } catch (error) {
    // Only the lab's own entry missing means an installed package; anything else is a real error.
    const missing = (error as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' && String((error as Error).message).includes('lab-dist/lab-command.js');
    if (!missing) throw error;
    throw usageError(
      'the lab is not part of the installed package',
      'it runs from a clone of the repository: git clone …, npm ci, npm run build, then node dist/cli.js lab up',
    );
  }
}
