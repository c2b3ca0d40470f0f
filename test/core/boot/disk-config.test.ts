// The disk-layout module for the labels layout: what the plan creates, exactly, and valid Nix.
import { after, test } from 'node:test';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { diskConfigNix } from '../../../source/core/boot/disk-config.js';
import { plan } from '../../../source/core/plan/plan.js';
import { choices, disk, facts, luks } from '../plan/fixtures.js';

// A scratch store: nix-instantiate would otherwise create this machine's /nix on first use.
const scratch = mkdtempSync(join(tmpdir(), 'nb-parse-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
const hadNix = existsSync('/nix');
after(() => assert.equal(existsSync('/nix'), hadNix, 'parsing created this machine’s /nix'));
const parses = (text: string) =>
  spawnSync('nix-instantiate', ['--parse', '-E', text], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, HOME: scratch, NIX_CONFIG: `build-users-group =\nstore = ${join(scratch, 'store')}` },
  });

test('LUKS + swap: the mapper root, the ESP, the swap label, the LUKS device and the disk driver', () => {
  const virtio = facts({ disks: [disk({ modules: ['virtio_blk', 'virtio_pci'] })] });
  const text = diskConfigNix(plan(virtio, choices({ layout: { kind: 'labels', efiSizeMiB: 512, swapSizeMiB: 1024, luks } })), virtio)!;
  assert.match(text, /fileSystems."\/" = \{ device = "\/dev\/mapper\/cryptroot"; fsType = "ext4"; \};/);
  assert.match(text, /fileSystems."\/boot" = \{ device = "\/dev\/disk\/by-label\/boot"; fsType = "vfat"; options = \[ "fmask=0077" "dmask=0077" \]; \};/);
  assert.match(text, /swapDevices = \[ \{ device = "\/dev\/disk\/by-label\/swap"; \} \];/);
  assert.match(text, /boot.initrd.luks.devices."cryptroot".device = "\/dev\/disk\/by-label\/cryptroot";/);
  assert.match(text, /boot.initrd.availableKernelModules = \[ "virtio_blk" "virtio_pci" \];/);
  const parsed = parses(text);
  assert.equal(parsed.status, 0, parsed.stderr);
});

test('no LUKS, no swap, custom labels; disko and mounted get none (their disks are not laid out here)', () => {
  const text = diskConfigNix(plan(facts(), choices({ labels: { efi: 'ESP', root: 'root', swap: 'sw' } })), facts())!;
  assert.match(text, /fileSystems."\/" = \{ device = "\/dev\/disk\/by-label\/root"; fsType = "ext4"; \};/);
  assert.match(text, /swapDevices = \[ \];/);
  assert.doesNotMatch(text, /luks|availableKernelModules/);
  assert.equal(parses(text).status, 0);
  assert.equal(diskConfigNix(plan(facts(), choices({ layout: { kind: 'mounted', luks: null }, disk: '' })), facts()), undefined);
});

test('--write-disk-config: only inside the local flake, never over a file it did not write; git learns of it', async () => {
  const { readFileSync, writeFileSync, mkdirSync } = await import('node:fs');
  const { checkDiskConfigPath, writeModule } = await import('../../../source/core/boot/write-disk-config.js');
  const { BootstrapError } = await import('../../../source/core/exit-codes.js');
  const work = mkdtempSync(join(tmpdir(), 'nb-diskcfg-'));
  try {
    const flakeDir = join(work, 'flake');
    mkdirSync(join(flakeDir, 'hosts'), { recursive: true });
    const git = (...args: string[]) => spawnSync('git', ['-C', flakeDir, ...args], { encoding: 'utf8' });
    git('init', '-q');
    const refused = async (path: string, dir: string | undefined, pattern: RegExp, exitCode: number) =>
      assert.rejects(checkDiskConfigPath(path, dir), (e: unknown) => e instanceof BootstrapError && e.exitCode === exitCode && pattern.test(e.message));
    await refused(join(work, 'disks.nix'), flakeDir, /is outside the flake directory/, 2);
    await refused('disks.nix', undefined, /needs a local flake/, 2);
    writeFileSync(join(flakeDir, 'hosts', 'mine.nix'), '{ }\n');
    await refused(join(flakeDir, 'hosts', 'mine.nix'), flakeDir, /exists and was not written by nixos-bootstrap/, 3);
    assert.equal(readFileSync(join(flakeDir, 'hosts', 'mine.nix'), 'utf8'), '{ }\n', 'untouched');

    const target = await checkDiskConfigPath(join(flakeDir, 'hosts', 'disks.nix'), flakeDir);
    const text = diskConfigNix(plan(facts(), choices()), facts())!;
    assert.deepEqual(await writeModule(target, text, { gitAdd: true }), { gitAdded: true });
    assert.equal(readFileSync(target, 'utf8'), text);
    assert.match(git('status', '--porcelain').stdout, /^ A hosts\/disks\.nix$/m, 'added with --intent-to-add');
    // Its own file may be replaced (a second run with another layout)…
    assert.equal(await checkDiskConfigPath(target, flakeDir), target);
    // …but not once the user edited it, even a line below the header (or removed the last line).
    writeFileSync(target, text.replace('fsType = "ext4"', 'fsType = "btrfs"'));
    await refused(target, flakeDir, /disks\.nix exists and was changed since nixos-bootstrap wrote it/, 3);
    writeFileSync(target, text.split('\n').slice(0, -2).join('\n') + '\n');
    await refused(target, flakeDir, /was changed since nixos-bootstrap wrote it/, 3);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
