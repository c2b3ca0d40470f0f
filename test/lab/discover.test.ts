// Issue 4 in the lab: `nixos-bootstrap discover` (the built CLI, run on the laptop) finds every
// installer exactly once with its real host key, however it is reachable.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { inHost } from '../../source/lab/run-command.js';
import { LabHandle, cliPath, startLab, stopLab } from './lab-fixture.js';

interface Listed {
  names: string[];
  addresses: { address: string; interface: string | null; via: 'mdns' | 'ndp' }[];
  port: number;
  mac: string | null;
  banner: string | null;
  fingerprint: string | null;
  hostKeyType: string | null;
  firstSeenMs: number;
}

interface Run {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  /** Each stdout line with the ms since spawn at which it arrived. */
  lines: { atMs: number; text: string }[];
}

/** Runs the built CLI on the laptop, timing each output line (to see that results stream). */
function discoverOnLaptop(lab: LabHandle, args: string[]): Promise<Run> {
  const argv = inHost(lab.state.laptop.anchorPid, ['env', '-u', 'CI', 'HOME=/root', process.execPath, cliPath, 'discover', ...args]);
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    const run: Run = { exitCode: null, stdout: '', stderr: '', lines: [] };
    let partial = '';
    child.stdout.on('data', (chunk: Buffer) => {
      run.stdout += chunk.toString();
      partial += chunk.toString();
      for (let end = partial.indexOf('\n'); end >= 0; end = partial.indexOf('\n')) {
        run.lines.push({ atMs: performance.now() - started, text: partial.slice(0, end) });
        partial = partial.slice(end + 1);
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (run.stderr += chunk.toString()));
    child.on('error', reject);
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      run.exitCode = code;
      resolve(run);
    });
  });
}

const parse = (run: Run): Listed[] => run.lines.map((line) => JSON.parse(line.text) as Listed);

before(() => {
  assert.ok(existsSync(cliPath), `${cliPath} is missing: run 'npm run build' first (npm test does)`);
});

describe('installers on separate links: link-local only, with IPv4, without avahi, with an ECDSA key', () => {
  const id = 'nbd';
  const keyDir = mkdtempSync(join(tmpdir(), 'nbd-keys-'));
  let lab: LabHandle;

  before(async () => {
    const ecdsaKey = join(keyDir, 'ssh_host_ecdsa_key');
    await execa('ssh-keygen', ['-q', '-t', 'ecdsa', '-b', '256', '-N', '', '-C', 'nbd-ecdsa', '-f', ecdsaKey]);
    lab = await startLab({
      id,
      installers: [
        // 1: what a stock installer on IPv6-only link-local looks like: fe80::47 + EUI-64, avahi.
        { hostname: 'bootstrap' },
        // 2: also an IPv4 address (A record).
        { hostname: 'nixos', ipv4: true },
        // 3: avahi stopped: only NDP (ping ff02::1, fe80::47) can find it.
        { hostname: 'bootstrap', avahi: false },
        // 4: a name we only look for with --name; only fe80::47 (no EUI-64); ECDSA host key.
        { hostname: 'labbox', eui64: false, hostKeyFile: ecdsaKey },
      ],
    });
  });
  after(async () => {
    await stopLab(lab, id);
    rmSync(keyDir, { recursive: true, force: true });
  });

  test('discover --json lists each installer exactly once, with its real host key and MAC', async () => {
    const run = await discoverOnLaptop(lab, ['--json', '--name', 'labbox']);
    assert.equal(run.exitCode, 0, run.stderr);
    const listed = parse(run);
    const expected = lab.state.installers.map((i) => i.hostKeyFingerprint).sort();
    assert.deepEqual(listed.map((l) => l.fingerprint).sort(), expected, 'each fingerprint exactly once');
    for (const installer of lab.state.installers) {
      const entry = listed.find((l) => l.fingerprint === installer.hostKeyFingerprint)!;
      assert.equal(entry.mac, installer.mac, `installer ${installer.index} MAC`);
      assert.equal(entry.port, 22);
      assert.match(entry.banner ?? '', /^SSH-2\.0-OpenSSH_/);
      assert.ok(
        entry.addresses.some((a) => a.address === 'fe80::47' && a.interface === installer.laptopInterface),
        `installer ${installer.index} at fe80::47%${installer.laptopInterface}: ${JSON.stringify(entry.addresses)}`,
      );
      assert.ok(
        entry.addresses.every((a) => a.interface === installer.laptopInterface),
        'every address on its own link',
      );
      assert.ok(entry.firstSeenMs >= 0 && entry.firstSeenMs < 3000);
    }
    const byIndex = (index: number) => listed.find((l) => l.fingerprint === lab.installerState(index).hostKeyFingerprint)!;

    const one = byIndex(1);
    assert.deepEqual(one.names, ['bootstrap.local']);
    assert.deepEqual(one.addresses.map((a) => a.address).sort(), ['fe80::47', lab.installerState(1).eui64Address!].sort());
    assert.equal(one.hostKeyType, 'ssh-ed25519');

    const two = byIndex(2);
    assert.deepEqual(two.names, ['nixos.local']);
    assert.deepEqual(two.addresses[0], { address: lab.installerState(2).ipv4!, interface: 'inst2', via: 'mdns' }, 'IPv4 first, from mDNS');

    const three = byIndex(3);
    assert.deepEqual(three.names, [], 'no avahi, no name');
    assert.ok(
      three.addresses.every((a) => a.via === 'ndp'),
      'found by NDP alone',
    );
    assert.ok(
      three.addresses.some((a) => a.address === lab.installerState(3).eui64Address),
      'its EUI-64 address too (from ping ff02::1)',
    );

    const four = byIndex(4);
    assert.deepEqual(four.names, ['labbox.local']);
    assert.deepEqual(
      four.addresses.map((a) => a.address),
      ['fe80::47'],
    );
    assert.equal(four.hostKeyType, 'ecdsa-sha2-nistp256');
  });

  test('results stream: each line appears as soon as it is verified, long before the 3 s timeout', async () => {
    const run = await discoverOnLaptop(lab, ['--json']);
    assert.equal(run.exitCode, 0, run.stderr);
    assert.equal(run.lines.length, 4);
    const lastLineMs = Math.max(...run.lines.map((l) => l.atMs));
    assert.ok(lastLineMs < 1500, `last installer listed after ${lastLineMs.toFixed(0)} ms`);
    // Without --name the custom-named installer is still found (fe80::47), just without a name.
    const four = parse(run).find((l) => l.fingerprint === lab.installerState(4).hostKeyFingerprint)!;
    assert.deepEqual(four.names, []);
  });

  test('discover only asks: its mDNS sockets are ephemeral UDP ports, never the responder port 5353', async () => {
    const pending = discoverOnLaptop(lab, ['--json', '--timeout', '1.5']);
    // `ss` rows of the discover process (the laptop's avahi holds 5353 as a real responder).
    const ours = (text: string) => text.split('\n').filter((l) => /users:\(\("node",/.test(l));
    let rows: string[] = [];
    const deadline = Date.now() + 1200;
    while (rows.length < 5 && Date.now() < deadline) {
      const ss = await lab.laptop(['ss', '-H', '-uanp']);
      assert.equal(ss.exitCode, 0, ss.stderr);
      rows = ours(ss.stdout);
      assert.ok(ss.stdout.includes(':5353'), 'the laptop avahi is seen on 5353 (else the check proves nothing)');
    }
    const run = await pending;
    assert.equal(run.exitCode, 0, run.stderr);
    // One socket per link and family: 4 links over IPv6, installer 2's link over IPv4 too.
    assert.ok(rows.length >= 5, `discover's UDP sockets while it ran: ${rows.join('\n')}`);
    assert.deepEqual(
      rows.filter((l) => /:5353\s/.test(l)),
      [],
      "a socket on 5353 would hear (and could answer) the LAN's queries",
    );
  });

  test('--interface limits the search to one link', async () => {
    const run = await discoverOnLaptop(lab, ['--json', '--interface', 'inst2', '--timeout', '1']);
    assert.equal(run.exitCode, 0, run.stderr);
    assert.deepEqual(
      parse(run).map((l) => l.fingerprint),
      [lab.installerState(2).hostKeyFingerprint],
    );
  });

  test('without --json: a plain table (stdout is not a terminal here), one row per installer', async () => {
    const run = await discoverOnLaptop(lab, ['--timeout', '1.5']);
    assert.equal(run.exitCode, 0, run.stderr);
    assert.match(run.lines[0]!.text, /^NAME\s+ADDRESS\s+MAC\s+HOST KEY$/);
    for (const installer of lab.state.installers) {
      const rows = run.lines.filter((l) => l.text.includes(installer.hostKeyFingerprint));
      assert.equal(rows.length, 1, `one row for installer ${installer.index}`);
      assert.ok(rows[0]!.text.includes(installer.mac));
    }
    assert.match(run.stdout, /\n4 installers found in \d+\.\d s\n$/);
    // eslint-disable-next-line no-control-regex -- finding terminal escapes is the point
    assert.doesNotMatch(run.stdout, /\x1b\[/, 'no terminal escapes when not on a terminal');
  });

  test('installers whose sshd is down: exit 4, saying what was seen and tried', async () => {
    for (const installer of lab.state.installers) {
      const killed = await lab.installer(installer.index, `kill ${installer.pids.sshd}`);
      assert.equal(killed.exitCode, 0, killed.stderr);
    }
    const run = await discoverOnLaptop(lab, ['--json', '--timeout', '1']);
    assert.equal(run.exitCode, 4, run.stderr);
    assert.equal(run.stdout, '');
    assert.match(run.stderr, /no installer found on inst1, inst2, inst3, inst4 within 1 s/);
    assert.match(run.stderr, /tried mDNS bootstrap\.local, nixos\.local, nixos-installer\.local/);
    assert.match(run.stderr, /pinged ff02::1 and checked fe80::47 port 22 on inst1, inst2, inst3, inst4/);
    assert.match(run.stderr, /seen bootstrap\.local at [^\n]*fe80::47%inst1 \(\w+\)[^\n]*, but no SSH: connection refused/);
    assert.match(run.stderr, /seen nixos\.local at [^\n]*10\.47\.2\.2 \(mdns\)[^\n]*, but no SSH: connection refused/);
    assert.match(run.stderr, /seen fe80::47%inst3 \(ndp\)/, 'the installer without avahi was seen by NDP');
    assert.match(run.stderr, /likely causes: the installer is on a different link/);
  });

  test('an installer whose sshd comes up while discover runs is listed once it answers', async () => {
    const installer = lab.installerState(1);
    const pending = discoverOnLaptop(lab, ['--json', '--timeout', '3.5']);
    await new Promise((resolve) => setTimeout(resolve, 1200));
    // The installer's own /etc/ssh/sshd_config, as the lab started it (daemonizes).
    const started = await lab.installer(1, '/usr/sbin/sshd');
    assert.equal(started.exitCode, 0, started.stderr);
    const run = await pending;
    assert.equal(run.exitCode, 0, run.stderr);
    assert.deepEqual(
      parse(run).map((l) => l.fingerprint),
      [installer.hostKeyFingerprint],
    );
    assert.ok(run.lines[0]!.atMs > 1200, 'listed only after sshd started');
  });
});

describe('twins on one shared link: avahi renames the second bootstrap-2.local', () => {
  const id = 'nbdtwin';
  let lab: LabHandle;

  before(async () => {
    lab = await startLab({ id, sharedLink: true, installers: [{ hostname: 'bootstrap' }, { hostname: 'bootstrap' }, { hostname: 'bootstrap', ipv4: true }] });
  });
  after(async () => {
    await stopLab(lab, id);
  });

  /**
   * The host name each installer's avahi settled on, once conflicts are resolved (renames take
   * ~1 s) and the names stayed distinct for a second.
   */
  async function settledAvahiNames(): Promise<Map<number, string>> {
    const deadline = Date.now() + 20_000;
    let previous = '';
    let stableSince = Date.now();
    for (;;) {
      const names = new Map<number, string>();
      for (const installer of lab.state.installers) {
        const log = existsSync(`${installer.dir}/avahi.log`) ? readFileSync(`${installer.dir}/avahi.log`, 'utf8') : '';
        const lastStart = log.lastIndexOf('Server startup complete. Host name is ');
        const settled = lastStart >= 0 && log.indexOf('Host name conflict', lastStart) < 0;
        const name = /Host name is (\S+)\./.exec(log.slice(lastStart))?.[1];
        if (settled && name) names.set(installer.index, name);
      }
      const text = JSON.stringify([...names]);
      if (text !== previous) [previous, stableSince] = [text, Date.now()];
      const distinct = names.size === lab.state.installers.length && new Set(names.values()).size === names.size;
      if (distinct && Date.now() - stableSince >= 1000) return names;
      assert.ok(Date.now() < deadline, `avahi on the shared link never settled on distinct names: ${JSON.stringify([...names])}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  test('every twin is listed once, by its own key, under its own (renamed) name', async () => {
    const avahiNames = await settledAvahiNames();
    assert.ok(
      [...avahiNames.values()].some((n) => /^bootstrap-\d\.local$/.test(n)),
      'avahi renamed a twin',
    );
    const run = await discoverOnLaptop(lab, ['--json']);
    assert.equal(run.exitCode, 0, run.stderr);
    const listed = parse(run);
    assert.deepEqual(listed.map((l) => l.fingerprint).sort(), lab.state.installers.map((i) => i.hostKeyFingerprint).sort());
    for (const entry of listed) {
      const installer = lab.state.installers.find((i) => i.hostKeyFingerprint === entry.fingerprint)!;
      assert.deepEqual(entry.names, [avahiNames.get(installer.index)], `installer ${installer.index} under the name its avahi announces`);
      assert.equal(entry.mac, installer.mac);
      assert.ok(entry.addresses.every((a) => a.interface === 'lan0'));
      assert.ok(
        entry.addresses.some((a) => a.address === installer.eui64Address),
        `${installer.index} at its EUI-64 address`,
      );
    }
    // Duplicate address detection lets only one twin keep fe80::47.
    assert.equal(listed.filter((l) => l.addresses.some((a) => a.address === 'fe80::47')).length, 1);
  });
});

describe('a laptop with no link to any installer', () => {
  const id = 'nbdnone';
  let lab: LabHandle;

  before(async () => {
    lab = await startLab({ id, installers: [] });
  });
  after(async () => {
    await stopLab(lab, id);
  });

  test('exit 4, explaining that no interface could be searched and what usually causes it', async () => {
    const run = await discoverOnLaptop(lab, ['--timeout', '0.5']);
    assert.equal(run.exitCode, 4, run.stderr);
    assert.equal(run.stdout, '');
    assert.match(run.stderr, /^nixos-bootstrap: no installer found anywhere: no usable network interface/);
    assert.match(run.stderr, /5353\/udp/);
    assert.match(run.stderr, /no avahi/);
  });
});
