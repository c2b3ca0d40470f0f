import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eui64AddressToMac, isEui64Address, macToEui64LinkLocal, normalizeMac } from '../../../source/core/discovery/eui64.js';

test('MAC → modified EUI-64 link-local flips the universal/local bit and inserts ff:fe', () => {
  assert.equal(macToEui64LinkLocal('52:54:00:00:00:47'), 'fe80::5054:ff:fe00:47');
  assert.equal(macToEui64LinkLocal('52:54:00:47:00:01'), 'fe80::5054:ff:fe47:1');
  // A universally administered MAC (U/L bit 0) gets the bit set: 00 → 02.
  assert.equal(macToEui64LinkLocal('00:1B:21:3A:4F:5C'), 'fe80::21b:21ff:fe3a:4f5c');
  assert.throws(() => macToEui64LinkLocal('52:54:00:00:47'), /not a MAC/);
});

test('EUI-64 link-local → MAC is the inverse, for any prefix', () => {
  assert.equal(eui64AddressToMac('fe80::5054:ff:fe00:47'), '52:54:00:00:00:47');
  assert.equal(eui64AddressToMac('fe80::5054:ff:fe47:1%inst1'), '52:54:00:47:00:01');
  assert.equal(eui64AddressToMac('2001:db8::21b:21ff:fe3a:4f5c'), '00:1b:21:3a:4f:5c');
  for (const mac of ['52:54:00:00:00:47', 'ce:06:c1:57:de:e4', '02:00:00:00:00:00']) {
    assert.equal(eui64AddressToMac(macToEui64LinkLocal(mac)), mac);
  }
});

test('addresses without the ff:fe filler are not EUI-64 (fe80::47, privacy addresses, IPv4)', () => {
  assert.ok(isEui64Address('fe80::5054:ff:fe00:47'));
  assert.ok(!isEui64Address('fe80::47'));
  assert.ok(!isEui64Address('fe80::1c2d:3e4f:5a6b:7c8d'));
  assert.ok(!isEui64Address('10.47.1.2'));
  assert.equal(eui64AddressToMac('fe80::47'), undefined);
  assert.equal(eui64AddressToMac('10.47.1.2'), undefined);
});

test('normalizeMac accepts upper case and dashes, rejects anything else', () => {
  assert.equal(normalizeMac('52-54-00-AB-CD-EF'), '52:54:00:ab:cd:ef');
  assert.equal(normalizeMac('52:54:00:ab:cd'), undefined);
  assert.equal(normalizeMac('zz:54:00:ab:cd:ef'), undefined);
});
