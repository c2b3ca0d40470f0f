import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nixStoreUri } from '../../../source/core/install/nix-store-uri.js';

test('link-local targets are written [addr%25iface] for nix; others as they are', () => {
  assert.equal(nixStoreUri({ host: 'fe80::47', interface: 'eth0', port: 22, user: 'root' }), 'ssh://root@[fe80::47%25eth0]?remote-store=local?root=/mnt');
  assert.equal(nixStoreUri({ host: '10.0.0.5', port: 22, user: 'root' }), 'ssh://root@10.0.0.5?remote-store=local?root=/mnt');
  assert.equal(nixStoreUri({ host: '2001:db8::5', port: 22, user: 'admin' }), 'ssh://admin@[2001:db8::5]?remote-store=local?root=/mnt');
});
