import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BootstrapError, ExitCode } from '../../source/core/exit-codes.js';
import type { JournalData } from '../../source/core/install/journal.js';
import { parseInstallFlags } from '../../source/headless/install-options.js';
import { checkResumeFlags } from '../../source/headless/resume-flags.js';

const original = [
  'root@fe80::47%eth0',
  '--flake',
  'github:me/cfg#web',
  '--disk',
  '/dev/disk/by-id/nvme-A',
  '--luks',
  '--luks-passphrase-file',
  '-',
  '--swap',
  '8G',
  '--yes',
];
const journal = (): JournalData => {
  const request = parseInstallFlags(original, {});
  return {
    version: 1,
    target: { host: 'fe80::47', interface: 'eth0', port: 22, user: 'root' },
    fingerprint: 'SHA256:x',
    choices: { ...request.choices, disk: '/dev/disk/by-id/nvme-A', ageKey: { recipient: 'age1x', path: '/etc/age/web.agekey' }, hostKey: null },
    completed: [],
    startedAt: '',
    updatedAt: '',
  };
};
const usage = (pattern: RegExp) => (error: unknown) => {
  assert.ok(error instanceof BootstrapError, String(error));
  assert.equal(error.exitCode, ExitCode.usage);
  assert.match(error.message, pattern);
  return true;
};

test('--resume with the original command line (or just the target) goes on', () => {
  checkResumeFlags(parseInstallFlags([...original, '--resume'], {}), journal());
  checkResumeFlags(parseInstallFlags(['root@fe80::47%eth0', '--resume', '--luks-passphrase-file', '-', '--dry-run', '--json'], {}), journal());
});

test('--resume with a choice flag that differs from the journal, or one a resume cannot change, is refused — never ignored', () => {
  assert.throws(
    () => checkResumeFlags(parseInstallFlags(['--resume', '--disk', '/dev/sdb'], {}), journal()),
    usage(/--resume: --disk differs from the run being resumed/),
  );
  assert.throws(
    () => checkResumeFlags(parseInstallFlags(['--resume', '--flake', 'github:me/cfg#db', '--finish', 'none'], {}), journal()),
    usage(/--flake, --finish differ/),
  );
  assert.throws(() => checkResumeFlags(parseInstallFlags(['--resume', '--swap', '4G', '--luks'], {}), journal()), usage(/--swap, --luks differ/));
  assert.throws(() => checkResumeFlags(parseInstallFlags(['--resume', '--age-key', 'none'], {}), journal()), usage(/--age-key cannot change on resume/));
  assert.throws(
    () => checkResumeFlags(parseInstallFlags(['--resume', '--mkdir', 'srv'], {}), journal()),
    (error: unknown) => {
      assert.ok(error instanceof BootstrapError);
      assert.match(error.hint ?? '', /drop --mkdir to carry on with the journal's choices \(github:me\/cfg#web on \/dev\/disk\/by-id\/nvme-A\)/);
      return true;
    },
  );
});
