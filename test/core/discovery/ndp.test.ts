import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { NeighbourTable, isLiveNeighbour, parseNeighJson, parsePingReply, type Neighbour } from '../../../source/core/discovery/ndp.js';

const fixture = (name: string) => readFileSync(new URL(`fixtures/${name}`, import.meta.url), 'utf8');

test('parsePingReply reads reply sources from recorded `ping -6 -n ff02::1%inst2` output', () => {
  const replies = fixture('ping-all-nodes.txt').split('\n').map(parsePingReply).filter(Boolean);
  // The installer answers from its EUI-64 address, never from fe80::47; the laptop answers itself.
  assert.deepEqual(replies, [
    { address: 'fe80::7816:2bff:fe33:3f0c', zone: 'inst2' },
    { address: 'fe80::5054:ff:fe47:2', zone: 'inst2' },
    { address: 'fe80::7816:2bff:fe33:3f0c', zone: 'inst2' },
  ]);
});

test('parsePingReply ignores headers and summaries, accepts DUP! lines and unzoned sources', () => {
  assert.equal(parsePingReply('PING ff02::1%inst2(ff02::1%inst2) 56 data bytes'), undefined);
  assert.equal(parsePingReply('2 packets transmitted, 2 received, +1 duplicates, 0% packet loss, time 204ms'), undefined);
  assert.deepEqual(parsePingReply('64 bytes from fe80::5054:ff:fe47:2%inst2: icmp_seq=2 ttl=64 time=0.052 ms (DUP!)'), {
    address: 'fe80::5054:ff:fe47:2',
    zone: 'inst2',
  });
  assert.deepEqual(parsePingReply('64 bytes from 2001:DB8::0001: icmp_seq=1 ttl=64 time=0.1 ms'), { address: '2001:db8::1' });
});

test('parseNeighJson reads a recorded lab neighbour table (IPv4 and IPv6 entries)', () => {
  const neighbours = parseNeighJson(fixture('ip-neigh.json'));
  assert.equal(neighbours.length, 5);
  assert.deepEqual(neighbours[1], { address: 'fe80::47', interface: 'inst2', mac: '52:54:00:47:00:02', state: ['REACHABLE'], router: false });
  assert.deepEqual(
    neighbours.filter(isLiveNeighbour).map((n) => `${n.address}%${n.interface}`),
    ['fe80::47%inst2', 'fe80::5054:ff:fe47:1%inst1', 'fe80::47%inst1', 'fe80::5054:ff:fe47:2%inst2'],
  );
});

test('only link-local neighbours with a known MAC are worth probing; failed and incomplete entries are not', () => {
  const neighbours = parseNeighJson(fixture('ip-neigh-laptop.json'));
  assert.equal(neighbours.find((n) => n.address === 'fe80::1')?.router, true);
  assert.deepEqual(
    neighbours.filter(isLiveNeighbour).map((n) => `${n.address}%${n.interface}`),
    ['fe80::1%wlp2s0', 'fe80::47%wlp2s0'],
  );
  assert.deepEqual(parseNeighJson(''), []);
});

test('NeighbourTable shares one read between concurrent lookups and rereads for later connections', async () => {
  let reads = 0;
  let table: Neighbour[] = [];
  const neighbours = new NeighbourTable(async () => {
    reads += 1;
    await new Promise((resolve) => setTimeout(resolve, 5));
    return table;
  });
  table = [{ address: 'fe80::47', interface: 'inst1', mac: '52:54:00:47:00:01', state: ['REACHABLE'], router: false }];
  const since = performance.now();
  const [a, b] = await Promise.all([neighbours.macOf('fe80::47', 'inst1', since), neighbours.macOf('fe80::47', 'inst2', since)]);
  assert.equal(a, '52:54:00:47:00:01');
  assert.equal(b, undefined);
  assert.equal(reads, 1);
  // Known entries are answered from the last read; a connection made after it triggers a new one.
  assert.equal(await neighbours.macOf('FE80::0047', 'inst1', performance.now()), '52:54:00:47:00:01');
  assert.equal(reads, 1);
  table = [...table, { address: 'fe80::47', interface: 'inst2', mac: '52:54:00:47:00:02', state: ['REACHABLE'], router: false }];
  assert.equal(await neighbours.macOf('fe80::47', 'inst2', performance.now()), '52:54:00:47:00:02');
  assert.equal(reads, 2);
});
