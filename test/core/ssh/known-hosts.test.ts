import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fingerprint } from '../../../source/core/ssh/fingerprint.js';
import { defaultKnownHostsFile, hostFieldMatches, lookupHostKey, parseKnownHosts, recordHostKey } from '../../../source/core/ssh/known-hosts.js';

const dir = mkdtempSync(join(tmpdir(), 'nb-kh-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

function keyBlob(name: string): { blob: Buffer; type: string; line: string } {
  const file = join(dir, name);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', file]);
  const [type, base64] = readFileSync(`${file}.pub`, 'utf8').split(' ');
  return { blob: Buffer.from(base64!, 'base64'), type: type!, line: `${type} ${base64}` };
}
const a = keyBlob('a');
const b = keyBlob('b');

test('default file is the tool’s own, honouring XDG_CONFIG_HOME, never ~/.ssh', () => {
  assert.equal(defaultKnownHostsFile({ XDG_CONFIG_HOME: '/x/cfg' }), '/x/cfg/nixos-bootstrap/known_hosts');
  assert.match(defaultKnownHostsFile({}), /\/\.config\/nixos-bootstrap\/known_hosts$/);
  assert.doesNotMatch(defaultKnownHostsFile({}), /\.ssh/);
  // a relative XDG_CONFIG_HOME is invalid per the spec and ignored
  assert.match(defaultKnownHostsFile({ XDG_CONFIG_HOME: 'rel' }), /\/\.config\/nixos-bootstrap\/known_hosts$/);
});

test('parses plain, bracketed, hashed, marker and comment lines', () => {
  const text = [
    '# comment',
    `fe80::47%eth0 ${a.line}`,
    `[fe80::47%eth0]:2222,other ${b.line} a comment`,
    `@revoked bad.example ${b.line}`,
    'garbage line',
    '',
  ].join('\n');
  const entries = parseKnownHosts(text);
  assert.equal(entries.length, 3);
  assert.equal(entries[0]!.hosts, 'fe80::47%eth0');
  assert.equal(entries[0]!.line, 2);
  assert.ok(entries[0]!.key.equals(a.blob));
  assert.equal(entries[2]!.marker, '@revoked');
});

test('host patterns: exact, glob, negation, hashed (as ssh-keygen -H writes them)', () => {
  assert.ok(hostFieldMatches('a,fe80::47%eth0', 'fe80::47%eth0'));
  assert.ok(hostFieldMatches('*.local', 'bootstrap.local'));
  assert.ok(!hostFieldMatches('*.local,!bootstrap.local', 'bootstrap.local'));
  assert.ok(hostFieldMatches('boot?trap.local', 'bootstrap.local'));
  assert.ok(!hostFieldMatches('fe80::47%eth0', 'fe80::47%eth1'));
  // hash a file with OpenSSH itself and check we match its hashes
  const file = join(dir, 'hashed');
  writeFileSync(file, `[fe80::47%eth0]:2222 ${a.line}\nbootstrap.local ${a.line}\n`);
  execFileSync('ssh-keygen', ['-H', '-f', file], { stdio: 'ignore' });
  const hashed = parseKnownHosts(readFileSync(file, 'utf8'));
  assert.equal(hashed.length, 2);
  assert.ok(hashed.every((entry) => entry.hosts.startsWith('|1|')));
  assert.ok(hostFieldMatches(hashed[0]!.hosts, '[fe80::47%eth0]:2222'));
  assert.ok(hostFieldMatches(hashed[1]!.hosts, 'bootstrap.local'));
  assert.ok(!hostFieldMatches(hashed[1]!.hosts, 'other.local'));
});

test('lookup: known, new, changed (with the old fingerprints), revoked; port 22 written either way', () => {
  const text = `fe80::47%eth0 ${a.line}\n[other]:22 ${a.line}\n@revoked evil ${b.line}\n`;
  assert.deepEqual(lookupHostKey(text, 'fe80::47%eth0', a.blob), { status: 'known' });
  assert.deepEqual(lookupHostKey(text, '[fe80::47%eth0]:22', a.blob), { status: 'known' });
  assert.deepEqual(lookupHostKey(text, 'other', a.blob), { status: 'known' });
  assert.deepEqual(lookupHostKey(text, '[fe80::47%eth0]:2222', a.blob), { status: 'new' });
  assert.deepEqual(lookupHostKey(text, 'fe80::47%eth0', b.blob), { status: 'changed', knownFingerprints: [fingerprint(a.blob)] });
  assert.deepEqual(lookupHostKey(text, 'evil', b.blob), { status: 'revoked' });
  assert.deepEqual(lookupHostKey('', 'anything', a.blob), { status: 'new' });
});

test('recordHostKey: atomic 0600 file in a 0700 directory, replaces the host’s old key, keeps the rest', async () => {
  const file = join(dir, 'cfg', 'nixos-bootstrap', 'known_hosts');
  await recordHostKey(file, 'fe80::47%eth0', a.type, a.blob);
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.equal(statSync(join(dir, 'cfg', 'nixos-bootstrap')).mode & 0o777, 0o700);
  assert.equal(statSync(join(dir, 'cfg')).mode & 0o777, 0o700);
  assert.deepEqual(lookupHostKey(readFileSync(file, 'utf8'), 'fe80::47%eth0', a.blob), { status: 'known' });

  writeFileSync(file, `# mine\n*.lan ${a.line}\n${readFileSync(file, 'utf8')}other ${b.line}\n`, { mode: 0o600 });
  await recordHostKey(file, 'fe80::47%eth0', b.type, b.blob);
  const text = readFileSync(file, 'utf8');
  assert.deepEqual(lookupHostKey(text, 'fe80::47%eth0', b.blob), { status: 'known' });
  assert.equal(text.split('\n').filter((l) => l.startsWith('fe80::47%eth0')).length, 1, 'old key replaced, not added');
  assert.match(text, /^# mine$/m);
  assert.match(text, /^\*\.lan /m);
  assert.match(text, /^other /m);
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.deepEqual(readdirSync(join(dir, 'cfg', 'nixos-bootstrap')), ['known_hosts'], 'no temp file left');

  await recordHostKey(file, '[h]:2222', a.type, a.blob, { hash: true });
  const last = readFileSync(file, 'utf8').trim().split('\n').pop()!;
  assert.match(last, /^\|1\|/);
  assert.deepEqual(lookupHostKey(readFileSync(file, 'utf8'), '[h]:2222', a.blob), { status: 'known' });
  // OpenSSH agrees with what we wrote
  const found = execFileSync('ssh-keygen', ['-F', '[h]:2222', '-f', file], { encoding: 'utf8' });
  assert.match(found, /Host \[h\]:2222 found/);
});
