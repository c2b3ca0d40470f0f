// Outside React: the feed keeps phase rows and the last lines, and hands every event to the log.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RunEvent } from '../../../source/core/install/events.js';
import { InstallFeed } from '../../../source/ui/run/install-feed.js';
import { TailLines } from '../../../source/ui/run/tail-lines.js';

const output = (lines: string[], stream: 'stdout' | 'stderr' = 'stdout'): RunEvent => ({ type: 'output', id: 'install', stream, lines });

test('the tail keeps the newest lines in order, across batches of any length', () => {
  const tail = new TailLines(3);
  assert.deepEqual(tail.last(5), []);
  tail.push('stdout', ['1', '2']);
  tail.push('stderr', ['3']);
  tail.push('stdout', []);
  assert.deepEqual(tail.last(10), [
    { kind: 'stdout', text: '1' },
    { kind: 'stdout', text: '2' },
    { kind: 'stderr', text: '3' },
  ]);
  tail.push('stdout', ['4', '5']);
  assert.deepEqual(
    tail.last(3).map((line) => line.text),
    ['3', '4', '5'],
  );
  tail.push('note', ['6', '7', '8', '9', '10']);
  assert.deepEqual(
    tail.last(2).map((line) => `${line.kind} ${line.text}`),
    ['note 9', 'note 10'],
  );
  assert.throws(() => new TailLines(0), RangeError);
});

test('phase rows follow the events; the tail keeps commands and output; every event reaches the log', () => {
  const logged: RunEvent[] = [];
  let now = 1000;
  const feed = new InstallFeed(
    [
      { id: 'partition', title: 'Partition' },
      { id: 'format', title: 'Format' },
      { id: 'install', title: 'Install' },
    ],
    { event: (event) => logged.push(event) },
    4,
    () => now,
  );
  const events: RunEvent[] = [
    { type: 'run-start', phases: [] },
    { type: 'phase-skip', id: 'partition', title: 'Partition', reason: 'done earlier' },
    { type: 'phase-start', id: 'format', title: 'Format', index: 1, total: 3 },
    { type: 'command', id: 'format', command: '$ mkfs.ext4 /dev/vda2' },
    { type: 'output', id: 'format', stream: 'stdout', lines: Array.from({ length: 7 }, (_, i) => `line ${i + 1}`) },
    { type: 'output', id: 'format', stream: 'stdout', lines: ['line 8', 'line 9', 'line 10'] },
  ];
  events.forEach(feed.push);
  now = 3500;
  let snapshot = feed.snapshot(3);
  assert.deepEqual(
    snapshot.rows.map((r) => r.status),
    ['skipped', 'running', 'pending'],
  );
  assert.equal(snapshot.rows[1]!.startedAt, 1000);
  assert.deepEqual(
    snapshot.tail.map((t) => t.text),
    ['line 8', 'line 9', 'line 10'],
  );
  assert.equal(snapshot.lines, 10);
  assert.equal(snapshot.finished, false);
  const version = snapshot.version;
  feed.push({ type: 'phase-done', id: 'format', elapsedMs: 2500 });
  feed.push({ type: 'phase-failed', id: 'install', message: 'Install failed', exitCode: 1, lastLines: ['boom'] });
  snapshot = feed.snapshot(4);
  assert.ok(snapshot.version > version);
  assert.deepEqual(
    snapshot.rows.map((r) => r.status),
    ['skipped', 'done', 'failed'],
  );
  assert.deepEqual(snapshot.failure, { id: 'install', message: 'Install failed', lastLines: ['boom'] });
  assert.equal(snapshot.finished, true);
  assert.equal(logged.length, events.length + 2, 'the log sees every event, output included');
});

test('200k lines in chunks cost a push per chunk, well under a second', () => {
  const feed = new InstallFeed([{ id: 'install', title: 'Install' }]);
  const chunks = Array.from({ length: 500 }, (_, c) => Array.from({ length: 400 }, (_, i) => `copying path ${c * 400 + i}`));
  const started = performance.now();
  for (const lines of chunks) feed.push(output(lines));
  const elapsedMs = performance.now() - started;
  assert.equal(feed.snapshot(1).tail[0]!.text, 'copying path 199999');
  assert.equal(feed.snapshot(0).lines, 200_000);
  assert.ok(elapsedMs < 1000, `${elapsedMs} ms`);
});

test('the tail is tail lines (kind and text), whatever the feed keeps inside', () => {
  const feed = new InstallFeed([{ id: 'install', title: 'Install' }], undefined, 3);
  feed.push({ type: 'command', id: 'install', command: '$ nixos-install' });
  feed.push(output(['copying path 1']));
  feed.push(output(['warning: x'], 'stderr'));
  feed.note('Stopping…');
  assert.deepEqual(feed.snapshot().tail, [
    { kind: 'stdout', text: 'copying path 1' },
    { kind: 'stderr', text: 'warning: x' },
    { kind: 'note', text: 'Stopping…' },
  ]);
});

test('the memory held for the screen is bounded: 100k lines of 1 KiB leave only the tail behind', async () => {
  const { setFlagsFromString } = await import('node:v8');
  const { runInNewContext } = await import('node:vm');
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const capacity = 256;
  const feed = new InstallFeed([{ id: 'install', title: 'Install' }], undefined, capacity);
  const pad = 'x'.repeat(1024);
  gc();
  const before = process.memoryUsage().heapUsed;
  // Each line its own string, 100 MiB in all, in chunks of 1 to 1000 lines.
  for (let i = 0, size = 1; i < 100_000; i += size, size = (size * 7) % 1000 || 1) {
    feed.push(output(Array.from({ length: Math.min(size, 100_000 - i) }, (_, j) => `${i + j} ${pad}`.slice(0, 1030))));
  }
  gc();
  const grownMiB = (process.memoryUsage().heapUsed - before) / 2 ** 20;
  assert.ok(grownMiB < 5, `the heap grew by ${grownMiB.toFixed(1)} MiB`);
  const snapshot = feed.snapshot(1000);
  assert.equal(snapshot.tail.length, capacity);
  assert.equal(snapshot.lines, 100_000);
  assert.ok(snapshot.tail.at(-1)!.text.startsWith('99999 '));
});
