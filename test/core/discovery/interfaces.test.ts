import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { NetworkInterfaceInfo } from 'node:os';
import { fromOsInterfaces, parseIpAddrJson, unusableReason, type SysfsLink } from '../../../source/core/discovery/interfaces.js';

const fixture = (name: string) => readFileSync(new URL(`fixtures/${name}`, import.meta.url), 'utf8');

test('parseIpAddrJson reads a recorded lab laptop (two veth links, one with IPv4)', () => {
  const links = parseIpAddrJson(fixture('ip-addr-two-links.json'));
  assert.deepEqual(
    links.map((l) => l.name),
    ['lo', 'inst1', 'inst2'],
  );
  const inst2 = links[2]!;
  assert.deepEqual(
    { index: inst2.index, mac: inst2.mac, linkLocal: inst2.linkLocal, ipv4: inst2.ipv4, up: inst2.up, lowerUp: inst2.lowerUp, multicast: inst2.multicast },
    { index: 3, mac: '7a:16:2b:33:3f:0c', linkLocal: ['fe80::7816:2bff:fe33:3f0c'], ipv4: ['10.47.2.1'], up: true, lowerUp: true, multicast: true },
  );
  assert.equal(links[0]!.mac, undefined, 'loopback has no MAC worth reporting');
  assert.deepEqual(links.map(unusableReason), ['loopback', undefined, undefined]);
});

test('unusableReason: down, no carrier, no multicast, bridge ports and address-less links are skipped, with why', () => {
  const links = parseIpAddrJson(fixture('ip-addr-laptop.json'));
  const reasons = Object.fromEntries(links.map((l) => [l.name, unusableReason(l) ?? 'usable']));
  assert.deepEqual(reasons, {
    lo: 'loopback',
    enp0s31f6: 'no carrier',
    wlp2s0: 'usable',
    usb0: 'usable',
    vethbr0: 'part of br0',
    wg0: 'no multicast',
    eth1: 'down',
    eth2: 'no IPv6 link-local or IPv4 address',
  });
});

test('link-local addresses are normalized; tentative ones kept apart, DAD failures dropped', () => {
  const links = parseIpAddrJson(fixture('ip-addr-laptop.json'));
  const byName = (name: string) => links.find((l) => l.name === name)!;
  assert.deepEqual(byName('wlp2s0').linkLocal, ['fe80::a2c5:89ff:fe12:3456']);
  assert.equal(byName('wlp2s0').mac, 'a0:c5:89:12:34:56');
  // RFC 5952: a single zero word stays `0`, it is not shortened to `::`.
  assert.deepEqual(byName('wlp2s0').ipv6, ['2001:db8:1:0:a2c5:89ff:fe12:3456', 'fe80::a2c5:89ff:fe12:3456']);
  assert.deepEqual(byName('usb0').linkLocal, []);
  assert.deepEqual(byName('usb0').tentativeLinkLocal, ['fe80::11:22ff:fe33:4455']);
  assert.deepEqual(byName('eth2').linkLocal, []);
  assert.deepEqual(byName('eth2').tentativeLinkLocal, []);
});

const info = (address: string, family: 'IPv4' | 'IPv6', mac: string, scopeid?: number): NetworkInterfaceInfo =>
  ({ address, family, mac, netmask: '', internal: false, cidr: null, ...(scopeid === undefined ? {} : { scopeid }) }) as NetworkInterfaceInfo;

test('fromOsInterfaces combines os.networkInterfaces() with sysfs flags', () => {
  const os = {
    lo: [info('127.0.0.1', 'IPv4', '00:00:00:00:00:00'), info('::1', 'IPv6', '00:00:00:00:00:00', 0)],
    inst1: [info('fe80::cc06:c1ff:fe57:dee4', 'IPv6', 'ce:06:c1:57:de:e4', 2)],
    inst2: [info('10.47.2.1', 'IPv4', '7a:16:2b:33:3f:0c'), info('fe80::7816:2bff:fe33:3f0c', 'IPv6', '7a:16:2b:33:3f:0c', 3)],
    port0: [info('fe80::1', 'IPv6', '02:00:00:00:00:01', 4)],
  };
  const sysfs: Record<string, SysfsLink> = {
    lo: { index: 1, flags: 0x9, carrier: true },
    inst1: { index: 2, flags: 0x1003, carrier: true },
    inst2: { index: 3, flags: 0x1003, carrier: true },
    port0: { index: 4, flags: 0x1003, carrier: true, master: 'lan0' },
  };
  const links = fromOsInterfaces(os, (name) => sysfs[name])!;
  assert.deepEqual(
    links.map((l) => [l.name, unusableReason(l) ?? 'usable']),
    [
      ['lo', 'loopback'],
      ['inst1', 'usable'],
      ['inst2', 'usable'],
      ['port0', 'part of lan0'],
    ],
  );
  assert.deepEqual(links[2]!.ipv4, ['10.47.2.1']);
  assert.equal(links[1]!.mac, 'ce:06:c1:57:de:e4');
  assert.equal(links[0]!.mac, undefined);
});

test('fromOsInterfaces gives up (→ ip -j addr) when sysfs belongs to another network namespace', () => {
  const os = { eth0: [info('fe80::1', 'IPv6', '02:00:00:00:00:01', 7)] };
  assert.equal(
    fromOsInterfaces(os, () => ({ index: 2, flags: 0x1003, carrier: true })),
    undefined,
    'index mismatch',
  );
  assert.equal(
    fromOsInterfaces(os, () => undefined),
    undefined,
    'no such interface in sysfs',
  );
});
