import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { splitProbeOutput } from '../../../source/core/facts/parse.js';
import { probeScript } from '../../../source/core/facts/probe-script.js';
import { shellQuote } from '../../../source/core/plan/shell.js';

test('the probe script is valid bash', () => {
  const check = spawnSync('bash', ['-n'], { input: probeScript, encoding: 'utf8' });
  assert.equal(check.status, 0, check.stderr);
});

test('the probe script only reads: every redirection goes to /dev/null or another stream', () => {
  const redirections = [...probeScript.matchAll(/\d?>>?\s*(&\d|[^\s;|&)]+)/g)].map((m) => m[0]);
  assert.ok(redirections.length > 0, 'the check sees redirections at all');
  const writes = redirections.filter((r) => !/>\s*(\/dev\/null|&[12])$/.test(r));
  assert.deepEqual(writes, []);
  const commands = probeScript.replace(/^for tool in .*$/m, ''); // names of tools looked up, not run
  for (const forbidden of [
    'mkdir',
    'touch',
    'rm ',
    'mount ',
    'umount',
    'sgdisk',
    'wipefs',
    'mkfs',
    'efibootmgr -c',
    'efibootmgr -b',
    'tee',
    'dd ',
    'partprobe',
    'blockdev --rereadpt',
  ]) {
    assert.ok(!commands.includes(forbidden), `probe script must not run ${forbidden}`);
  }
  assert.match(probeScript, /efibootmgr -v 2>&1/);
});

test('shellQuote survives quotes of every kind through bash -c', () => {
  const text = `it's "quoted" $HOME \`x\` \\ end`;
  const result = spawnSync('bash', ['-c', `bash -c ${shellQuote(`printf %s ${shellQuote(text)}`)}`], { encoding: 'utf8' });
  assert.equal(result.stdout, text);
});

test('the probe names the interface the SSH session arrived on, and its MAC', () => {
  const result = spawnSync('bash', ['-c', probeScript], { encoding: 'utf8', env: { ...process.env, SSH_CONNECTION: '127.0.0.1 50000 127.0.0.1 22' } });
  const section = splitProbeOutput(result.stdout).sections.get('connection');
  assert.equal(section, `interface=lo\nmac=${readFileSync('/sys/class/net/lo/address', 'utf8').trim()}`);
  const without = spawnSync('bash', ['-c', probeScript], { encoding: 'utf8', env: { ...process.env, SSH_CONNECTION: '' } });
  assert.equal(splitProbeOutput(without.stdout).sections.get('connection'), '', 'no session, no guess');
});
