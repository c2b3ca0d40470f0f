import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BootstrapError, ExitCode } from '../../../source/core/exit-codes.js';
import type { BlockChild, Disk, Facts } from '../../../source/core/facts/types.js';
import { Journal, journalPath } from '../../../source/core/install/journal.js';
import { checkResumeIdentity, diskIdentity } from '../../../source/core/install/resume-check.js';
import type { Choices } from '../../../source/core/plan/types.js';

const GiB = 1024 ** 3;
const disk = (name: string, extra: Partial<Disk> = {}): Disk => ({
  name,
  path: `/dev/${name}`,
  byId: [`/dev/disk/by-id/ata-DISK_${name}`],
  serial: `SER-${name}`,
  type: 'disk',
  sizeBytes: 100 * GiB,
  removable: false,
  readOnly: false,
  mountpoints: [],
  children: [],
  ...extra,
});
const facts = (disks: Disk[], extra: Partial<Facts> = {}): Facts => ({
  osRelease: {},
  isInstaller: true,
  hostname: 'nixos',
  arch: 'x86_64',
  memoryBytes: GiB,
  firmware: 'efi',
  disks,
  efiBootEntries: [],
  bootDisks: [],
  tools: {},
  connection: { interface: 'eth0', mac: '52:54:00:00:00:01' },
  ...extra,
});
const choices = (diskPath: string): Choices => ({
  disk: diskPath,
  layout: { kind: 'labels', efiSizeMiB: 512, swapSizeMiB: 0, luks: { label: 'cryptroot', name: 'cryptroot' } },
  labels: { efi: 'boot', root: 'nixos', swap: 'swap' },
  mkdirs: [],
  postMount: [],
  tmpstore: false,
  flake: { uri: 'github:me/cfg', host: 'web' },
  install: { mode: 'flake', repoPath: '/mnt/nix-config' },
  finish: 'poweroff',
  ageKey: null,
  hostKey: null,
});
const refused = (pattern: RegExp) => (error: unknown) => {
  assert.ok(error instanceof BootstrapError, String(error));
  assert.equal(error.exitCode, ExitCode.refused, error.message);
  assert.match(error.message, pattern);
  return true;
};

test('resume: the same disk at the path goes on, this run’s own mounts and LUKS mapping included', () => {
  const sda = disk('sda');
  const recorded = { disk: diskIdentity(sda), mac: '52:54:00:00:00:01' };
  const midway = disk('sda', {
    children: [
      { name: 'sda1', path: '/dev/sda1', type: 'part', sizeBytes: GiB, mountpoints: ['/mnt/boot'], children: [] },
      {
        name: 'sda2',
        path: '/dev/sda2',
        type: 'part',
        sizeBytes: GiB,
        mountpoints: [],
        children: [{ name: 'cryptroot', path: '/dev/mapper/cryptroot', type: 'crypt', sizeBytes: GiB, mountpoints: ['/mnt'], children: [] }],
      },
    ],
  });
  checkResumeIdentity(recorded, choices('/dev/sda'), facts([midway]));
  checkResumeIdentity(recorded, choices('/dev/disk/by-id/ata-DISK_sda'), facts([midway]));
});

test('resume after a cut mid-install: the mounted filesystems and active swap on the disk are this run’s (seen by UUID and /proc/swaps too)', () => {
  const part = (name: string, fsType: string, uuid: string, mountpoints: string[]): BlockChild => ({
    name,
    path: `/dev/${name}`,
    type: 'part',
    sizeBytes: GiB,
    fsType,
    uuid,
    mountpoints,
    children: [],
  });
  const midway = disk('vda', {
    children: [part('vda2', 'vfat', 'AAAA-0001', ['/mnt/boot']), part('vda3', 'swap', 'sw-1', ['[SWAP]']), part('vda4', 'ext4', 'root-1', ['/mnt'])],
  });
  checkResumeIdentity({ disk: diskIdentity(disk('vda')) }, choices('/dev/vda'), facts([midway], { activeSwaps: ['/dev/vda3'] }));
  // without [SWAP] in lsblk (no udev), /proc/swaps alone
  const quiet = disk('vda', { children: [part('vda3', 'swap', 'sw-1', []), part('vda4', 'ext4', 'root-1', ['/mnt'])] });
  checkResumeIdentity({ disk: diskIdentity(disk('vda')) }, choices('/dev/vda'), facts([quiet], { activeSwaps: ['/dev/vda3'] }));
});

test('resume of a disko layout: its own LUKS/LVM mounted under /mnt is this run’s; a mapping mounted elsewhere is not', () => {
  const mapping = (name: string, type: string, mountpoints: string[], children: BlockChild[] = []): BlockChild => ({
    name,
    path: `/dev/mapper/${name}`,
    type,
    sizeBytes: GiB,
    mountpoints,
    children,
  });
  const part = (name: string, children: BlockChild[]): BlockChild => ({ name, path: `/dev/${name}`, type: 'part', sizeBytes: GiB, mountpoints: [], children });
  const disko = { ...choices('/dev/sda'), layout: { kind: 'disko' as const, mode: 'disko' as const, keys: [] } };
  const ours = disk('sda', {
    children: [
      part('sda1', []),
      part('sda2', [mapping('crypted', 'crypt', [], [mapping('pool-root', 'lvm', ['/mnt']), mapping('pool-swap', 'lvm', ['[SWAP]'])])]),
    ],
  });
  checkResumeIdentity({ disk: diskIdentity(disk('sda')) }, disko, facts([ours]));
  const theirs = disk('sda', { children: [part('sda2', [mapping('data', 'crypt', ['/srv'])])] });
  assert.throws(() => checkResumeIdentity({ disk: diskIdentity(disk('sda')) }, disko, facts([theirs])), refused(/in use: data \(crypt\)/));
});

test('resume refuses (exit 3) another disk at the same path, the boot medium, a disk in use, a gone disk, another MAC', () => {
  const recorded = { disk: diskIdentity(disk('sda')), mac: '52:54:00:00:00:01' };
  const other = disk('sda', { serial: 'SER-other', byId: ['/dev/disk/by-id/ata-OTHER'] });
  assert.throws(
    () => checkResumeIdentity(recorded, choices('/dev/sda'), facts([other])),
    refused(/\/dev\/sda is now another disk \(\/dev\/disk\/by-id\/ata-OTHER, 100 GiB, serial SER-other\); the run started on \/dev\/disk\/by-id\/ata-DISK_sda/),
  );
  assert.throws(() => checkResumeIdentity(recorded, choices('/dev/sda'), facts([disk('sda', { sizeBytes: 50 * GiB })])), refused(/is now another disk/));
  assert.throws(
    () => checkResumeIdentity(recorded, choices('/dev/sda'), facts([disk('sda')], { bootDisks: ['sda'] })),
    refused(/refusing to resume on .*: the installer's boot medium/),
  );
  assert.throws(() => checkResumeIdentity(recorded, choices('/dev/sda'), facts([disk('sda', { mountpoints: ['/data'] })])), refused(/mounted: \/data/));
  assert.throws(() => checkResumeIdentity(recorded, choices('/dev/sda'), facts([disk('sdb')])), refused(/disk \/dev\/sda .* is gone from the target/));
  assert.throws(
    () => checkResumeIdentity(recorded, choices('/dev/sda'), facts([disk('sda')], { connection: { interface: 'eth0', mac: '52:54:00:00:00:99' } })),
    refused(/has MAC 52:54:00:00:00:99, the run started on 52:54:00:00:00:01/),
  );
  // disks with neither serial nor by-id name (virtio without one, loop) by the slot they sit in
  const slot = '/sys/devices/pci0000:00/0000:00:04.0/virtio1/block/vda';
  const plain = disk('vda', { serial: undefined, byId: [], busPath: slot });
  checkResumeIdentity({ disk: diskIdentity(plain) }, choices('/dev/vda'), facts([plain]));
  const moved = disk('vda', { serial: undefined, byId: [], busPath: slot.replace('04.0/virtio1', '05.0/virtio2') });
  assert.throws(() => checkResumeIdentity({ disk: diskIdentity(plain) }, choices('/dev/vda'), facts([moved])), refused(/is now another disk/));
  const unknown = disk('vda', { serial: undefined, byId: [] });
  assert.throws(
    () => checkResumeIdentity({ disk: diskIdentity(unknown) }, choices('/dev/vda'), facts([unknown])),
    refused(/is now another disk/),
    'nothing but the name to compare',
  );
});

test('a journal that exists but cannot be read or parsed is reported as that, with its path', async () => {
  const state = mkdtempSync(join(tmpdir(), 'nb-journal-'));
  const saved = process.env.XDG_STATE_HOME;
  process.env.XDG_STATE_HOME = state;
  try {
    const fingerprint = 'SHA256:abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
    assert.equal(await Journal.load(fingerprint), null, 'no journal: nothing to resume');
    const path = journalPath(fingerprint);
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, '{"version": 1, "completed": [');
    await assert.rejects(Journal.load(fingerprint), refused(new RegExp(`the journal ${path.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} is damaged`)));
    writeFileSync(path, '{"version": 7}');
    await assert.rejects(Journal.load(fingerprint), refused(/is not one this version can resume \(version 7\)/));
    rmSync(path);
    mkdirSync(path); // a directory where the file should be: EISDIR
    await assert.rejects(Journal.load(fingerprint), refused(/cannot be read/));
    rmSync(path, { recursive: true });
    // A journal from before --age-key-path named only the file under /etc/age: it still resumes.
    writeFileSync(path, JSON.stringify({ version: 1, completed: [], choices: { ageKey: { recipient: 'age1x', fileName: 'web.agekey' } } }));
    assert.deepEqual((await Journal.load(fingerprint))!.value.choices.ageKey, { recipient: 'age1x', path: '/etc/age/web.agekey' });
  } finally {
    if (saved === undefined) delete process.env.XDG_STATE_HOME;
    else process.env.XDG_STATE_HOME = saved;
    rmSync(state, { recursive: true, force: true });
  }
});

test('one installer image booted on two machines: two journals (same host key, each MAC), each found by its MAC', async () => {
  const state = mkdtempSync(join(tmpdir(), 'nb-journal-'));
  const saved = process.env.XDG_STATE_HOME;
  process.env.XDG_STATE_HOME = state;
  try {
    const fingerprint = 'SHA256:abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
    const base = { target: { user: 'root', host: 'fe80::47', port: 22 }, fingerprint, choices: choices('/dev/sda') };
    const a = await Journal.start({ ...base, identity: { mac: '52:54:00:47:00:0a' } });
    const b = await Journal.start({ ...base, identity: { mac: '52:54:00:47:00:0b' } });
    await b.markDone('partition');
    assert.notEqual(a.path, b.path, 'the second machine’s run replaced the first one’s journal');
    assert.deepEqual((await Journal.runsFor(fingerprint)).sort(), [a.path, b.path].sort());
    assert.deepEqual((await Journal.load(fingerprint, '52:54:00:47:00:0a'))!.value.completed, []);
    assert.deepEqual((await Journal.load(fingerprint, '52:54:00:47:00:0b'))!.value.completed, ['partition']);
    assert.equal(await Journal.load(fingerprint, '52:54:00:47:00:0c'), null);
    assert.deepEqual(await Journal.runsFor('SHA256:another'), []);
  } finally {
    if (saved === undefined) delete process.env.XDG_STATE_HOME;
    else process.env.XDG_STATE_HOME = saved;
    rmSync(state, { recursive: true, force: true });
  }
});
