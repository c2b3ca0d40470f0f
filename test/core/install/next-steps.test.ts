import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseProbeOutput } from '../../../source/core/facts/parse.js';
import type { Facts } from '../../../source/core/facts/types.js';
import { installedSystemAddresses, nextCommands } from '../../../source/core/install/next-steps.js';

const facts = (connection?: Facts['connection']) => ({ connection }) as Facts;
const installer = { host: 'fe80::47', interface: 'eth0', port: 22, user: 'root' };

test('after an install, the hints name where the new system answers, never the installer’s fe80::47', () => {
  const commands = nextCommands('web', installer, facts({ interface: 'eth0', mac: '52:54:00:47:00:01' }), '/root/flake');
  assert.deepEqual(commands, [
    'ssh root@fe80::5054:ff:fe47:1%eth0   # after first boot: its EUI-64 link-local address (MAC 52:54:00:47:00:01); it shows a new host key',
    'ssh root@web.local   # after first boot: if its configuration announces it over mDNS (avahi); it shows a new host key',
    'nixos-rebuild switch --flake /root/flake#web --target-host root@fe80::5054:ff:fe47:1%eth0',
  ]);
  assert.ok(commands.every((c) => !c.includes('fe80::47%')));
});

test('without a MAC only the mDNS name is offered; reached over IPv4, the same address first (same card, same lease)', () => {
  assert.deepEqual(
    installedSystemAddresses('web', installer, facts()).map((a) => a.target),
    ['root@web.local'],
  );
  const ipv4 = { host: '192.168.1.20', port: 2222, user: 'root' };
  assert.deepEqual(
    installedSystemAddresses('web', ipv4, facts({ interface: 'eth0', mac: '52:54:00:47:00:01' })).map((a) => a.target),
    ['root@192.168.1.20', 'root@web.local'],
  );
  assert.deepEqual(
    installedSystemAddresses('web', { host: 'bootstrap.local', port: 22, user: 'root' }, undefined).map((a) => a.target),
    ['root@web.local'],
    'never the installer’s own name',
  );
});

test('the probe’s connection section becomes facts.connection; a missing one is no refusal', () => {
  const sample = readFileSync(new URL('../../fixtures/probe/bios-server-two-sata.txt', import.meta.url), 'utf8');
  assert.equal(parseProbeOutput(sample).connection, undefined);
  const withConnection = sample.replace('@@nb section lsblk', '@@nb section connection\ninterface=enp1s0\nmac=52:54:00:AB:CD:EF\n\n@@nb section lsblk');
  assert.deepEqual(parseProbeOutput(withConnection).connection, { interface: 'enp1s0', mac: '52:54:00:ab:cd:ef' });
});
