import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Candidate } from '../../source/core/discovery/candidate.js';
import type { DiscoveryResult } from '../../source/core/discovery/discover.js';
import { BootstrapError, ExitCode } from '../../source/core/exit-codes.js';
import { candidateJson, main, nothingFoundHint, tableHeader, tableRows } from '../../source/headless/discover-command.js';

const candidate: Candidate = {
  id: 'SHA256:abc',
  names: ['nixos.local'],
  addresses: [
    { address: '10.47.2.2', interface: 'inst2', via: 'mdns' },
    { address: 'fe80::47', interface: 'inst2', via: 'ndp' },
  ],
  port: 22,
  banner: 'SSH-2.0-OpenSSH_9.2p1',
  fingerprint: 'SHA256:abc',
  hostKeyType: 'ssh-ed25519',
  firstSeenMs: 41,
};

test('NDJSON objects carry every documented field, null when unknown, and nothing internal', () => {
  const parsed = JSON.parse(candidateJson(candidate));
  assert.deepEqual(Object.keys(parsed), ['names', 'addresses', 'port', 'mac', 'banner', 'fingerprint', 'hostKeyType', 'firstSeenMs', 'image']);
  assert.equal(parsed.mac, null);
  assert.equal(parsed.image, null);
  const image = { name: 'bootstrap', fingerprint: 'SHA256:abc', publicKey: 'ssh-ed25519 AAAA', created: '2026-12-02T17:00:00.000Z', dir: '/x' };
  assert.equal(JSON.parse(candidateJson(candidate, [image])).image, 'bootstrap');
  assert.match(tableRows(candidate, [image]), /SHA256:abc ✔ image bootstrap \(2026-12-02\)\n/);
  assert.deepEqual(parsed.addresses[1], { address: 'fe80::47', interface: 'inst2', via: 'ndp' });
  assert.ok(!candidateJson(candidate).includes('\n'));
});

test('the table shows the best address first, zoned link-local addresses below it', () => {
  const rows = tableRows({ ...candidate, mac: '52:54:00:47:00:02' }).split('\n');
  assert.match(tableHeader, /^NAME\s+ADDRESS\s+MAC\s+HOST KEY\n$/);
  assert.match(rows[0]!, /^nixos\.local\s+10\.47\.2\.2 \(mdns\)\s+52:54:00:47:00:02\s+SHA256:abc$/);
  assert.match(rows[1]!, /^\s+fe80::47%inst2 \(ndp\)$/);
  assert.match(tableRows({ ...candidate, names: [], port: 2222 }), /^-\s+10\.47\.2\.2 port 2222 \(mdns\)\s+-\s+SHA256:abc\n/);
});

test('"nothing found" says what was tried, what half-answered, and the likely causes', () => {
  const result: DiscoveryResult = {
    candidates: [],
    interfaces: [
      { name: 'inst1', ipv6: true, ipv4: false },
      { name: 'inst2', ipv6: true, ipv4: true },
    ],
    skippedInterfaces: [{ name: 'eth1', reason: 'down' }],
    names: ['bootstrap.local', 'nixos.local', 'nixos-installer.local'],
    services: ['_ssh._tcp.local', '_workstation._tcp.local'],
    port: 22,
    unanswered: [
      { address: 'fe80::47', interface: 'inst1', via: 'mdns', name: 'bootstrap.local', reason: 'fe80::47%inst1 port 22: connection refused' },
      {
        address: 'fe80::5054:ff:fe47:1',
        interface: 'inst1',
        via: 'ndp',
        name: 'bootstrap.local',
        reason: 'fe80::5054:ff:fe47:1%inst1 port 22: connection refused',
      },
      { address: 'fe80::47', interface: 'inst2', via: 'ndp', reason: 'fe80::47%inst2 port 22: no SSH answer before discovery ended' },
      { address: 'fe80::1', interface: 'inst2', via: 'ndp', reason: 'fe80::1%inst2 port 22: connection refused' },
    ],
    problems: ['ping is not installed: no all-nodes sweep (install iputils-ping)'],
    elapsedMs: 3000,
    stoppedBy: 'timeout',
  };
  const hint = nothingFoundHint(result);
  assert.match(
    hint,
    /tried mDNS bootstrap\.local, nixos\.local, nixos-installer\.local \(A\/AAAA\) and _ssh\._tcp\.local, _workstation\._tcp\.local over IPv6 on inst1, inst2 and IPv4 on inst2/,
  );
  assert.match(hint, /pinged ff02::1 and checked fe80::47 port 22 on inst1, inst2/);
  assert.match(hint, /skipped: eth1 \(down\)/);
  assert.match(hint, /seen bootstrap\.local at fe80::47%inst1 \(mdns\), fe80::5054:ff:fe47:1%inst1 \(ndp\), but no SSH: connection refused/);
  assert.match(hint, /seen fe80::47%inst2 \(ndp\), but no SSH: no SSH answer before discovery ended/);
  assert.match(hint, /1 other neighbour answered, none with SSH on port 22/);
  assert.match(hint, /problem: ping is not installed/);
  assert.match(hint, /different link/);
  assert.match(hint, /5353\/udp/);
  assert.match(hint, /no avahi/);
});

async function usage(argv: string[]): Promise<BootstrapError> {
  const error = await main(argv).then(
    () => assert.fail('expected a usage error'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof BootstrapError);
  assert.equal(error.exitCode, ExitCode.usage);
  return error;
}

test('bad flags are usage errors (exit 2) before any search starts', async () => {
  assert.match((await usage(['--port', '0'])).message, /--port wants a whole number from 1 to 65535/);
  assert.match((await usage(['--port', '22x'])).message, /--port wants a whole number from 1 to 65535/);
  assert.match((await usage(['--timeout', 'soon'])).message, /--timeout must be a number of seconds/);
  assert.match((await usage(['--timeout', '0'])).message, /--timeout must be a number of seconds/);
  assert.match((await usage(['--bogus'])).message, /bogus/);
  assert.match((await usage(['extra'])).message, /unexpected argument 'extra'/);
  assert.match((await usage(['--interface', 'no-such-if0', '--timeout', '1'])).message, /no network interface named 'no-such-if0'/);
});
