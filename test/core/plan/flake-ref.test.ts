import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseFlakeRef, targetFlake } from '../../../source/core/plan/flake-ref.js';
import { choices } from './fixtures.js';

test('remote and local flake references parse', () => {
  assert.deepEqual(parseFlakeRef('github:me/nixos-config#web'), { uri: 'github:me/nixos-config', host: 'web', local: false });
  assert.deepEqual(parseFlakeRef('git+https://git.example/cfg.git?ref=main#db-1'), {
    uri: 'git+https://git.example/cfg.git?ref=main',
    host: 'db-1',
    local: false,
  });
  assert.deepEqual(parseFlakeRef('.#web'), { uri: '.', host: 'web', local: true });
  assert.deepEqual(parseFlakeRef('/home/me/cfg#nixosConfigurations.web'), { uri: '/home/me/cfg', host: 'web', local: true });
  assert.deepEqual(parseFlakeRef('path:./cfg#web'), { uri: './cfg', host: 'web', local: true });
});

for (const [input, message] of [
  ['github:me/cfg', /names no host/],
  ['#web', /no URI/],
  ['.#', /is not a host name/],
  ['.#we b', /is not a host name/],
  ['gopher://x#web', /unknown scheme 'gopher:'/],
  ['github:justowner#web', /needs owner\/repository/],
  ['https:#web', /is not a URL/],
] as const) {
  test(`garbled flake reference '${input}' is a usage error`, () => {
    assert.throws(
      () => parseFlakeRef(input),
      (error: Error & { exitCode?: number }) => message.test(error.message) && error.exitCode === 2,
    );
  });
}

test('the target sees uploaded and cloned flakes at their target paths', () => {
  assert.equal(targetFlake(choices()), 'github:me/nixos-config#web');
  assert.equal(targetFlake(choices({ flake: { uri: '.', host: 'web', localPath: '/x' } })), '/tmp/nixos-bootstrap/config#web');
  assert.equal(targetFlake(choices({ install: { mode: 'clone', repo: 'u', repoPath: '/mnt/cfg' } })), '/mnt/cfg#web');
});
