// install --hosts: the hosts file, which installer is which machine, and a few at a time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Candidate } from '../../../source/core/discovery/candidate.js';
import { BootstrapError, ExitCode } from '../../../source/core/exit-codes.js';
import { commandOnlyFlags, flagArgs, parseHostsFile as parseWith } from '../../../source/core/fleet/hosts-file.js';
import { choiceFlagSpec } from '../../../source/flags/choice-flags.js';
import { matchMachines } from '../../../source/core/fleet/match-machines.js';
import { inPool, worstExitCode } from '../../../source/core/fleet/run-pool.js';

const usage = (pattern: RegExp) => (e: unknown) => e instanceof BootstrapError && e.exitCode === ExitCode.usage && pattern.test(e.message);
const machineFlags = Object.keys(choiceFlagSpec).filter((name) => !commandOnlyFlags.includes(name));
const parseHostsFile = (text: string, file: string) => parseWith(text, file, machineFlags);
const fp = (n: number) => `SHA256:${String(n).repeat(43).slice(0, 43)}`;

test('a hosts file: each entry names its machine and holds its flags as argv (one parser checks them later)', () => {
  const entries = parseHostsFile(
    JSON.stringify({
      hosts: [
        { mac: '52-54-00-47-00-01', flake: './cfg#web1', luks: true, tmpstore: false, mkdir: ['persist', 'data'], chown: [['/persist/me', '1000:100']] },
        { fingerprint: fp(2), name: 'Bootstrap-2', disk: '/dev/disk/by-id/nvme-x', 'luks-iter-time': 200 },
      ],
    }),
    'hosts.json',
  );
  assert.deepEqual(entries[0]!.match, { mac: '52:54:00:47:00:01' });
  assert.deepEqual(entries[0]!.args, ['--flake', './cfg#web1', '--luks', '--mkdir', 'persist', '--mkdir', 'data', '--chown', '/persist/me', '1000:100']);
  assert.deepEqual(entries[1]!.match, { fingerprint: fp(2), name: 'bootstrap-2.local' });
  assert.deepEqual(entries[1]!.args, ['--disk', '/dev/disk/by-id/nvme-x', '--luks-iter-time', '200']);
  assert.deepEqual(flagArgs('x', false, 'w'), []);

  const bad = (data: unknown, pattern: RegExp) =>
    assert.throws(() => parseHostsFile(typeof data === 'string' ? data : JSON.stringify(data), 'hosts.json'), usage(pattern));
  bad('{ hosts: [', /hosts\.json is not JSON/);
  bad({ machines: [] }, /has no "hosts" list/);
  bad({ hosts: [{ flake: './c#a' }] }, /host 1 names no machine/);
  bad({ hosts: [{ mac: 'nope', flake: './c#a' }] }, /"mac" nope is not a MAC address/);
  bad({ hosts: [{ fingerprint: 'MD5:aa', flake: './c#a' }] }, /is not a host key fingerprint/);
  bad({ hosts: [{ mac: '52:54:00:47:00:01', yes: true }] }, /"yes" applies to the whole command/);
  bad({ hosts: [{ mac: '52:54:00:47:00:01', disk: { path: '/dev/sda' } }] }, /"disk" holds \{"path":"\/dev\/sda"\}/);
  // No flag smuggled past these checks: an inline value, an empty name, stdin shared by all.
  bad({ hosts: [{ mac: '52:54:00:47:00:01', 'log=/tmp/x': true }] }, /"log=\/tmp\/x" is not an install flag/);
  bad({ hosts: [{ mac: '52:54:00:47:00:01', '': ['root@10.9.9.9'] }] }, /"" is not an install flag/);
  bad({ hosts: [{ mac: '52:54:00:47:00:01', 'expect-fingerprint': 'SHA256:x' }] }, /applies to the whole command/);
  bad({ hosts: [{ mac: '52:54:00:47:00:01', luks: true, 'luks-passphrase-file': '-' }] }, /cannot be stdin/);
});

test('a hosts file in TOML (.toml): the same entries as in JSON, checked the same way', () => {
  const toml = `# the rack by the window
[[hosts]]
mac = "52-54-00-47-00-01"
flake = "./cfg#web1"
luks = true
tmpstore = false
mkdir = ["persist", "data"]
chown = [["/persist/me", "1000:100"]]

[[hosts]]
fingerprint = "${fp(2)}"
name = "Bootstrap-2"
disk = "/dev/disk/by-id/nvme-x"
luks-iter-time = 200
`;
  const json = JSON.stringify({
    hosts: [
      { mac: '52-54-00-47-00-01', flake: './cfg#web1', luks: true, tmpstore: false, mkdir: ['persist', 'data'], chown: [['/persist/me', '1000:100']] },
      { fingerprint: fp(2), name: 'Bootstrap-2', disk: '/dev/disk/by-id/nvme-x', 'luks-iter-time': 200 },
    ],
  });
  assert.deepEqual(parseHostsFile(toml, 'rack.toml'), parseHostsFile(json, 'rack.json'));
  const bad = (text: string, pattern: RegExp) => assert.throws(() => parseHostsFile(text, 'rack.TOML'), usage(pattern));
  bad('[[hosts]\nmac = 1', /rack\.TOML is not TOML: /);
  bad('[[hosts]]\nmac = 52:54:00:47:00:01', /is not TOML: Invalid TOML document: invalid date \(line 2, column 7\)/);
  // A flag above the first [[hosts]] would apply to no machine: refused, as in JSON.
  bad('luks = true\n[[hosts]]\nmac = "52:54:00:47:00:01"', /"luks" is outside the hosts list/);
  assert.throws(() => parseHostsFile('{ "luks": true, "hosts": [{ "mac": "52:54:00:47:00:01" }] }', 'h.json'), usage(/"luks" is outside the hosts list/));
  bad('[[machines]]\nmac = "52:54:00:47:00:01"', /has no "hosts" list/);
  bad('[[hosts]]\nmac = "52:54:00:47:00:01"\nyes = true', /"yes" applies to the whole command/);
  // A TOML date is no flag value.
  bad('[[hosts]]\nmac = "52:54:00:47:00:01"\ndisk = 2026-12-03', /"disk" holds/);
  // A .json file is never read as TOML.
  assert.throws(() => parseHostsFile(toml, 'rack.json'), usage(/rack\.json is not JSON/));
});

const installer = (n: number, more: Partial<Candidate> = {}): Candidate => ({
  id: fp(n),
  names: [n === 1 ? 'bootstrap.local' : `bootstrap-${n}.local`],
  addresses: [{ address: `fe80::5054:ff:fe47:${n}`, interface: `inst${n}`, via: 'mdns' }],
  port: 22,
  mac: `52:54:00:47:00:0${n}`,
  fingerprint: fp(n),
  firstSeenMs: n,
  ...more,
});

test('matching: one installer per entry, none claimed twice, and a key named in the entry or trusted before', () => {
  const entries = parseHostsFile(
    JSON.stringify({
      hosts: [
        { mac: '52:54:00:47:00:01', flake: './c#trusted-by-mac' },
        { fingerprint: fp(2), flake: './c#by-key' },
        { mac: '52:54:00:47:00:03', flake: './c#untrusted-by-mac' },
        { name: 'bootstrap-4', flake: './c#twice-a' },
        { mac: '52:54:00:47:00:04', flake: './c#twice-b' },
        { name: 'nixos', flake: './c#two-answer' },
        { mac: '52:54:00:47:00:09', flake: './c#absent' },
      ],
    }),
    'hosts.json',
  );
  const found = [
    installer(1),
    installer(2),
    installer(3),
    installer(4),
    installer(5, { names: ['nixos.local'] }),
    installer(6, { names: ['nixos.local'] }),
    installer(7),
    installer(8, { fingerprint: undefined }),
  ];
  const result = matchMachines(entries, found, (key) => key === fp(1));
  assert.deepEqual(
    result.matched.map((m) => [m.entry.position, m.installer.mac]),
    [
      [1, '52:54:00:47:00:01'],
      [2, '52:54:00:47:00:02'],
    ],
  );
  const why = Object.fromEntries(result.refused.map((r) => [r.entry.position, `${r.kind}: ${r.reason}`]));
  assert.match(why[3]!, new RegExp(`^refused: .*not trusted before \\(${fp(3).replace(/[+/]/g, '\\$&')}\\).*add "fingerprint"`));
  assert.match(why[4]!, /^refused: the installer bootstrap-4\.local .* matches host 4 \(name bootstrap-4\.local\) and host 5 too/);
  assert.match(why[5]!, /^refused: .* matches host 5 .* and host 4 too/);
  assert.match(why[6]!, /^refused: 2 installers match host 6 \(name nixos\.local\)/);
  assert.match(why[7]!, /^missing: no installer matching host 7 \(mac 52:54:00:47:00:09\) answered/);
  // Listed, never installed: verified installers no entry names (the unverified one is not listed).
  assert.deepEqual(
    result.unmatched.map((c) => c.mac),
    ['52:54:00:47:00:07'],
  );
});

test('a few at a time, in order; the exit status is the worst of all', async () => {
  let running = 0;
  let most = 0;
  const results = await inPool([5, 1, 4, 2, 3], 2, async (n) => {
    running += 1;
    most = Math.max(most, running);
    await new Promise((resolve) => setTimeout(resolve, n * 5));
    running -= 1;
    return n * 10;
  });
  assert.deepEqual(results, [50, 10, 40, 20, 30]);
  assert.equal(most, 2);
  assert.equal(worstExitCode([0, 0]), 0);
  assert.equal(worstExitCode([0, 4, 3]), ExitCode.refused);
  assert.equal(worstExitCode([2, 1, 4]), ExitCode.phaseFailed);
  assert.equal(worstExitCode([1, 130]), ExitCode.aborted);
});
