// NeighbourShell with a fake `ip` on PATH: every read answered, in order, by one shell.
import { afterEach, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NeighbourShell } from '../../../source/core/discovery/neighbour-shell.js';
import { installFakeCommands, type FakeCommands } from './fake-commands.js';

let fake: FakeCommands;
beforeEach(() => (fake = installFakeCommands()));
afterEach(() => fake.restore());

const entry = (iface: string, mac: string) => ({ dst: 'fe80::47', dev: iface, lladdr: mac, state: ['REACHABLE'] });

test('reads are answered in order, each with the table as it was then, all by one shell', async () => {
  const shell = new NeighbourShell();
  try {
    writeFileSync(join(fake.dir, 'neigh.json'), JSON.stringify([entry('inst1', '52:54:00:47:00:01')]));
    const [a, b] = await Promise.all([shell.read(), shell.read()]);
    assert.deepEqual(
      a.map((n) => `${n.address}%${n.interface} ${n.mac}`),
      ['fe80::47%inst1 52:54:00:47:00:01'],
    );
    assert.deepEqual(b, a);
    writeFileSync(join(fake.dir, 'neigh.json'), JSON.stringify([entry('inst1', '52:54:00:47:00:01'), entry('inst2', '52:54:00:47:00:02')]));
    assert.equal((await shell.read()).length, 2);
    const parents = new Set(readFileSync(join(fake.dir, 'ip-parents'), 'utf8').trim().split('\n'));
    assert.equal(parents.size, 1);
  } finally {
    shell.close();
  }
});

test('what ip says instead of a table fails that read, not the next', async () => {
  const shell = new NeighbourShell();
  try {
    writeFileSync(join(fake.dir, 'neigh.json'), 'Cannot open netlink socket: Permission denied');
    await assert.rejects(shell.read(), /ip -j neigh show: Cannot open netlink socket/);
    writeFileSync(join(fake.dir, 'neigh.json'), '[]');
    assert.deepEqual(await shell.read(), []);
  } finally {
    shell.close();
  }
});

test('close() fails what is pending and every later read', async () => {
  const shell = new NeighbourShell();
  const pending = shell.read();
  shell.close();
  await assert.rejects(pending, /closed/);
  await assert.rejects(shell.read(), /closed/);
});
