import { readFileSync } from 'node:fs';

/** A recorded (or hand-written, see test/fixtures/probe/README.md) probe output. */
export const probeFixture = (name: string) => readFileSync(new URL(`../../fixtures/probe/${name}.txt`, import.meta.url), 'utf8');
