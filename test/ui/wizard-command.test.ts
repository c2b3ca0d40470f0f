// The wizard's entry: without a terminal it refuses (exit 2) and points to `install`; --help
// answers without loading Ink; flags that name local files are read and checked up front.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Encrypter } from 'age-encryption';
import { BootstrapError } from '../../source/core/exit-codes.js';
import { ageKeyFileText, generateAgeKey } from '../../source/core/keys/age.js';
import { assertTerminal, prepareFromFlags } from '../../source/ui/wizard-command.js';
import { parseWizardFlags } from '../../source/ui/wizard-options.js';

const cli = 'dist/cli.js';
const work = mkdtempSync(join(tmpdir(), 'nb-ui-command-'));
after(() => rmSync(work, { recursive: true, force: true }));

test('without a terminal the wizard refuses with exit 2 and names the headless command', () => {
  const result = spawnSync(process.execPath, [cli, '--flake', 'github:me/cfg#web'], { encoding: 'utf8', input: '' });
  assert.equal(result.status, 2);
  assert.match(result.stderr, /the wizard needs an interactive terminal/);
  assert.match(result.stderr, /nixos-bootstrap install \[TARGET\] --flake URI#HOST --disk DEV --yes/);
  assert.equal(result.stdout, '');
  assert.throws(
    () => assertTerminal({ stdin: { isTTY: true }, stdout: {} }),
    (error: unknown) => error instanceof BootstrapError && error.exitCode === 2,
  );
  assert.doesNotThrow(() => assertTerminal({ stdin: { isTTY: true }, stdout: { isTTY: true } }));
});

test('bad flags are exit 2 before the terminal is even looked at', () => {
  const result = spawnSync(process.execPath, [cli, '--layout', 'zfs'], { encoding: 'utf8', input: '' });
  assert.equal(result.status, 2);
  assert.match(result.stderr, /--layout must be one of labels, disko, mounted/);
});

test("the wizard's --help loads no Ink or React chunk", () => {
  const loads = join(work, 'loads.txt');
  writeFileSync(loads, '');
  // A module hook that records every file the process loads.
  const hooks = `data:text/javascript,${encodeURIComponent(
    `import { appendFileSync } from 'node:fs'; export async function load(url, context, next) { appendFileSync(${JSON.stringify(loads)}, url + '\\n'); return next(url, context); }`,
  )}`;
  const register = `data:text/javascript,${encodeURIComponent(`import { register } from 'node:module'; register(${JSON.stringify(hooks)});`)}`;
  const result = spawnSync(process.execPath, ['--import', register, cli, '--flake', '.#web', '--help'], { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, /^Usage: nixos-bootstrap \[TARGET\] \[options\]/);
  assert.match(result.stdout, /--yes, --json and --resume belong to 'install'/);
  const files = readFileSync(loads, 'utf8')
    .split('\n')
    .filter((url) => url.startsWith('file://') && url.includes('/dist/'));
  assert.ok(
    files.some((url) => /wizard-command/.test(url)),
    `the wizard command was not loaded: ${files.join(', ')}`,
  );
  for (const url of files) {
    assert.doesNotMatch(readFileSync(new URL(url), 'utf8'), /yoga-layout|react-reconciler|useInput/, `${url} holds Ink or React`);
  }
});

test('a passphrase file and --layout decide the layout screen; LUKS without a passphrase does not', async () => {
  const file = join(work, 'pass');
  writeFileSync(file, 'a-long-enough-passphrase\n');
  const given = await prepareFromFlags(parseWizardFlags(['--luks', '--luks-passphrase-file', file], {}));
  assert.equal(given.decided.layout, true);
  assert.equal(given.luksPassphrase, 'a-long-enough-passphrase');
  assert.equal((await prepareFromFlags(parseWizardFlags(['--luks'], {}))).decided.layout, false);
  assert.equal((await prepareFromFlags(parseWizardFlags(['--layout', 'labels'], {}))).decided.layout, true);
  assert.equal((await prepareFromFlags(parseWizardFlags([], {}))).decided.layout, false);
});

test('a local --flake is checked here (flake.nix) before the first screen', async () => {
  const dir = join(work, 'cfg');
  mkdirSync(dir);
  await assert.rejects(prepareFromFlags(parseWizardFlags(['--flake', `${dir}#web`], {})), /has no flake\.nix/);
  writeFileSync(join(dir, 'flake.nix'), '{}\n');
  const prepared = await prepareFromFlags(parseWizardFlags(['--flake', `${dir}#web`], {}));
  assert.deepEqual(prepared.decided.flake, { uri: dir, host: 'web', localPath: dir });
  assert.equal(prepared.decided.hardwareConfig, null, 'no hardware configuration: the hardware screen will offer one');
});

test("a local --flake's hardware configuration for the host is looked for; the flag's path must be inside the flake", async () => {
  const dir = join(work, 'hw');
  mkdirSync(join(dir, 'hosts', 'web'), { recursive: true });
  writeFileSync(join(dir, 'flake.nix'), '{}\n');
  writeFileSync(join(dir, 'hosts', 'web', 'hardware-configuration.nix'), '{ }\n');
  assert.equal((await prepareFromFlags(parseWizardFlags(['--flake', `${dir}#web`], {}))).decided.hardwareConfig, 'hosts/web/hardware-configuration.nix');
  assert.equal((await prepareFromFlags(parseWizardFlags(['--flake', `${dir}#db`], {}))).decided.hardwareConfig, null, "another host's file is not db's");
  assert.equal(
    (await prepareFromFlags(parseWizardFlags(['--flake', 'github:me/cfg#web'], {}))).decided.hardwareConfig,
    undefined,
    'a remote flake is not looked at',
  );
  const flag = (path: string) => ['--flake', `${dir}#web`, '--generate-hardware-config', 'nixos-generate-config', path];
  await assert.rejects(
    prepareFromFlags(parseWizardFlags(flag(join(work, 'hw.nix')), {})),
    (error: unknown) => error instanceof BootstrapError && error.exitCode === 2 && /is outside the flake directory/.test(error.message),
  );
  const inside = await prepareFromFlags(parseWizardFlags(flag(join(dir, 'hosts', 'web', 'new.nix')), {}));
  assert.equal(inside.decided.hardwareConfig, 'hosts/web/hardware-configuration.nix');
});

test('--age-key FILE decides the keys screen only when the secrets decrypt with it', async () => {
  const key = await generateAgeKey();
  const keyFile = join(work, 'host.agekey');
  writeFileSync(keyFile, ageKeyFileText(key, new Date()), { mode: 0o600 });
  const secrets = join(work, 'secrets');
  mkdirSync(secrets);
  const encrypter = new Encrypter();
  encrypter.addRecipient(key.recipient);
  writeFileSync(join(secrets, 'ok.age'), await encrypter.encrypt('x'));
  const ready = await prepareFromFlags(parseWizardFlags(['--age-key', keyFile, '--secrets', secrets], {}));
  assert.equal(ready.decided.ageKey?.info?.recipient, key.recipient);
  assert.deepEqual(ready.decided.ageKey?.report?.readable, ['ok.age']);
  const stranger = new Encrypter();
  stranger.addRecipient((await generateAgeKey()).recipient);
  writeFileSync(join(secrets, 'other.age'), await stranger.encrypt('y'));
  const notReady = await prepareFromFlags(parseWizardFlags(['--age-key', keyFile, '--secrets', secrets], {}));
  assert.equal(notReady.decided.ageKey, null, 'the keys screen shows the unreadable secret and offers to stop');
  assert.equal(notReady.ageKey?.key.recipient, key.recipient, 'the key is loaded for that screen');
  const allowed = await prepareFromFlags(parseWizardFlags(['--age-key', keyFile, '--secrets', secrets, '--allow-unreadable-secrets'], {}));
  assert.ok(allowed.decided.ageKey);
  assert.deepEqual((await prepareFromFlags(parseWizardFlags(['--age-key', 'none'], {}))).decided.ageKey, { info: null, report: null });
  await assert.rejects(prepareFromFlags(parseWizardFlags(['--age-key', join(work, 'missing')], {})), /cannot read --age-key/);
});
