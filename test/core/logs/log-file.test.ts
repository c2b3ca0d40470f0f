import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunEvent } from '../../../source/core/install/events.js';
import { LogFile, formatEventForLog } from '../../../source/core/logs/log-file.js';

const work = mkdtempSync(join(tmpdir(), 'nb-log-file-'));
after(() => rmSync(work, { recursive: true, force: true }));
let files = 0;
const scratchLog = () => join(work, `run${++files}.log`);

const stamped = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z) (.*)$/;
const logLines = (path: string) => readFileSync(path, 'utf8').replace(/\n$/, '').split('\n');

/** What the log shows of an event after the stamp: output is one line per line, under its mark. */
const logged = (event: RunEvent): string[] =>
  event.type === 'output' ? event.lines.map((line) => `  ${event.stream === 'stderr' ? '!' : '|'} ${line}`) : [formatEventForLog(event)];

test('every event is a stamped line, each output line under its stream’s mark, in the order they came; mode 0600', () => {
  const path = scratchLog();
  const log = new LogFile(path);
  const events: RunEvent[] = [
    { type: 'run-start', phases: [{ id: 'install', title: 'Install NixOS' }] },
    { type: 'phase-start', id: 'install', title: 'Install NixOS', index: 0, total: 1 },
    { type: 'command', id: 'install', command: '$ nixos-install --no-root-passwd' },
    { type: 'output', id: 'install', stream: 'stdout', lines: ['copying path 1', 'copying path 2'] },
    { type: 'output', id: 'install', stream: 'stderr', lines: ['warning: something'] },
    { type: 'output', id: 'install', stream: 'stdout', lines: ['', 'copying path 3'] },
    { type: 'phase-done', id: 'install', elapsedMs: 1234 },
    { type: 'run-done', elapsedMs: 1300 },
  ];
  for (const event of events) log.event(event);
  log.line('a line of its own');
  log.close();
  const lines = logLines(path);
  assert.deepEqual(
    lines.map((line) => stamped.exec(line)?.[2]),
    [...events.flatMap(logged), 'a line of its own'],
  );
  assert.equal(lines.length, 11, 'one line per output line and per other event');
  assert.equal(lines[3], `${stamped.exec(lines[3]!)![1]}   | copying path 1`);
  assert.equal(lines[5], `${stamped.exec(lines[5]!)![1]}   ! warning: something`);
  assert.equal(statSync(path).mode & 0o777, 0o600);
});

test('the lines of one chunk of output share one clock reading; a later chunk reads it again', async () => {
  const path = scratchLog();
  const log = new LogFile(path);
  log.event({ type: 'output', id: 'install', stream: 'stdout', lines: ['first of the chunk', 'last of the chunk'] });
  await new Promise((resolve) => setTimeout(resolve, 5));
  log.event({ type: 'output', id: 'install', stream: 'stdout', lines: ['next chunk'] });
  log.close();
  const stamps = logLines(path).map((line) => stamped.exec(line)![1]!);
  assert.equal(stamps[0], stamps[1], 'one chunk, one stamp');
  assert.ok(Date.parse(stamps[2]!) > Date.parse(stamps[1]!), 'a later chunk is stamped later');
});

test('a flood is written while it goes on, in bounded pieces, and completely on close', () => {
  const path = scratchLog();
  const log = new LogFile(path);
  const flushChars = 64 * 1024;
  let written = 0;
  // In chunks of 100 lines; every tenth chunk is stderr.
  for (let chunk = 0; chunk < 1000; chunk++) {
    const lines = Array.from({ length: 100 }, (_, i) => `copying path ${chunk * 100 + i}`);
    log.event({ type: 'output', id: 'install', stream: chunk % 10 === 0 ? 'stderr' : 'stdout', lines });
    written += lines.reduce((sum, line) => sum + 28 + line.length, 0);
    if (chunk % 100 === 99) assert.ok(written - statSync(path).size < flushChars + 100 * 50, `${written - statSync(path).size} characters held back`);
  }
  log.close();
  const lines = logLines(path);
  assert.equal(lines.length, 100_000);
  assert.ok(lines.every((line, i) => line.endsWith(`${Math.floor(i / 100) % 10 === 0 ? '!' : '|'} copying path ${i}`)));
});
