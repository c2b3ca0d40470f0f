import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import makeMdns from 'multicast-dns';
import * as dnsPacket from 'dns-packet';
import type { Answer, Packet } from 'dns-packet';
import { addressRecords, isWantedName, macFromInstance, normalizeHostName, maxNames, watchLink, type MdnsHost } from '../../../source/core/discovery/mdns.js';

const wanted = ['bootstrap.local', 'nixos.local', 'nixos-installer.local'];

// As avahi 0.8 answered our one-shot query in the lab (answers of one legacy-unicast response).
const installerAnswer: Answer[] = [
  { name: '_ssh._tcp.local', type: 'PTR', ttl: 10, data: 'nixos._ssh._tcp.local' },
  { name: 'nixos._ssh._tcp.local', type: 'TXT', ttl: 10, data: [Buffer.alloc(0)] },
  { name: 'nixos._ssh._tcp.local', type: 'SRV', ttl: 10, data: { priority: 0, weight: 0, port: 22, target: 'nixos.local' } },
  { name: 'nixos.local', type: 'A', ttl: 10, data: '10.47.2.2' },
  { name: 'nixos.local', type: 'AAAA', ttl: 10, data: 'fe80::47' },
  { name: 'nixos.local', type: 'AAAA', ttl: 10, data: 'FE80::5054:ff:fe47:2' },
];

async function bound(): Promise<Socket> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind({ port: 0, address: '127.0.0.1' }, resolve));
  return socket;
}

async function until(what: string, condition: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    assert.ok(performance.now() < deadline, `timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

interface Exchange {
  hosts: MdnsHost[];
  errors: Error[];
  /** Every packet our side sent, decoded. */
  sent: Packet[];
  responses: number;
  /** The responder's socket (a peer on the "link"). */
  peer: Socket;
  ours: RemoteInfo | undefined;
  stop: () => Promise<void>;
}

/**
 * Runs watchLink over a real multicast-dns instance on a real UDP socket, on loopback only:
 * its queries go to a responder socket standing in for the link's avahi, which answers query
 * number n with `reply(query, n)` (nothing when undefined), as a legacy-unicast response.
 */
async function exchange(reply: (query: Packet, n: number) => { answers?: Answer[]; additionals?: Answer[] } | undefined): Promise<Exchange> {
  const peer = await bound();
  const socket = await bound();
  const mdns = makeMdns({ type: 'udp4', ip: '127.0.0.1', port: peer.address().port, socket, bind: false, multicast: false });
  const controller = new AbortController();
  const run: Exchange = { hosts: [], errors: [], sent: [], responses: 0, peer, ours: undefined, stop: async () => {} };
  peer.on('message', (message, rinfo) => {
    const query = dnsPacket.decode(message);
    run.sent.push(query);
    run.ours = rinfo;
    const records = reply(query, run.sent.length);
    if (!records || query.type !== 'query') return;
    const response = dnsPacket.encode({
      type: 'response',
      id: query.id ?? 0,
      flags: dnsPacket.AUTHORITATIVE_ANSWER,
      questions: query.questions ?? [],
      ...records,
    });
    peer.send(response, rinfo.port, rinfo.address);
  });
  const closed = new Promise<void>((resolve) => socket.once('close', resolve));
  watchLink(mdns, {
    iface: 'eth7',
    names: wanted,
    signal: controller.signal,
    onHost: (host) => run.hosts.push(host),
    onError: (error) => run.errors.push(error),
    onResponse: () => (run.responses += 1),
  });
  run.stop = async () => {
    controller.abort();
    await closed;
    peer.close();
  };
  return run;
}

test('one one-shot query asks the names (AAAA, A) and browses _ssh._tcp and _workstation._tcp', async () => {
  const run = await exchange(() => undefined);
  await until('the first query', () => run.sent.length >= 1);
  await run.stop();
  const [first] = run.sent;
  assert.equal(first!.type, 'query');
  assert.deepEqual(
    first!.questions!.map((q) => `${q.type} ${q.name}`),
    [...wanted.flatMap((name) => [`AAAA ${name}`, `A ${name}`]), 'PTR _ssh._tcp.local', 'PTR _workstation._tcp.local'],
  );
  assert.notEqual(run.ours!.port, 5353, 'sent from an ephemeral port (one-shot query: answered by unicast, at once)');
  assert.deepEqual(run.errors, []);
});

test('browse: a recorded PTR/SRV/TXT/AAAA response becomes a renamed twin heard on the link (its zone), with its SSH port', async () => {
  // As a multicast-style response: the PTR answers, the rest in additionals.
  const run = await exchange((_, n) =>
    n === 1
      ? {
          answers: [{ name: '_ssh._tcp.local', type: 'PTR', ttl: 10, data: 'bootstrap #2._ssh._tcp.local' }],
          additionals: [
            { name: 'bootstrap #2._ssh._tcp.local', type: 'TXT', ttl: 10, data: [Buffer.from('path=/')] },
            { name: 'bootstrap #2._ssh._tcp.local', type: 'SRV', ttl: 10, data: { priority: 0, weight: 0, port: 2222, target: 'bootstrap-2.local' } },
            { name: 'bootstrap-2.local', type: 'AAAA', ttl: 10, data: 'FE80::5054:ff:fe47:2' },
          ],
        }
      : undefined,
  );
  await until('the twin', () => run.hosts.length >= 1);
  await run.stop();
  assert.deepEqual(run.hosts, [{ name: 'bootstrap-2.local', interface: 'eth7', addresses: ['fe80::5054:ff:fe47:2'], sshPort: 2222 }]);
});

test('one response gives the host once, with all its addresses (normalized) and its SSH port, however often it is repeated', async () => {
  const run = await exchange(() => ({ answers: installerAnswer }));
  // The repeat (250 ms later) was answered the same way: nothing new to report.
  await until('the answer to the repeated query', () => run.responses >= 2);
  await run.stop();
  assert.deepEqual(run.hosts, [{ name: 'nixos.local', interface: 'eth7', addresses: ['10.47.2.2', 'fe80::47', 'fe80::5054:ff:fe47:2'], sshPort: 22 }]);
  assert.ok(
    run.sent[1]!.questions!.some((q) => q.type === 'PTR' && q.name === '_ssh._tcp.local'),
    'the repeat browses again',
  );
});

test('_workstation._tcp instance names give the MAC, merged with the SSH port from the same response', async () => {
  const run = await exchange((_, n) =>
    n === 1
      ? {
          answers: [
            { name: '_workstation._tcp.local', type: 'PTR', ttl: 10, data: 'bootstrap [52:54:00:47:00:01]._workstation._tcp.local' },
            {
              name: 'bootstrap [52:54:00:47:00:01]._workstation._tcp.local',
              type: 'SRV',
              ttl: 10,
              data: { priority: 0, weight: 0, port: 9, target: 'bootstrap.local' },
            },
            { name: '_ssh._tcp.local', type: 'PTR', ttl: 10, data: 'bootstrap._ssh._tcp.local' },
            { name: 'bootstrap._ssh._tcp.local', type: 'SRV', ttl: 10, data: { priority: 0, weight: 0, port: 22, target: 'bootstrap.local' } },
            { name: 'bootstrap.local', type: 'AAAA', ttl: 10, data: 'fe80::47' },
          ],
        }
      : undefined,
  );
  await until('the installer', () => run.hosts.length >= 1);
  await run.stop();
  assert.deepEqual(run.hosts, [{ name: 'bootstrap.local', interface: 'eth7', addresses: ['fe80::47'], sshPort: 22, mac: '52:54:00:47:00:01' }]);
});

test('a service whose host has no address in the response is asked for by name, and keeps its port', async () => {
  const run = await exchange((query) => {
    const asks = (name: string) => query.questions!.some((q) => q.name === name && q.type === 'AAAA');
    if (asks('nixos-installer-3.local')) return { answers: [{ name: 'nixos-installer-3.local', type: 'AAAA', ttl: 10, data: 'fe80::5054:ff:fe47:3' }] };
    return {
      answers: [
        { name: '_ssh._tcp.local', type: 'PTR', ttl: 10, data: 'nixos-installer-3._ssh._tcp.local' },
        { name: 'nixos-installer-3._ssh._tcp.local', type: 'SRV', ttl: 10, data: { priority: 0, weight: 0, port: 2200, target: 'nixos-installer-3.local' } },
      ],
    };
  });
  await until('the host, by name', () => run.hosts.length >= 1);
  await run.stop();
  assert.deepEqual(
    run.sent[1]!.questions!.map((q) => `${q.type} ${q.name}`),
    ['AAAA nixos-installer-3.local', 'A nixos-installer-3.local'],
  );
  assert.deepEqual(run.hosts, [{ name: 'nixos-installer-3.local', interface: 'eth7', addresses: ['fe80::5054:ff:fe47:3'], sshPort: 2200 }]);
});

test('other SSH hosts on the LAN (a NAS, a desktop) are not installers', async () => {
  const run = await exchange(() => ({
    answers: [
      { name: '_ssh._tcp.local', type: 'PTR', ttl: 10, data: 'nas._ssh._tcp.local' },
      { name: 'nas._ssh._tcp.local', type: 'SRV', ttl: 10, data: { priority: 0, weight: 0, port: 22, target: 'nas.local' } },
      { name: 'nas.local', type: 'A', ttl: 10, data: '192.168.1.5' },
      { name: 'bootstrapper.local', type: 'A', ttl: 10, data: '192.168.1.6' },
    ],
  }));
  await until('the response', () => run.responses >= 1);
  await run.stop();
  assert.deepEqual(run.hosts, []);
  assert.equal(run.sent.length, 1, 'nas.local is not asked for');
});

test('browse only: queries from the LAN get no answer, and only queries ever leave', async () => {
  const run = await exchange(() => undefined);
  await until('the first query', () => run.sent.length >= 1);
  // A peer asks us what a responder would answer: our services, our names.
  const ask = dnsPacket.encode({
    type: 'query',
    id: 0,
    questions: [
      { name: '_ssh._tcp.local', type: 'PTR' },
      { name: '_services._dns-sd._udp.local', type: 'PTR' },
      { name: 'bootstrap.local', type: 'AAAA' },
      { name: 'bootstrap.local', type: 'A' },
    ],
  });
  run.peer.send(ask, run.ours!.port, run.ours!.address);
  // An answer would leave at once; the repeat 250 ms after the first query comes well after it.
  await until('the repeated query', () => run.sent.length >= 2);
  await run.stop();
  assert.deepEqual(
    run.sent.map((p) => p.type),
    ['query', 'query'],
  );
});

test('abort ends it cleanly: browsers stopped, socket closed, no timer left behind', async () => {
  const resources = () =>
    process
      .getActiveResourcesInfo()
      .filter((r) => r === 'Timeout' || r === 'UDPWRAP')
      .sort()
      .join(',');
  const before = resources();
  const run = await exchange(() => ({ answers: installerAnswer }));
  await until('the answer', () => run.hosts.length >= 1);
  await run.stop();
  const sent = run.sent.length;
  assert.equal(resources(), before);
  assert.equal(run.sent.length, sent);
});

test('addressRecords: A/AAAA of the names asked for and their twins, normalized, nothing else', () => {
  const records: Answer[] = [
    ...installerAnswer,
    { name: 'Bootstrap-2.local', type: 'AAAA', ttl: 10, data: 'FE80::5054:FF:FE47:9' },
    { name: 'laptop.local', type: 'A', ttl: 10, data: '10.0.0.9' },
  ];
  assert.deepEqual(
    [...addressRecords(records, wanted)],
    [
      ['nixos.local', ['10.47.2.2', 'fe80::47', 'fe80::5054:ff:fe47:2']],
      ['bootstrap-2.local', ['fe80::5054:ff:fe47:9']],
    ],
  );
});

test('macFromInstance reads avahi workstation instance names', () => {
  assert.equal(macFromInstance('bootstrap [52:54:00:47:00:01]._workstation._tcp.local'), '52:54:00:47:00:01');
  assert.equal(macFromInstance('Box [AA:BB:CC:DD:EE:FF]'), 'aa:bb:cc:dd:ee:ff');
  assert.equal(macFromInstance('bootstrap._workstation._tcp.local'), undefined);
  assert.equal(macFromInstance('bootstrap [52:54:00:47:00]'), undefined);
});

test('isWantedName: the names asked for and their -N twins, case-insensitive, nothing else', () => {
  for (const name of ['bootstrap.local', 'Bootstrap-2.local.', 'nixos-installer-12.local', 'NIXOS.local']) assert.ok(isWantedName(name, wanted), name);
  for (const name of ['bootstrap2.local', 'bootstrap-x.local', 'nixos-installer.lan', 'laptop.local', 'bootstrap.local.evil'])
    assert.ok(!isWantedName(name, wanted), name);
  assert.ok(isWantedName('my.installer-3.local', ['my.installer.local']) === false, 'the dot in a custom name is literal');
  assert.ok(isWantedName('myhost-3.local', ['myhost']));
});

test('normalizeHostName adds .local to bare names and drops the root dot', () => {
  assert.equal(normalizeHostName('Bootstrap'), 'bootstrap.local');
  assert.equal(normalizeHostName('nixos.local.'), 'nixos.local');
  assert.equal(normalizeHostName('host.example'), 'host.example');
});

test('a host advertising endless twins (bootstrap-N.local) cannot grow the names asked past the cap', async () => {
  const twins = Array.from({ length: 200 }, (_, i) => `bootstrap-${i + 2}`);
  const run = await exchange((_, n) =>
    n === 1
      ? {
          answers: twins.map((t) => ({ name: '_ssh._tcp.local', type: 'PTR' as const, ttl: 10, data: `${t}._ssh._tcp.local` })),
          additionals: twins.flatMap((t) => [
            { name: `${t}._ssh._tcp.local`, type: 'TXT' as const, ttl: 10, data: [Buffer.from('path=/')] },
            { name: `${t}._ssh._tcp.local`, type: 'SRV' as const, ttl: 10, data: { priority: 0, weight: 0, port: 22, target: `${t}.local` } },
          ]),
        }
      : undefined,
  );
  await until('the follow-up queries', () => run.sent.length >= 3);
  await run.stop();
  const asked = new Set(run.sent.flatMap((q) => (q.questions ?? []).filter((x) => x.type === 'AAAA').map((x) => x.name)));
  assert.ok(asked.size > wanted.length, 'the twins were asked for at all');
  assert.ok(asked.size <= maxNames && maxNames <= 64, `${asked.size} names asked (cap ${maxNames})`);
});
