// The orchestration without traffic: interface lists are stubs whose links discovery must not
// use (down, loopback, no multicast), so nothing is sent anywhere. The lab tests run it for real.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BootstrapError, ExitCode } from '../../../source/core/exit-codes.js';
import { discover, type DiscoveryUpdate } from '../../../source/core/discovery/discover.js';
import type { NetInterface } from '../../../source/core/discovery/interfaces.js';

const link = (name: string, extra: Partial<NetInterface>): NetInterface => ({
  name,
  index: 1,
  up: true,
  lowerUp: true,
  multicast: true,
  loopback: false,
  linkLocal: [],
  tentativeLinkLocal: [],
  ipv4: [],
  ipv6: [],
  ...extra,
});
const unusable = [
  link('lo', { loopback: true, ipv4: ['127.0.0.1'] }),
  link('eth1', { up: false, linkLocal: ['fe80::1'] }),
  link('wg0', { multicast: false, ipv4: ['10.100.0.2'] }),
  link('veth7', { master: 'br0', linkLocal: ['fe80::2'] }),
];
const listInterfaces = async () => unusable;

test('with no usable link, discovery ends at the timeout and says what it skipped and why', async () => {
  const started = performance.now();
  const discovery = discover({ timeoutMs: 200, listInterfaces, names: ['Lab-Box'] });
  const updates: DiscoveryUpdate[] = [];
  for await (const update of discovery) updates.push(update);
  const result = await discovery.result;
  const elapsed = performance.now() - started;
  assert.deepEqual(updates, []);
  assert.equal(result.stoppedBy, 'timeout');
  assert.ok(elapsed >= 190 && elapsed < 1000, `took ${elapsed} ms`);
  assert.deepEqual(result.candidates, []);
  assert.deepEqual(result.interfaces, []);
  assert.deepEqual(result.skippedInterfaces, [
    { name: 'eth1', reason: 'down' },
    { name: 'wg0', reason: 'no multicast' },
    { name: 'veth7', reason: 'part of br0' },
  ]);
  assert.deepEqual(result.names, ['bootstrap.local', 'nixos.local', 'nixos-installer.local', 'lab-box.local']);
  assert.deepEqual(result.services, ['_ssh._tcp.local', '_workstation._tcp.local']);
  assert.equal(result.port, 22);
});

test('stop() and an aborted signal end discovery at once', async () => {
  const discovery = discover({ timeoutMs: 10_000, listInterfaces });
  setTimeout(() => discovery.stop(), 30);
  const result = await discovery.result;
  assert.equal(result.stoppedBy, 'abort');
  assert.ok(result.elapsedMs < 1000);

  const controller = new AbortController();
  controller.abort();
  const early = await discover({ timeoutMs: 10_000, listInterfaces, signal: controller.signal }).result;
  assert.equal(early.stoppedBy, 'abort');
});

test('--interface naming a missing or unusable interface is a usage error (exit 2), before any traffic', async () => {
  for (const [name, message] of [
    ['wlan9', /no network interface named 'wlan9'/],
    ['eth1', /interface 'eth1' cannot be searched: down/],
  ] as const) {
    const error = await discover({ timeoutMs: 5000, listInterfaces, interfaces: [name] }).result.then(
      () => assert.fail('expected a usage error'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof BootstrapError);
    assert.equal(error.exitCode, ExitCode.usage);
    assert.match(error.message, message);
  }
});
