// Only the secrets a plan uses travel: both front ends build them here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runSecrets } from '../../../source/core/install/run-secrets.js';

const ageKey = { identity: 'AGE-SECRET-KEY-1TEST', recipient: 'age1test' };
const luks = { label: 'cryptroot', name: 'cryptroot' };
const labels = (withLuks: boolean) => ({ kind: 'labels' as const, efiSizeMiB: 512, swapSizeMiB: 0, luks: withLuks ? luks : null });

test('each secret goes only to a plan that uses it', () => {
  const given = { luksPassphrase: 'pass phrase', ageKey, hostKey: '-----BEGIN OPENSSH PRIVATE KEY-----' };
  const all = runSecrets(
    { layout: labels(true), ageKey: { recipient: 'age1test', path: '/etc/age/web.agekey' }, hostKey: { publicKey: 'ssh-ed25519 AAAA', type: 'ed25519' } },
    given,
    new Date('2026-12-02T00:00:00Z'),
  );
  assert.deepEqual(Object.keys(all).sort(), ['age-identity', 'host-key', 'luks-passphrase']);
  assert.equal(all['age-identity'], '# created: 2026-12-02T00:00:00Z\n# public key: age1test\nAGE-SECRET-KEY-1TEST\n');
  // A passphrase typed before LUKS was switched off, a key for a plan without hand-off: not sent.
  assert.deepEqual(runSecrets({ layout: labels(false), ageKey: null, hostKey: null }, given), {});
  assert.deepEqual(runSecrets({ layout: { kind: 'disko', mode: 'disko', keys: [] }, ageKey: null, hostKey: null }, given), {});
});
