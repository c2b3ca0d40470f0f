// install --hosts: the command's own flags, and what is refused before anything is contacted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { BootstrapError, ExitCode } from '../../source/core/exit-codes.js';
import type { RunEvent } from '../../source/core/install/events.js';
import { installHosts } from '../../source/headless/install-hosts.js';
import { parseFleetRequest, withoutFlags } from '../../source/headless/install-options.js';
import { Reporter } from '../../source/headless/reporter.js';
import { notWithResume } from '../../source/headless/resume-flags.js';
import { parseWizardFlags } from '../../source/ui/wizard-options.js';

/** A stream and what was written to it. */
const collect = () => {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk) => (text += chunk));
  return { stream, text: () => text };
};

const usage = (pattern: RegExp) => (e: unknown) => e instanceof BootstrapError && e.exitCode === ExitCode.usage && pattern.test(e.message);

test('--hosts takes its own flags out; what is left applies to every machine', async () => {
  const request = parseFleetRequest([
    '--hosts',
    'hosts.json',
    '--only=web1,web2',
    '--only',
    'db',
    '--concurrency',
    '2',
    '--chown',
    '/persist/me',
    '1000:100',
    '--luks-passphrase-file',
    'pass',
    '--json',
    '--yes',
  ])!;
  assert.deepEqual(request, {
    hostsFile: 'hosts.json',
    only: ['web1', 'web2', 'db'],
    concurrency: 2,
    json: true,
    resume: false,
    dryRun: false,
    sharedArgs: ['--chown', '/persist/me', '1000:100', '--luks-passphrase-file', 'pass', '--json', '--yes'],
  });
  assert.equal(parseFleetRequest(['--hosts=h.json', '--all'])!.concurrency, 4);
  // On --resume, what the first run chose once (keys, files written) is left out of every machine's flags.
  assert.deepEqual(
    withoutFlags(
      ['--age-key', 'generate', '--generate-hardware-config', 'nixos-facter', 'f.json', '--flake', '.#a', '--skip-boot-check', '--secrets=s'],
      notWithResume,
    ),
    ['--flake', '.#a'],
  );
  assert.equal(parseFleetRequest(['root@host', '--flake', '.#web']), undefined, 'one machine');
  assert.equal(parseFleetRequest(['--hosts', 'h.json', '--help']), undefined, 'help is help');

  const refused = (argv: string[], pattern: RegExp) => assert.throws(() => parseFleetRequest(argv), usage(pattern));
  refused(['--all', '--flake', '.#web'], /--all needs --hosts FILE/);
  refused(['root@x', '--concurrency', '2'], /--concurrency needs --hosts FILE/);
  refused(['--hosts', 'h.json', '--all', 'root@x'], /no TARGET \('root@x'\)/);
  refused(['--hosts', 'h.json', '--all', '--log', 'one.log'], /each machine has its own log/);
  refused(['--hosts', 'h.json', '--all', '--luks-passphrase-file', '-'], /no passphrase on stdin/);
  refused(['--hosts', 'h.json'], /needs --all .* or --only HOST/);
  refused(['--hosts', 'h.json', '--all', '--only', 'a'], /--all or --only, not both/);
  refused(['--hosts', 'h.json', '--all', '--concurrency', '99'], /--concurrency wants a whole number from 1 to 16/);
  refused(['--hosts', 'h.json', '--all', '--frobnicate'], /Unknown option '--frobnicate'/);
  // The one-machine wizard never takes them silently; with --hosts the many-machines wizard runs,
  // which confirms by typing and refuses what only install does.
  assert.throws(() => parseWizardFlags(['--concurrency', '2'], {}), usage(/--concurrency needs --hosts FILE/));
  const wizard = (argv: string[]) => import('../../source/ui/wizard-command.js').then(({ main }) => main(argv));
  await assert.rejects(wizard(['--hosts', 'h.json', '--yes']), usage(/the wizard confirms every plan by typing their number, not --yes/));
  await assert.rejects(wizard(['--hosts', 'h.json', '--json']), usage(/the wizard has no --json/));
  await assert.rejects(wizard(['--hosts', 'h.json', '--only', 'a', '--dry-run']), usage(/shows every plan before anything is written/));
  await assert.rejects(wizard(['--hosts', '/nonexistent/h.json']), usage(/cannot read the hosts file \/nonexistent\/h\.json: no such file/));
});

test('entries are checked with the shared flags before any machine is looked for: bad flags, a host twice, --only of a host not in the file', async () => {
  const work = mkdtempSync(join(tmpdir(), 'nb-hosts-'));
  try {
    const file = join(work, 'hosts.json');
    const run = (hosts: object[], ...argv: string[]) => {
      writeFileSync(file, JSON.stringify({ hosts }));
      return installHosts(parseFleetRequest(['--hosts', file, ...(argv.length ? argv : ['--all']), '--age-key', 'none'])!);
    };
    const web = { mac: '52:54:00:47:00:01', flake: 'github:me/c#web' };
    await assert.rejects(run([{ ...web, swap: 'lots' }]), usage(/hosts\.json, host 1: .*--swap/));
    await assert.rejects(run([{ mac: '52:54:00:47:00:01' }]), usage(/hosts\.json, host 1: --flake URI#HOST is required/));
    await assert.rejects(run([web, { ...web, mac: '52:54:00:47:00:02' }]), usage(/names the host web twice/));
    await assert.rejects(run([web], '--only', 'db'), usage(/--only db: not in .*hosts\.json/));
    // A file one machine writes is never given to two: its age key, its modules in the flake.
    const db = { mac: '52:54:00:47:00:02', flake: 'github:me/c#db' };
    writeFileSync(file, JSON.stringify({ hosts: [web, db] }));
    await assert.rejects(
      installHosts(parseFleetRequest(['--hosts', file, '--all', '--age-key-out', join(work, 'k.agekey')])!),
      usage(/--age-key-out .*k\.agekey is given to web and db/),
    );
    await assert.rejects(
      run([
        { ...web, 'write-disk-config': './flake/disks.nix' },
        { ...db, 'write-disk-config': 'flake/disks.nix' },
      ]),
      usage(/--write-disk-config flake\/disks\.nix is given to web and db/),
    );
    assert.throws(() => parseFleetRequest(['--hosts', file, '--all', '--expect-fingerprint', 'SHA256:x']), usage(/--expect-fingerprint names one machine/));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});

test("a machine's text lines start with [host] and hold no control sequence a host sent; its JSON lines carry host", () => {
  const out = collect();
  const text = new Reporter(false, out.stream, out.stream, 'web1');
  text.record('boot-check', {}, 'Boot check:\n  nix said \x1b]52;c;aGk=\x07 hello');
  text.note('a note');
  assert.equal(out.text(), '[web1] Boot check:\n[web1]   nix said  hello\n[web1] a note\n');
  const json = collect();
  new Reporter(true, json.stream, json.stream, 'web1').record('disk', { disk: '/dev/vda' });
  assert.deepEqual(JSON.parse(json.text()), { type: 'disk', host: 'web1', disk: '/dev/vda' });
});

test('a chunk of output is one event, shown as one NDJSON record or text line per line of it', () => {
  const chunk: RunEvent = { type: 'output', id: 'install', stream: 'stdout', lines: ['copying a', 'copying \x1b[2Jb'] };
  const json = collect();
  new Reporter(true, json.stream, json.stream, 'web1').event(chunk);
  assert.deepEqual(
    json
      .text()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line)),
    [
      { type: 'output', id: 'install', stream: 'stdout', line: 'copying a', host: 'web1' },
      { type: 'output', id: 'install', stream: 'stdout', line: 'copying \x1b[2Jb', host: 'web1' },
    ],
  );
  const text = collect();
  new Reporter(false, text.stream, text.stream, 'web1').event(chunk);
  assert.equal(text.text(), '[web1]     copying a\n[web1]     copying b\n');
});

test('a machine matched by MAC is installed only if its own interface, read once logged in, has that MAC', async () => {
  const { checkMachineMac } = await import('../../source/headless/install-command.js');
  const { facts } = await import('../core/plan/fixtures.js');
  const machine = {
    ...(await import('../../source/headless/install-options.js')).parseInstallFlags(['--flake', 'github:me/c#web']),
    expectMac: '52:54:00:47:00:01',
  };
  const at = (mac: string) => facts({ connection: { interface: 'eth0', mac } });
  checkMachineMac(at('52:54:00:47:00:01'), machine);
  assert.throws(
    () => checkMachineMac(at('52:54:00:47:00:02'), machine),
    (e: unknown) => e instanceof BootstrapError && e.exitCode === ExitCode.refused && /has MAC 52:54:00:47:00:02, not 52:54:00:47:00:01/.test(e.message),
  );
  checkMachineMac(at('52:54:00:47:00:02'), { ...machine, expectMac: undefined });
});
