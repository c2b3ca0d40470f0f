import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { BootstrapError, ExitCode } from '../../../source/core/exit-codes.js';
import { asRoot, formatTarget, isLinkLocal, knownHostsName, parseTarget, sshHost } from '../../../source/core/ssh/target.js';

const usage = (fn: () => unknown, pattern: RegExp) =>
  assert.throws(fn, (error: unknown) => error instanceof BootstrapError && error.exitCode === ExitCode.usage && pattern.test(error.message));

test('user@host:port, defaults root and 22', () => {
  assert.deepEqual(parseTarget('bootstrap.local'), { host: 'bootstrap.local', port: 22, user: 'root' });
  assert.deepEqual(parseTarget('nixos@10.0.0.5:2222'), { host: '10.0.0.5', port: 2222, user: 'nixos' });
  assert.deepEqual(parseTarget('10.0.0.5', { user: 'admin', port: 2200 }), { host: '10.0.0.5', port: 2200, user: 'admin' });
  // an explicit port in the spec wins over -p
  assert.equal(parseTarget('host:23', { port: 2200 }).port, 23);
});

test('link-local with its interface name, bracketed or bare', () => {
  assert.deepEqual(parseTarget('[fe80::47%eth0]:22'), { host: 'fe80::47', interface: 'eth0', port: 22, user: 'root' });
  assert.deepEqual(parseTarget('root@fe80::47%eth0'), { host: 'fe80::47', interface: 'eth0', port: 22, user: 'root' });
  assert.deepEqual(parseTarget('root@[FE80::47%inst1]:2022'), { host: 'fe80::47', interface: 'inst1', port: 2022, user: 'root' });
  assert.deepEqual(parseTarget('[2001:db8::1]:22'), { host: '2001:db8::1', port: 22, user: 'root' });
  assert.deepEqual(parseTarget('2001:db8::1'), { host: '2001:db8::1', port: 22, user: 'root' });
});

test('link-local without a zone, or with a numeric one, is a usage error', () => {
  usage(() => parseTarget('fe80::47'), /link-local address fe80::47 needs its interface/);
  usage(() => parseTarget('[fe80::1]:22'), /needs its interface/);
  usage(() => parseTarget('febf::1'), /needs its interface/);
  usage(() => parseTarget('fe80::47%2'), /numeric zone '%2'/);
  usage(() => parseTarget('[fe80::47%3]:22'), /numeric zone/);
});

test('malformed targets are usage errors', () => {
  usage(() => parseTarget(''), /empty target/);
  usage(() => parseTarget('host:0'), /bad port '0'/);
  usage(() => parseTarget('host:70000'), /bad port/);
  usage(() => parseTarget('host:ssh'), /bad port 'ssh'/);
  usage(() => parseTarget('[fe80::47%eth0'), /unclosed/);
  usage(() => parseTarget('[fe80::47%eth0]x'), /unexpected 'x'/);
  usage(() => parseTarget('10.0.0.1%eth0'), /only belongs to an IPv6 address/);
  usage(() => parseTarget('@host'), /bad user/);
  usage(() => parseTarget('fe80::47%'), /empty zone/);
  usage(() => parseTarget('12::34::56'), /bad IPv6 address/);
});

test('isLinkLocal covers fe80::/10 only', () => {
  assert.ok(isLinkLocal('fe80::47'));
  assert.ok(isLinkLocal('febf:ffff::1'));
  assert.ok(!isLinkLocal('fec0::1'));
  assert.ok(!isLinkLocal('2001:db8::1'));
  assert.ok(!isLinkLocal('10.0.0.1'));
});

test('ssh2 host, display form and known_hosts name', () => {
  const ll = parseTarget('fe80::47%eth0');
  assert.equal(sshHost(ll), 'fe80::47%eth0');
  assert.equal(formatTarget(ll), 'root@fe80::47%eth0');
  assert.equal(knownHostsName(ll), 'fe80::47%eth0');
  const high = parseTarget('[fe80::47%eth0]:2222');
  assert.equal(formatTarget(high), 'root@[fe80::47%eth0]:2222');
  assert.equal(knownHostsName(high), '[fe80::47%eth0]:2222');
  assert.equal(formatTarget(parseTarget('me@host:23')), 'me@host:23');
  // the display form parses back to the same target
  for (const spec of ['root@fe80::47%eth0', 'root@[fe80::47%eth0]:2222', 'me@host:23', 'root@[2001:db8::1]:2200']) {
    assert.equal(formatTarget(parseTarget(spec)), spec);
  }
});

test('a user other than root runs each command through sudo -n, quoted whole; root runs it as is', () => {
  assert.equal(asRoot({ user: 'root' }, "echo 'a b' | cat"), "echo 'a b' | cat");
  const wrapped = asRoot({ user: 'nixos' }, "echo 'a b' | cat > /dev/null");
  assert.equal(wrapped, `sudo -n -- bash -c 'PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"; echo '\\''a b'\\'' | cat > /dev/null'`);
  const shell = spawnSync('bash', ['-c', wrapped.replace(/^sudo -n -- /, '')], { encoding: 'utf8' });
  assert.equal(shell.status, 0, 'the quoted command is one valid bash -c argument');
});
