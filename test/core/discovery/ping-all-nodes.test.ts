// pingAllNodes with a fake `ping` on PATH: one spawn for every link, replies told apart by zone.
import { afterEach, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pingAllNodes } from '../../../source/core/discovery/ndp.js';
import { installFakeCommands, type FakeCommands } from './fake-commands.js';

let fake: FakeCommands;
beforeEach(() => (fake = installFakeCommands()));
afterEach(() => fake.restore());

const options = (onReply: (address: string, iface: string) => void, signal = new AbortController().signal) => ({
  signal,
  durationMs: 1000,
  intervalMs: 1000,
  onReply,
});

test('one call pings every link; each reply comes with the link it came from', async () => {
  const replies: string[] = [];
  await pingAllNodes(
    ['inst1', 'inst2', 'inst3'],
    options((address, iface) => replies.push(`${address}%${iface}`)),
  );
  assert.deepEqual(replies.sort(), ['fe80::5054:ff:fe47:1%inst1', 'fe80::5054:ff:fe47:1%inst2', 'fe80::5054:ff:fe47:1%inst3']);
});

test('a link whose ping fails is reported, the others still answer', async () => {
  const replies: string[] = [];
  const error = await pingAllNodes(
    ['inst1', 'bad0'],
    options((_address, iface) => replies.push(iface)),
  ).then(
    () => assert.fail('expected a failure'),
    (e: Error) => e,
  );
  assert.match(error.message, /ping ff02::1%bad0: exit 2/);
  assert.match(error.message, /Network is down/);
  assert.deepEqual(replies.sort(), ['bad0', 'inst1']);
});

test('a missing ping rejects with ENOENT', async () => {
  // A PATH with a shell but no ping.
  const bin = mkdtempSync(join(tmpdir(), 'nb-no-ping-'));
  symlinkSync('/bin/sh', join(bin, 'sh'));
  process.env.PATH = bin;
  const error = await pingAllNodes(
    ['inst1'],
    options(() => {}),
  ).then(
    () => assert.fail('expected a failure'),
    (e: NodeJS.ErrnoException) => e,
  );
  assert.equal(error.code, 'ENOENT');
  rmSync(bin, { recursive: true });
});

test('aborting stops every ping it started', async () => {
  const controller = new AbortController();
  const replies: string[] = [];
  const done = pingAllNodes(
    ['slow1', 'slow2'],
    options((_address, iface) => {
      replies.push(iface);
      if (replies.length === 2) setTimeout(() => controller.abort(), 50);
    }, controller.signal),
  );
  const started = performance.now();
  await done;
  assert.ok(performance.now() - started < 5000);
  const pidsFile = join(fake.dir, 'ping-pids');
  assert.ok(existsSync(pidsFile));
  const pids = readFileSync(pidsFile, 'utf8').trim().split('\n').map(Number);
  assert.equal(pids.length, 2);
  // Gone, and not left a zombie either.
  const alive = (pid: number) => existsSync(`/proc/${pid}`);
  for (let i = 0; i < 50 && pids.some(alive); i += 1) await new Promise((resolve) => setTimeout(resolve, 20));
  assert.deepEqual(pids.filter(alive), []);
});
