import { test } from 'node:test';
import assert from 'node:assert/strict';
import { plan } from '../../../source/core/plan/plan.js';
import { minimumDiskBytes } from '../../../source/core/plan/plan-context.js';
import { formatPlan } from '../../../source/core/plan/format-plan.js';
import { BootstrapError, ExitCode } from '../../../source/core/exit-codes.js';
import { GiB } from '../../../source/core/plan/sizes.js';
import { choices, disk, facts, luks } from './fixtures.js';

const ids = (p: ReturnType<typeof plan>) => p.phases.map((phase) => phase.id);
const commands = (p: ReturnType<typeof plan>, id: string) => p.phases.find((phase) => phase.id === id)!.commands.map((c) => c.run);

test('labels on EFI: ESP + root, in order, with the exact sgdisk call', () => {
  const p = plan(facts(), choices());
  assert.deepEqual(ids(p), ['partition', 'format', 'mount', 'install', 'age-key', 'finish']);
  assert.equal(commands(p, 'partition')[2], 'sgdisk -n1:1MiB:+512MiB -t1:EF00 -c1:boot -n2:0:0 -t2:8300 -c2:nixos /dev/vda');
  assert.deepEqual(commands(p, 'format'), ['mkfs.vfat -F 32 -n boot /dev/vda1', 'mkfs.ext4 -F -q -L nixos /dev/vda2']);
  assert.deepEqual(commands(p, 'mount'), [
    'if mountpoint -q /mnt; then umount -R /mnt; fi',
    'mount /dev/vda2 /mnt',
    'mkdir -p /mnt/boot',
    'mount -o fmask=0077,dmask=0077 /dev/vda1 /mnt/boot',
  ]);
  assert.deepEqual(commands(p, 'install'), ['nixos-install --root /mnt --no-root-passwd --no-channel-copy --flake github:me/nixos-config#web']);
  assert.match(p.phases[0]!.destroys[0]!, /all data on \/dev\/vda \(virtio, 8 GiB/);
});

test('labels + LUKS + swap: the passphrase only ever travels on stdin', () => {
  const p = plan(facts(), choices({ layout: { kind: 'labels', efiSizeMiB: 512, swapSizeMiB: 1024, luks } }));
  assert.deepEqual(ids(p), ['partition', 'luks-format', 'luks-open', 'format', 'mount', 'install', 'age-key', 'finish']);
  assert.match(commands(p, 'partition')[2]!, /-n2:0:\+1024MiB -t2:8200 -c2:swap -n3:0:0 -t3:8309 -c3:cryptroot/);
  const luksCommands = p.phases.filter((phase) => phase.id.startsWith('luks')).flatMap((phase) => phase.commands);
  assert.equal(luksCommands.length, 3);
  for (const command of luksCommands) {
    assert.deepEqual(command.input, { secret: 'luks-passphrase' });
    assert.match(command.run, /--key-file - /);
  }
  assert.equal(luksCommands[0]!.run, 'cryptsetup luksFormat --batch-mode --type luks2 --label cryptroot --key-file - /dev/vda3');
  assert.deepEqual(commands(p, 'format'), ['mkfs.vfat -F 32 -n boot /dev/vda1', 'mkswap -L swap /dev/vda2', 'mkfs.ext4 -F -q -L nixos /dev/mapper/cryptroot']);
  assert.equal(commands(p, 'mount')[1], 'mount /dev/mapper/cryptroot /mnt');
  assert.ok(commands(p, 'finish').includes('if cryptsetup status cryptroot >/dev/null; then cryptsetup close cryptroot; fi'));
  assert.ok(commands(p, 'finish').includes('swapoff /dev/vda2 2>/dev/null || true'));
  assert.deepEqual(p.phases.find((x) => x.id === 'luks-open')!.cleanUp, [
    { run: 'if cryptsetup status cryptroot >/dev/null; then cryptsetup close cryptroot; fi' },
  ]);
  assert.match(p.warnings.join('\n'), /US keyboard layout/);
});

test('BIOS targets get a BIOS boot partition first and a separate /boot', () => {
  const p = plan(facts({ firmware: 'bios' }), choices());
  assert.equal(commands(p, 'partition')[2], 'sgdisk -n1:1MiB:+1MiB -t1:EF02 -c1:bios -n2:0:+512MiB -t2:EA00 -c2:boot -n3:0:0 -t3:8300 -c3:nixos /dev/vda');
  assert.equal(commands(p, 'mount')[1], 'mount /dev/vda3 /mnt');
  assert.match(p.warnings.join('\n'), /GRUB/);
});

test('a disk chosen by id is used by id, partitions as udev names them', () => {
  const byId = '/dev/disk/by-id/nvme-Samsung_SSD_980_S1234';
  const f = facts({ disks: [disk({ name: 'nvme0n1', path: '/dev/nvme0n1', byId: [byId], transport: 'nvme' })] });
  const p = plan(f, choices({ disk: byId }));
  assert.equal(p.disk?.byId, byId);
  assert.match(commands(p, 'partition')[2]!, new RegExp(`${byId}$`));
  assert.deepEqual(commands(p, 'format'), [`mkfs.vfat -F 32 -n boot ${byId}-part1`, `mkfs.ext4 -F -q -L nixos ${byId}-part2`]);
});

test('NVMe kernel names get the p separator', () => {
  const f = facts({ disks: [disk({ name: 'nvme0n1', path: '/dev/nvme0n1' })] });
  assert.deepEqual(commands(plan(f, choices({ disk: 'nvme0n1' })), 'format'), [
    'mkfs.vfat -F 32 -n boot /dev/nvme0n1p1',
    'mkfs.ext4 -F -q -L nixos /dev/nvme0n1p2',
  ]);
});

test('disko: one phase does partition, format and mount with the chosen disk passed through', () => {
  const p = plan(facts(), choices({ layout: { kind: 'disko', mode: 'disko', keys: [] } }));
  assert.deepEqual(ids(p), ['disko', 'install', 'age-key', 'finish']);
  const [guard, run] = commands(p, 'disko');
  assert.match(
    guard!,
    /^devices=\$\(NB_FLAKE=github:me\/nixos-config NB_HOST=web NB_DISK=\/dev\/vda nix .* eval --impure --raw --expr /,
    'the disks are read before disko runs',
  );
  assert.equal(run, `disko --mode destroy,format,mount --yes-wipe-all-disks --flake github:me/nixos-config#web --arg disks '[ "/dev/vda" ]'`);
  assert.ok(p.phases[0]!.destroys.length > 0);
});

test('mounted: mount by label, destroy nothing', () => {
  const p = plan(facts(), choices({ layout: { kind: 'mounted', luks: null } }));
  assert.equal(p.disk, null);
  assert.deepEqual(ids(p), ['mount', 'install', 'age-key', 'finish']);
  assert.deepEqual(commands(p, 'mount'), [
    'if mountpoint -q /mnt; then umount -R /mnt; fi',
    'mount /dev/disk/by-label/nixos /mnt',
    'mkdir -p /mnt/boot',
    'mount /dev/disk/by-label/boot /mnt/boot',
    'if [ -e /dev/disk/by-label/swap ]; then swapon --show=NAME --noheadings | grep -qx "$(readlink -f /dev/disk/by-label/swap)" || swapon /dev/disk/by-label/swap; fi',
  ]);
  assert.deepEqual(
    p.phases.flatMap((phase) => phase.destroys),
    [],
  );
});

test('mounted with LUKS opens the container by its label first', () => {
  const p = plan(facts(), choices({ layout: { kind: 'mounted', luks } }));
  assert.deepEqual(ids(p).slice(0, 2), ['luks-open', 'mount']);
  assert.equal(commands(p, 'luks-open')[0], 'cryptsetup open --key-file - /dev/disk/by-label/cryptroot cryptroot');
});

test('install modes: local flake uploaded first, clone after mounting, prebuilt by store path', () => {
  const local = plan(facts(), choices({ flake: { uri: './config', host: 'web', localPath: '/home/me/config' } }));
  assert.equal(ids(local)[0], 'upload-config');
  assert.deepEqual(local.phases[0]!.commands[0]!.input, { directory: '/home/me/config' });
  assert.match(commands(local, 'install')[0]!, /--flake \/tmp\/nixos-bootstrap\/config#web$/);

  const clone = plan(facts(), choices({ install: { mode: 'clone', repo: 'https://git.example/cfg.git', repoPath: '/mnt/nix-config' } }));
  assert.ok(ids(clone).indexOf('fetch-config') > ids(clone).indexOf('mount'));
  assert.equal(commands(clone, 'fetch-config')[0], 'rm -rf /mnt/nix-config && git clone --depth 1 https://git.example/cfg.git /mnt/nix-config');
  assert.match(commands(clone, 'install')[0]!, /--flake \/mnt\/nix-config#web$/);

  const prebuilt = plan(facts(), choices({ install: { mode: 'prebuilt', repoPath: '/mnt/nix-config', systemPath: '/nix/store/abc-nixos-system' } }));
  assert.match(commands(prebuilt, 'install')[0]!, /--system \/nix\/store\/abc-nixos-system$/);
});

test('extra directories, post-mount commands and tmpstore come after mounting', () => {
  const p = plan(facts(), choices({ mkdirs: ['/persist', 'var/lib'], postMount: ['touch /mnt/persist/.keep'], tmpstore: true }));
  assert.deepEqual(ids(p).slice(2, 5), ['mount', 'tmpstore', 'post-mount']);
  assert.deepEqual(commands(p, 'post-mount'), ['mkdir -p /mnt/persist', 'mkdir -p /mnt/var/lib', 'touch /mnt/persist/.keep']);
  assert.equal(commands(p, 'finish')[1], 'if mountpoint -q /nix/store; then umount /nix/store; fi');
});

test('finish: poweroff by default, reboot on request, nothing with none', () => {
  assert.match(commands(plan(facts(), choices()), 'finish').at(-1)!, /sleep 2; poweroff/);
  assert.match(commands(plan(facts(), choices({ finish: 'reboot' })), 'finish').at(-1)!, /sleep 2; reboot/);
  assert.equal(commands(plan(facts(), choices({ finish: 'none' })), 'finish').at(-1), 'if mountpoint -q /mnt; then umount -R /mnt; fi');
});

test('a disk too small for the layout is refused with the size it needs', () => {
  const small = facts({ disks: [disk({ sizeBytes: 4 * GiB })] });
  assert.throws(
    () => plan(small, choices()),
    (error: unknown) => {
      assert.ok(error instanceof BootstrapError);
      assert.equal(error.exitCode, ExitCode.refused);
      assert.match(error.message, /too small/);
      assert.match(error.hint ?? '', /at least 4\.5 GiB/);
      return true;
    },
  );
  assert.equal(
    minimumDiskBytes(choices({ layout: { kind: 'labels', efiSizeMiB: 512, swapSizeMiB: 2048, luks: null } }), 'efi'),
    (2 + 512 + 2048) * 1024 ** 2 + 4 * GiB,
  );
});

test('an unknown disk is refused, naming the disks that exist', () => {
  assert.throws(() => plan(facts(), choices({ disk: '/dev/sdz' })), /disk \/dev\/sdz does not exist/);
});

test('plan is pure: same inputs, same plan, inputs untouched', () => {
  const f = facts();
  const c = choices({ layout: { kind: 'labels', efiSizeMiB: 512, swapSizeMiB: 1024, luks } });
  const before = JSON.stringify([f, c]);
  assert.deepEqual(plan(f, c), plan(f, c));
  assert.equal(JSON.stringify([f, c]), before);
});

test('resume checks exist for every destructive phase', () => {
  const p = plan(facts(), choices({ layout: { kind: 'labels', efiSizeMiB: 512, swapSizeMiB: 1024, luks } }));
  for (const id of ['partition', 'luks-format', 'luks-open', 'format', 'mount', 'install']) {
    assert.ok(p.phases.find((phase) => phase.id === id)!.doneCheck, `${id} has no doneCheck`);
  }
  assert.match(p.phases[0]!.doneCheck!, /sfdisk --part-label \/dev\/vda 3 2>\/dev\/null\)" = cryptroot/);
});

test('the printed plan marks secrets as redacted and says what is destroyed', () => {
  const text = formatPlan(plan(facts(), choices({ layout: { kind: 'labels', efiSizeMiB: 512, swapSizeMiB: 0, luks } }))).join('\n');
  assert.match(text, /DESTROYS every partition and all data on \/dev\/vda/);
  assert.match(text, /cryptsetup luksFormat .* --key-file - \/dev\/vda2 {2}< <redacted LUKS passphrase>/);
  assert.match(text, /cat > \/mnt\/etc\/age\/\.web\.agekey\.tmp .* {2}< <redacted age identity>/);
});

test('mounted: a label it mounts by that two devices carry is refused (exit 3), naming both', () => {
  const part = (name: string, label: string) => ({ name, path: `/dev/${name}`, type: 'part', sizeBytes: GiB, label, mountpoints: [], children: [] });
  const two = facts({
    disks: [disk({ children: [part('vda1', 'boot'), part('vda2', 'nixos')] }), disk({ name: 'vdb', path: '/dev/vdb', children: [part('vdb1', 'nixos')] })],
  });
  assert.throws(
    () => plan(two, choices({ layout: { kind: 'mounted', luks: null } })),
    (error: unknown) => {
      assert.ok(error instanceof BootstrapError);
      assert.equal(error.exitCode, ExitCode.refused);
      assert.match(error.message, /label 'nixos' is on 2 devices \(\/dev\/vda2, \/dev\/vdb1\)/);
      return true;
    },
  );
  // one carrier each is fine
  plan(facts({ disks: [disk({ children: [part('vda1', 'boot'), part('vda2', 'nixos')] })] }), choices({ layout: { kind: 'mounted', luks: null } }));
});
