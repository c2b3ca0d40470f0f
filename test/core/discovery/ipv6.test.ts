import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isIP, isIPv6 } from 'node:net';
import { connectHost, formatIpv6, ipv6Words, isIpAddress, isIpv6, isLinkLocalIpv6, normalizeAddress, splitZone } from '../../../source/core/discovery/ipv6.js';

test('splitZone takes brackets and %zone (also the URI form [..%25..]) off an address', () => {
  assert.deepEqual(splitZone('[fe80::47%eth0]'), { address: 'fe80::47', zone: 'eth0' });
  assert.deepEqual(splitZone('[fe80::47%25wlp2s0]'), { address: 'fe80::47', zone: 'wlp2s0' });
  assert.deepEqual(splitZone('fe80::47%25g'), { address: 'fe80::47', zone: '25g' });
  assert.deepEqual(splitZone('fe80::47'), { address: 'fe80::47' });
  assert.deepEqual(splitZone('10.0.0.2'), { address: '10.0.0.2' });
  assert.deepEqual(splitZone('fe80::47%'), { address: 'fe80::47' });
});

test('ipv6Words expands ::, leading zeros and an embedded IPv4 address', () => {
  assert.deepEqual(ipv6Words('fe80::47'), [0xfe80, 0, 0, 0, 0, 0, 0, 0x47]);
  assert.deepEqual(ipv6Words('FE80:0000:0000:0000:5054:00FF:FE00:0047%eth0'), [0xfe80, 0, 0, 0, 0x5054, 0xff, 0xfe00, 0x47]);
  assert.deepEqual(ipv6Words('::ffff:10.0.0.1'), [0, 0, 0, 0, 0, 0xffff, 0x0a00, 0x0001]);
  assert.deepEqual(ipv6Words('::'), [0, 0, 0, 0, 0, 0, 0, 0]);
  assert.equal(ipv6Words('10.0.0.1'), undefined);
  assert.equal(ipv6Words('fe80::47::1'), undefined);
});

test('the hand-written parser accepts exactly what node:net accepts', () => {
  const cases = [
    '::',
    '::1',
    '1::',
    '1:2:3:4:5:6:7:8',
    '1:2:3:4:5:6:7::',
    '::2:3:4:5:6:7:8',
    '1::8',
    'fe80::5054:ff:fe47:1',
    '::ffff:10.0.0.1',
    '::10.0.0.1',
    '1:2:3:4:5:6:1.2.3.4',
    '1:2:3:4:5:6:7:1.2.3.4',
    '1:2:3:4:5:1.2.3.4',
    '1:2:3:4:5:6:7:8:9',
    '1:2:3:4::5:6:7:8',
    ':1::2',
    '1:::2',
    ':::',
    '1::2::3',
    ':',
    '',
    '1',
    'g::1',
    '12345::1',
    '1.2.3.4::',
    '::1.2.3',
    '::1.2.3.256',
    '::01.2.3.4',
    'fe80::47%eth0',
    '[fe80::47]',
    ' ::1',
    '::1 ',
    '0:0:0:0:0:0:0:0',
    '10.0.0.1',
    '255.255.255.255',
    '256.0.0.1',
    '01.0.0.1',
    '1.2.3',
    '1.2.3.4.5',
    'a.b.c.d',
    'bootstrap.local',
  ];
  for (const text of cases) {
    assert.equal(isIpv6(text), isIPv6(splitZone(text).address), text);
    assert.equal(isIpAddress(text), isIP(splitZone(text).address) !== 0, text);
  }
});

test('formatIpv6 writes the RFC 5952 form: longest zero run as ::, only if two or more words', () => {
  assert.equal(formatIpv6([0xfe80, 0, 0, 0, 0x5054, 0xff, 0xfe00, 0x47]), 'fe80::5054:ff:fe00:47');
  assert.equal(formatIpv6([0x2001, 0xdb8, 0, 1, 0, 0, 0, 1]), '2001:db8:0:1::1');
  assert.equal(formatIpv6([0x2001, 0xdb8, 0, 1, 1, 1, 1, 1]), '2001:db8:0:1:1:1:1:1');
  assert.equal(formatIpv6([0, 0, 0, 0, 0, 0, 0, 0]), '::');
  assert.equal(formatIpv6([0, 0, 1, 0, 0, 0, 0, 0]), '0:0:1::');
});

test('normalizeAddress makes equal addresses compare equal, and leaves IPv4 alone', () => {
  assert.equal(normalizeAddress('FE80:0:0:0:0:0:0:47'), 'fe80::47');
  assert.equal(normalizeAddress('[fe80::0047%inst1]'), 'fe80::47');
  assert.equal(normalizeAddress('10.47.1.2'), '10.47.1.2');
});

test('link-local detection covers fe80::/10 only', () => {
  assert.ok(isLinkLocalIpv6('fe80::47%eth0'));
  assert.ok(isLinkLocalIpv6('febf::1'));
  assert.ok(!isLinkLocalIpv6('fec0::1'));
  assert.ok(!isLinkLocalIpv6('2001:db8::1'));
  assert.ok(!isLinkLocalIpv6('169.254.0.47'));
});

test('connectHost zones link-local addresses by interface NAME and nothing else', () => {
  assert.equal(connectHost('fe80::47', 'inst1'), 'fe80::47%inst1');
  assert.equal(connectHost('[fe80::47%old]', 'inst2'), 'fe80::47%inst2');
  assert.equal(connectHost('2001:db8::5', 'inst1'), '2001:db8::5');
  assert.equal(connectHost('10.47.2.2', 'inst2'), '10.47.2.2');
  assert.equal(connectHost('fe80::47', undefined), 'fe80::47');
});
