// Outside React: the feed keeps phase rows and the last lines, and hands every event to the log.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RunEvent } from '../../../source/core/install/events.js';
import { InstallFeed } from '../../../source/ui/run/install-feed.js';
import { RingBuffer } from '../../../source/ui/run/ring-buffer.js';

test('the ring buffer keeps the newest items in order, counts all of them', () => {
  const ring = new RingBuffer<number>(3);
  assert.deepEqual(ring.last(5), []);
  for (let i = 1; i <= 7; i++) ring.push(i);
  assert.deepEqual(ring.last(3), [5, 6, 7]);
  assert.deepEqual(ring.last(2), [6, 7]);
  assert.deepEqual(ring.last(10), [5, 6, 7]);
  assert.equal(ring.total, 7);
  assert.throws(() => new RingBuffer(0), RangeError);
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
    ...Array.from({ length: 10 }, (_, i): RunEvent => ({ type: 'output', id: 'format', stream: 'stdout', line: `line ${i + 1}` })),
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
  assert.equal(logged.length, events.length + 2, 'the log sees every event, including each output line');
});

test('200k lines cost a push each: no per-line allocation beyond the ring, well under a second', () => {
  const feed = new InstallFeed([{ id: 'install', title: 'Install' }]);
  const started = performance.now();
  for (let i = 0; i < 200_000; i++) feed.push({ type: 'output', id: 'install', stream: 'stdout', line: `copying path ${i}` });
  const elapsedMs = performance.now() - started;
  assert.equal(feed.snapshot(1).tail[0]!.text, 'copying path 199999');
  assert.equal(feed.snapshot(0).lines, 200_000);
  assert.ok(elapsedMs < 1000, `${elapsedMs} ms`);
});

test('the tail is tail lines (kind and text), whatever the feed keeps inside', () => {
  const feed = new InstallFeed([{ id: 'install', title: 'Install' }], undefined, 3);
  feed.push({ type: 'command', id: 'install', command: '$ nixos-install' });
  feed.push({ type: 'output', id: 'install', stream: 'stdout', line: 'copying path 1' });
  feed.push({ type: 'output', id: 'install', stream: 'stderr', line: 'warning: x' });
  feed.note('Stopping…');
  assert.deepEqual(feed.snapshot().tail, [
    { kind: 'stdout', text: 'copying path 1' },
    { kind: 'stderr', text: 'warning: x' },
    { kind: 'note', text: 'Stopping…' },
  ]);
});

test('the memory held for the screen is bounded: 100k lines of 1 KiB leave only the ring behind', async () => {
  const { setFlagsFromString } = await import('node:v8');
  const { runInNewContext } = await import('node:vm');
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const capacity = 256;
  const feed = new InstallFeed([{ id: 'install', title: 'Install' }], undefined, capacity);
  const pad = 'x'.repeat(1024);
  gc();
  const before = process.memoryUsage().heapUsed;
  // Each line its own string (as output lines are), 100 MiB in all.
  for (let i = 0; i < 100_000; i++) feed.push({ type: 'output', id: 'install', stream: 'stdout', line: `${i} ${pad}`.slice(0, 1030) });
  gc();
  const grownMiB = (process.memoryUsage().heapUsed - before) / 2 ** 20;
  assert.ok(grownMiB < 5, `the heap grew by ${grownMiB.toFixed(1)} MiB`);
  const snapshot = feed.snapshot(1000);
  assert.equal(snapshot.tail.length, capacity);
  assert.equal(snapshot.lines, 100_000);
  assert.ok(snapshot.tail.at(-1)!.text.startsWith('99999 '));
});
