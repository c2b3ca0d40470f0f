import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Answer } from 'dns-packet';
import { interpretRecords, isWantedName, normalizeHostName } from '../../../source/core/discovery/mdns.js';

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

test('one response gives the host, all its addresses (normalized) and its SSH port', () => {
  assert.deepEqual(interpretRecords(installerAnswer, wanted), {
    hosts: [{ name: 'nixos.local', addresses: ['10.47.2.2', 'fe80::47', 'fe80::5054:ff:fe47:2'], sshPort: 22 }],
    unresolved: [],
  });
});

test('a renamed twin (bootstrap-2.local) is caught through its _ssh._tcp service', () => {
  const twin: Answer[] = [
    { name: '_ssh._tcp.local', type: 'PTR', ttl: 10, data: 'bootstrap #2._ssh._tcp.local' },
    { name: 'bootstrap #2._ssh._tcp.local', type: 'SRV', ttl: 10, data: { priority: 0, weight: 0, port: 2222, target: 'bootstrap-2.local.' } },
    { name: 'bootstrap-2.local', type: 'AAAA', ttl: 10, data: 'fe80::5054:ff:fe47:2' },
  ];
  assert.deepEqual(interpretRecords(twin, wanted).hosts, [{ name: 'bootstrap-2.local', addresses: ['fe80::5054:ff:fe47:2'], sshPort: 2222 }]);
});

test('a service whose target has no address in the response is asked for by name', () => {
  const bare: Answer[] = [
    { name: '_ssh._tcp.local', type: 'PTR', ttl: 10, data: 'nixos-installer-3._ssh._tcp.local' },
    { name: 'nixos-installer-3._ssh._tcp.local', type: 'SRV', ttl: 10, data: { priority: 0, weight: 0, port: 22, target: 'nixos-installer-3.local' } },
  ];
  assert.deepEqual(interpretRecords(bare, wanted), { hosts: [], unresolved: ['nixos-installer-3.local'] });
});

test('_workstation._tcp instance names give the MAC', () => {
  const workstation: Answer[] = [
    { name: '_workstation._tcp.local', type: 'PTR', ttl: 10, data: 'bootstrap [52:54:00:47:00:01]._workstation._tcp.local' },
    { name: 'bootstrap [52:54:00:47:00:01]._workstation._tcp.local', type: 'SRV', ttl: 10, data: { priority: 0, weight: 0, port: 9, target: 'bootstrap.local' } },
    { name: 'bootstrap.local', type: 'AAAA', ttl: 10, data: 'fe80::47' },
  ];
  assert.deepEqual(interpretRecords(workstation, wanted).hosts, [{ name: 'bootstrap.local', addresses: ['fe80::47'], mac: '52:54:00:47:00:01' }]);
});

test('other SSH hosts on the LAN (a NAS, a desktop) are not installers', () => {
  const others: Answer[] = [
    { name: '_ssh._tcp.local', type: 'PTR', ttl: 10, data: 'nas._ssh._tcp.local' },
    { name: 'nas._ssh._tcp.local', type: 'SRV', ttl: 10, data: { priority: 0, weight: 0, port: 22, target: 'nas.local' } },
    { name: 'nas.local', type: 'A', ttl: 10, data: '192.168.1.5' },
    { name: 'bootstrapper.local', type: 'A', ttl: 10, data: '192.168.1.6' },
  ];
  assert.deepEqual(interpretRecords(others, wanted), { hosts: [], unresolved: [] });
});

test('isWantedName: the names asked for and their -N twins, case-insensitive, nothing else', () => {
  for (const name of ['bootstrap.local', 'Bootstrap-2.local.', 'nixos-installer-12.local', 'NIXOS.local']) assert.ok(isWantedName(name, wanted), name);
  for (const name of ['bootstrap2.local', 'bootstrap-x.local', 'nixos-installer.lan', 'laptop.local', 'bootstrap.local.evil']) assert.ok(!isWantedName(name, wanted), name);
  assert.ok(isWantedName('my.installer-3.local', ['my.installer.local']) === false, 'the dot in a custom name is literal');
  assert.ok(isWantedName('myhost-3.local', ['myhost']));
});

test('normalizeHostName adds .local to bare names and drops the root dot', () => {
  assert.equal(normalizeHostName('Bootstrap'), 'bootstrap.local');
  assert.equal(normalizeHostName('nixos.local.'), 'nixos.local');
  assert.equal(normalizeHostName('host.example'), 'host.example');
});
