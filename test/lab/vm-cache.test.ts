// The VM cache's write discipline: artefacts appear whole or not at all, and what killed runs
// left behind is swept without touching the files of runs still going.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { produceAtomic, sweepStaleTemps, writeFileAtomic } from '../../source/lab/vm/atomic-files.js';

async function deadPid(): Promise<number> {
  const child = execa('true');
  await child;
  return child.pid!;
}

test('produceAtomic: a failed build leaves neither the artefact nor its temp file', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'nbv-cache-'));
  try {
    const target = join(dir, 'base.cpio');
    await assert.rejects(
      produceAtomic(target, async (temp) => {
        await writeFile(temp, 'half an archive');
        throw new Error('interrupted');
      }),
      /interrupted/,
    );
    assert.deepEqual(await readdir(dir), []);
    await produceAtomic(target, (temp) => writeFile(temp, 'whole'));
    await writeFileAtomic(join(dir, 'memo.json'), '{}');
    assert.deepEqual((await readdir(dir)).sort(), ['base.cpio', 'memo.json']);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('sweepStaleTemps removes temp files and scratch dirs of dead runs only', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'nbv-cache-'));
  try {
    const dead = await deadPid();
    const stale = [`base-x.cpio.tmp-${dead}-0a1b2c3d`, `.base-${dead}-Ab12Cd`];
    const kept = [`vmlinux.tmp-${process.pid}-00ff00ff`, '.kernel-1-Xy12Zz', 'base-x.cpio', 'kernel-6.1.0-56-amd64'];
    for (const name of [...stale, ...kept]) {
      if (name.startsWith('.') || name.startsWith('kernel-')) await mkdir(join(dir, name));
      else await writeFile(join(dir, name), '');
    }
    await writeFile(join(dir, `.base-${dead}-Ab12Cd`, 'big-file'), 'x');
    await sweepStaleTemps(dir);
    assert.deepEqual((await readdir(dir)).sort(), [...kept].sort());
    assert.ok(!existsSync(join(dir, `.base-${dead}-Ab12Cd`)));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
