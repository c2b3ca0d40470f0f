// --disko-mode and --disk-encryption-keys: the flags, the plan, and the disko phase's commands run
// for real in bash (a stand-in `disko` that fails on demand, on this machine's tmpfs /dev/shm).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BootstrapError } from '../../../source/core/exit-codes.js';
import { Journal, journalPath } from '../../../source/core/install/journal.js';
import { readDiskEncryptionKeys, runSecrets } from '../../../source/core/install/run-secrets.js';
import { secretValues } from '../../../source/core/install/secrets.js';
import { Redactor } from '../../../source/core/logs/redact.js';
import { formatPlan } from '../../../source/core/plan/format-plan.js';
import { plan } from '../../../source/core/plan/plan.js';
import type { DiskoLayout, PlannedCommand, SecretName, Secrets } from '../../../source/core/plan/types.js';
import { parseInstallFlags } from '../../../source/headless/install-options.js';
import { parseWizardFlags } from '../../../source/ui/wizard-options.js';
import { choices, facts } from '../plan/fixtures.js';

const work = mkdtempSync(join(tmpdir(), 'nb-disk-keys-'));
const ram = mkdtempSync('/dev/shm/nb-disk-keys-');
after(() => {
  rmSync(work, { recursive: true, force: true });
  rmSync(ram, { recursive: true, force: true });
});

const usage = (pattern: RegExp) => (error: unknown) => error instanceof BootstrapError && error.exitCode === 2 && pattern.test(error.message);
const base = ['--flake', 'github:me/cfg#web', '--layout', 'disko'];

test('--disko-mode and --disk-encryption-keys REMOTE LOCAL become the disko layout', () => {
  const request = parseInstallFlags([...base, '--disko-mode', 'mount', '--disk-encryption-keys', '/tmp/secret.key', 'keys/disk.key']);
  assert.deepEqual(request.choices.layout, {
    kind: 'disko',
    mode: 'mount',
    keys: [{ remote: '/tmp/secret.key', local: join(process.cwd(), 'keys/disk.key') }],
  });
  assert.deepEqual(parseInstallFlags(base).choices.layout, { kind: 'disko', mode: 'disko', keys: [] });
});

test('the key flags are refused where they mean nothing or would leave a key behind', () => {
  const refused: Array<[string[], RegExp]> = [
    [['--flake', 'github:me/cfg#web', '--disko-mode', 'mount'], /--disko-mode belongs to --layout disko/],
    [['--flake', 'github:me/cfg#web', '--layout', 'labels', '--disk-encryption-keys', '/tmp/k', 'k'], /--disk-encryption-keys belongs to --layout disko/],
    [[...base, '--disko-mode', 'wipe'], /--disko-mode must be one of disko, format, mount/],
    [[...base, '--disk-encryption-keys', 'tmp/k', 'k'], /give the absolute path/],
    [[...base, '--disk-encryption-keys', '/tmp/../etc/k', 'k'], /give the absolute path/],
    [[...base, '--disk-encryption-keys', '/mnt/k', 'k'], /would sit on the new system's disks/],
    [[...base, '--disk-encryption-keys', '/tmp/nixos-bootstrap/config/k', 'k'], /inside the uploaded flake/],
    [[...base, '--disk-encryption-keys', '/tmp/k', 'a', '--disk-encryption-keys', '/tmp/k', 'b'], /names \/tmp\/k twice/],
    [[...base, '--disk-encryption-keys', '/tmp/k'], /--disk-encryption-keys takes two values/],
  ];
  for (const [argv, pattern] of refused) assert.throws(() => parseInstallFlags(argv), usage(pattern), argv.join(' '));
  assert.throws(() => parseWizardFlags(['--layout', 'disko', '--disko-mode', 'mount']), usage(/--disko-mode belongs to install/));
});

const layout = (over: Partial<DiskoLayout> = {}): DiskoLayout => ({ kind: 'disko', mode: 'disko', keys: [], ...over });
const diskoPhase = (l: DiskoLayout) => plan(facts(), choices({ layout: l })).phases.find((phase) => phase.id === 'disko')!;
const keys = [
  { remote: `${ram}/secret.key`, local: '/k1' },
  { remote: `${ram}/sub/data.key`, local: '/k2' },
];

test('each mode runs its disko mode; only mount destroys nothing', () => {
  const runs = (l: DiskoLayout) => diskoPhase(l).commands.map((c) => c.run);
  assert.match(runs(layout()).at(-1)!, /^disko --mode destroy,format,mount --yes-wipe-all-disks --flake /);
  assert.match(runs(layout({ mode: 'format' })).at(-1)!, /^disko --mode format,mount --flake /);
  assert.match(runs(layout({ mode: 'mount' })).at(-1)!, /^disko --mode mount --flake /);
  assert.deepEqual(diskoPhase(layout({ mode: 'mount' })).destroys, []);
  assert.match(diskoPhase(layout({ mode: 'format' })).destroys[0]!, /^any partition and its data on .*renames, retypes or formats the rest/);
  assert.match(diskoPhase(layout()).destroys[0]!, /^every partition and all data/);
});

test('the keys reach the installer on stdin only; the plan names them without their content', () => {
  const phase = diskoPhase(layout({ keys }));
  const inputs = phase.commands.map((c) => c.input);
  assert.deepEqual(inputs, [undefined, undefined, { secret: 'disk-encryption-key-0' }, { secret: 'disk-encryption-key-1' }, undefined]);
  const text = formatPlan(plan(facts(), choices({ layout: layout({ keys }) }))).join('\n');
  assert.match(text, /< <redacted disk encryption key 1>/);
  assert.match(text, /< <redacted disk encryption key 2>/);
  assert.deepEqual(
    phase.cleanUp?.map((c) => c.run),
    [`rm -f ${keys[0]!.remote} ${keys[1]!.remote}`, 'umount -R /mnt'],
  );
});

/** Runs the phase's commands after the device guard, as the runner does, with `disko` a stand-in on PATH. */
function runKeyCommands(commands: PlannedCommand[], secrets: Secrets, diskoExit: number) {
  const bin = join(work, `bin-${diskoExit}`);
  spawnSync('mkdir', ['-p', bin]);
  // disko — TEST STAND-IN: records which key files it saw, then exits as told.
  writeFileSync(join(bin, 'disko'), `#!/bin/bash\nls ${ram} ${ram}/sub > ${work}/seen-by-disko\nexit ${diskoExit}\n`);
  chmodSync(join(bin, 'disko'), 0o755);
  const statuses: number[] = [];
  for (const command of commands.slice(1)) {
    const input = command.input && 'secret' in command.input ? secrets[command.input.secret] : undefined;
    const result = spawnSync('bash', ['-c', command.run], { input, encoding: 'utf8', env: { PATH: `${bin}:${process.env.PATH}` } });
    statuses.push(result.status ?? -1);
    if (result.status !== 0) break;
  }
  return statuses;
}

test('in bash: the keys are written 0600 (binary intact), seen by disko, and gone when disko exits, whatever its status', () => {
  const binary = Buffer.from([0, 255, 10, 13, 128, 65]);
  const secrets = runSecrets(choices({ layout: layout({ keys }) }), { diskEncryptionKeys: [Buffer.from('passphrase 47\n'), binary] });
  const phase = diskoPhase(layout({ keys }));
  for (const diskoExit of [0, 3]) {
    // A key written by the write command is checked by a stand-in disko that lists the directory.
    const statuses = runKeyCommands(phase.commands, secrets, diskoExit);
    assert.deepEqual(statuses, [0, 0, 0, diskoExit]);
    assert.match(readFileSync(join(work, 'seen-by-disko'), 'utf8'), /secret\.key[\s\S]*data\.key/);
    assert.ok(!existsSync(keys[0]!.remote) && !existsSync(keys[1]!.remote), `a key is left after disko exited ${diskoExit}`);
  }
  // What disko read: the exact bytes, mode 0600 (checked by writing once more without disko).
  for (const command of phase.commands.slice(2, 4))
    spawnSync('bash', ['-c', command.run], { input: secrets[(command.input as { secret: SecretName }).secret] });
  assert.equal(readFileSync(keys[0]!.remote, 'utf8'), 'passphrase 47\n');
  assert.deepEqual(readFileSync(keys[1]!.remote), binary);
  assert.equal(statSync(keys[1]!.remote).mode & 0o777, 0o600);
});

test('in bash: a key path on a disk, not in RAM, is refused before any key is written', () => {
  // The clone sits on a disk (its build output does); /tmp may well be a tmpfs.
  const diskDir = mkdtempSync(join(fileURLToPath(new URL('../../..', import.meta.url)), '.nb-disk-keys-'));
  after(() => rmSync(diskDir, { recursive: true, force: true }));
  assert.doesNotMatch(spawnSync('stat', ['-f', '-c', '%T', diskDir], { encoding: 'utf8' }).stdout, /tmpfs|ramfs/, 'the clone is on a RAM filesystem');
  const onDisk = [{ remote: join(diskDir, 'on-disk.key'), local: '/k' }];
  const check = diskoPhase(layout({ keys: onDisk })).commands[1]!;
  const result = spawnSync('bash', ['-c', check.run], { encoding: 'utf8' });
  assert.notEqual(result.status, 0);
  assert.match(result.stderr, /refusing: .*on-disk\.key would be written to \S+, not to the installer's RAM \(tmpfs\)/);
  assert.ok(!existsSync(onDisk[0]!.remote));
});

test('a key is redacted as sent (base64) and as text; an unreadable or empty key file stops the run before contact', async () => {
  const secrets = runSecrets(choices({ layout: layout({ keys: [keys[0]!] }) }), { diskEncryptionKeys: [Buffer.from('passphrase 47 horse\n')] });
  const redactor = new Redactor(secretValues(secrets));
  assert.equal(redactor.redact('cryptsetup said: passphrase 47 horse'), 'cryptsetup said: <redacted>');
  assert.equal(redactor.redact(`echo ${secrets['disk-encryption-key-0']}`), 'echo <redacted>');
  writeFileSync(join(work, 'empty.key'), '');
  await assert.rejects(
    readDiskEncryptionKeys(layout({ keys: [{ remote: '/tmp/k', local: join(work, 'none.key') }] })),
    usage(/cannot read .*none\.key \(ENOENT\)/),
  );
  await assert.rejects(readDiskEncryptionKeys(layout({ keys: [{ remote: '/tmp/k', local: join(work, 'empty.key') }] })), usage(/the file is empty/));
});

test('a journal from before --disko-mode resumes as the destroying disko run it was', async () => {
  const state = join(work, 'state');
  const saved = process.env.XDG_STATE_HOME;
  process.env.XDG_STATE_HOME = state;
  try {
    const path = journalPath('SHA256:old');
    spawnSync('mkdir', ['-p', join(path, '..')]);
    const old = { version: 1, fingerprint: 'SHA256:old', completed: [], choices: { ...choices(), layout: { kind: 'disko' } } };
    writeFileSync(path, JSON.stringify(old));
    const journal = await Journal.load('SHA256:old');
    assert.deepEqual(journal?.value.choices.layout, { kind: 'disko', mode: 'disko', keys: [] });
  } finally {
    if (saved === undefined) delete process.env.XDG_STATE_HOME;
    else process.env.XDG_STATE_HOME = saved;
  }
});
