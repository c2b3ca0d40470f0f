import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addressRank, mergeCandidates, unverifiedPlaces, type Sighting, type Verification } from '../../../source/core/discovery/candidates.js';

const keyA = 'SHA256:XLFPBf9AgaCf3qRrZgra4qXmu0gnvlurH53VQesFrG8';
const keyB = 'SHA256:Sj0dTW6PtvwQcvvaA1Ig1k0eGLWx8M7b1omcRJ6ug5I';
const banner = 'SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10';

const seen = (address: string, iface: string | undefined, via: Sighting['via'], atMs: number, extra: Partial<Sighting> = {}): Sighting => ({
  address,
  ...(iface ? { interface: iface } : {}),
  via,
  atMs,
  ...extra,
});
const verified = (address: string, iface: string | undefined, fingerprint: string, atMs: number, extra: Partial<Verification> = {}): Verification => ({
  address,
  ...(iface ? { interface: iface } : {}),
  port: 22,
  banner,
  fingerprint,
  hostKeyType: 'ssh-ed25519',
  atMs,
  ...extra,
});

test('one installer seen by mDNS and NDP, over IPv4 and IPv6, on three addresses is ONE entry', () => {
  const sightings = [
    seen('fe80::47', 'inst2', 'ndp', 12),
    seen('fe80::5054:ff:fe47:2', 'inst2', 'ndp', 15, { mac: '52:54:00:47:00:02' }),
    seen('fe80::47', 'inst2', 'mdns', 20, { name: 'nixos.local' }),
    seen('10.47.2.2', 'inst2', 'mdns', 21, { name: 'nixos.local' }),
  ];
  const verifications = [
    verified('fe80::47', 'inst2', keyB, 30, { mac: '52:54:00:47:00:02' }),
    verified('10.47.2.2', 'inst2', keyB, 45, { mac: '52:54:00:47:00:02' }),
  ];
  assert.deepEqual(mergeCandidates(sightings, verifications), [
    {
      id: keyB,
      names: ['nixos.local'],
      addresses: [
        { address: '10.47.2.2', interface: 'inst2', via: 'mdns' },
        { address: 'fe80::47', interface: 'inst2', via: 'ndp' },
        // Same MAC on the same link: listed without a key exchange of its own.
        { address: 'fe80::5054:ff:fe47:2', interface: 'inst2', via: 'ndp' },
      ],
      port: 22,
      banner,
      fingerprint: keyB,
      hostKeyType: 'ssh-ed25519',
      firstSeenMs: 12,
      mac: '52:54:00:47:00:02',
    },
  ]);
});

test('two installers with the same name but different keys are two entries (shared link twins)', () => {
  const sightings = [
    seen('fe80::47', 'lan0', 'mdns', 5, { name: 'bootstrap.local' }),
    seen('fe80::5054:ff:fe47:1', 'lan0', 'mdns', 5, { name: 'bootstrap.local' }),
    seen('fe80::5054:ff:fe47:2', 'lan0', 'mdns', 6, { name: 'bootstrap.local' }),
  ];
  const verifications = [verified('fe80::47', 'lan0', keyA, 20, { mac: '52:54:00:47:00:01' }), verified('fe80::5054:ff:fe47:2', 'lan0', keyB, 22)];
  const candidates = mergeCandidates(sightings, verifications);
  assert.equal(candidates.length, 2);
  assert.deepEqual(
    candidates.map((c) => [c.fingerprint, c.mac, c.names, c.addresses.map((a) => a.address)]),
    [
      [keyA, '52:54:00:47:00:01', ['bootstrap.local'], ['fe80::47', 'fe80::5054:ff:fe47:1']],
      [keyB, '52:54:00:47:00:02', ['bootstrap.local'], ['fe80::5054:ff:fe47:2']],
    ],
  );
});

test('the same installer on two links (two cards) stays one entry when the MAC is unknown on one', () => {
  const verifications = [verified('fe80::47', 'eth0', keyA, 10, { mac: '52:54:00:47:00:01' }), verified('10.0.0.7', 'wlan0', keyA, 12)];
  const candidates = mergeCandidates([], verifications);
  assert.equal(candidates.length, 1);
  assert.deepEqual(candidates[0]!.addresses, [
    { address: '10.0.0.7', interface: 'wlan0', via: 'ndp' },
    { address: 'fe80::47', interface: 'eth0', via: 'ndp' },
  ]);
});

test('two machines presenting the SAME key (cloned image, spoofer) are split by MAC, with distinct ids', () => {
  const verifications = [
    verified('fe80::47', 'inst1', keyA, 10, { mac: '52:54:00:47:00:01' }),
    verified('fe80::47', 'inst2', keyA, 11, { mac: '52:54:00:47:00:02' }),
  ];
  const candidates = mergeCandidates([], verifications);
  assert.deepEqual(
    candidates.map((c) => [c.id, c.mac, c.fingerprint]),
    [
      [keyA, '52:54:00:47:00:01', keyA],
      [`${keyA}#2`, '52:54:00:47:00:02', keyA],
    ],
  );
});

test('ids stay stable as more is learned: a later address does not rename the entry', () => {
  const first = mergeCandidates([], [verified('fe80::47', 'inst1', keyA, 10)]);
  const later = mergeCandidates([], [verified('fe80::47', 'inst1', keyA, 10), verified('fe80::5054:ff:fe47:1', 'inst1', keyA, 20)]);
  assert.equal(first[0]!.id, keyA);
  assert.equal(later[0]!.id, keyA);
  assert.equal(later[0]!.mac, '52:54:00:47:00:01', 'the EUI-64 address supplies the MAC');
});

test('the same link-local address on two links is two places; IPv4 is one place whatever the link', () => {
  const verifications = [
    verified('fe80::47', 'inst1', keyA, 10, { mac: '52:54:00:47:00:01' }),
    verified('fe80::47', 'inst2', keyB, 11, { mac: '52:54:00:47:00:02' }),
  ];
  const sightings = [seen('fe80::47', 'inst2', 'mdns', 3, { name: 'nixos.local' }), seen('fe80::47', 'inst1', 'ndp', 4)];
  const candidates = mergeCandidates(sightings, verifications);
  assert.deepEqual(
    candidates.map((c) => [c.names, c.firstSeenMs]),
    [
      [['nixos.local'], 3],
      [[], 4],
    ],
  );
  assert.equal(mergeCandidates([], [verified('10.0.0.7', 'a', keyA, 1), verified('10.0.0.7', 'b', keyA, 2)])[0]!.addresses.length, 1);
});

test('an unverified place of another MAC is never attached', () => {
  const sightings = [seen('fe80::5054:ff:fe99:1', 'inst1', 'ndp', 2)];
  const candidates = mergeCandidates(sightings, [verified('fe80::47', 'inst1', keyA, 10, { mac: '52:54:00:47:00:01' })]);
  assert.deepEqual(
    candidates[0]!.addresses.map((a) => a.address),
    ['fe80::47'],
  );
  assert.deepEqual(
    unverifiedPlaces(sightings, []).map((s) => s.address),
    ['fe80::5054:ff:fe99:1'],
  );
});

test('nothing verified → nothing listed; unverifiedPlaces reports each place once, with its name', () => {
  const sightings = [
    seen('fe80::47', 'inst1', 'ndp', 1),
    seen('fe80::47', 'inst1', 'mdns', 2, { name: 'bootstrap.local' }),
    seen('10.1.1.1', 'inst1', 'mdns', 3, { name: 'nixos.local' }),
  ];
  assert.deepEqual(mergeCandidates(sightings, []), []);
  assert.deepEqual(unverifiedPlaces(sightings, [verified('10.1.1.1', 'inst1', keyA, 5)]), [
    { address: 'fe80::47', interface: 'inst1', via: 'ndp', atMs: 1, name: 'bootstrap.local' },
  ]);
});

test('addresses are ordered IPv4, global IPv6, fe80::47, other link-local', () => {
  assert.deepEqual(
    ['fe80::5054:ff:fe47:1', 'fe80::47', '2001:db8::5', '10.0.0.1'].sort((a, b) => addressRank(a) - addressRank(b)),
    ['10.0.0.1', '2001:db8::5', 'fe80::47', 'fe80::5054:ff:fe47:1'],
  );
});
