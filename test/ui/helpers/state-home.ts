import { after, before } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A scratch directory for one test file, with XDG_STATE_HOME (logs, journals) inside it while the
 * file's tests run, so no run writes into the user's real state; restored and removed after. */
export function scratchStateHome(prefix: string): string {
  const work = mkdtempSync(join(tmpdir(), prefix));
  const previous = process.env.XDG_STATE_HOME;
  before(() => {
    process.env.XDG_STATE_HOME = join(work, 'state');
  });
  after(() => {
    if (previous === undefined) delete process.env.XDG_STATE_HOME;
    else process.env.XDG_STATE_HOME = previous;
    rmSync(work, { recursive: true, force: true });
  });
  return work;
}
