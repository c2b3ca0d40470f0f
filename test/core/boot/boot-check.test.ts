// "Will it boot?" against a REAL `nix eval` (Debian's nix-bin) of self-contained flakes: one
// that agrees with the plan, and one for each kind of mismatch, each with the line to add.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkBoot } from '../../../source/core/boot/boot-check.js';
import { bootBlockers, describeBootCheck } from '../../../source/core/boot/boot-findings.js';
import { evaluateBootConfig } from '../../../source/core/boot/boot-config.js';
import { plan } from '../../../source/core/plan/plan.js';
import type { Choices, Layout } from '../../../source/core/plan/types.js';
import { choices, disk, facts, luks } from '../plan/fixtures.js';

const work = mkdtempSync(join(tmpdir(), 'nb-boot-'));
after(() => rmSync(work, { recursive: true, force: true }));
const hadNix = existsSync('/nix');
after(() => assert.equal(existsSync('/nix'), hadNix, 'the evaluation created this machine’s /nix'));

// A scratch HOME and store: this machine's /nix and caches are never touched.
const home = join(work, 'home');
const nixEnv = { PATH: process.env.PATH, HOME: home, XDG_CACHE_HOME: join(home, '.cache'), NIX_CONFIG: `build-users-group =\nstore = ${join(work, 'store')}` };
const evaluate = (ref: string, host: string) => evaluateBootConfig(ref, host, nixEnv);

/** The configuration that agrees with a LUKS + swap labels install on a virtio disk (EFI). */
const agreeing: Record<string, string> = {
  'fileSystems."/"': '{ device = "/dev/mapper/cryptroot"; fsType = "ext4"; }',
  'fileSystems."/boot"': '{ device = "/dev/disk/by-label/boot"; fsType = "vfat"; }',
  swapDevices: '[ { device = "/dev/disk/by-label/swap"; } ]',
  'boot.initrd.luks.devices.cryptroot.device': '"/dev/disk/by-label/cryptroot"',
  'boot.loader.systemd-boot.enable': 'true',
  'boot.initrd.availableKernelModules': '[ "virtio_blk" "virtio_pci" "ahci" ]',
  'users.users.root.openssh.authorizedKeys.keys': '[ "ssh-ed25519 AAAA me" ]',
};

let flakes = 0;
/** A flake without inputs whose host `web` has exactly these settings. */
function flake(settings: Record<string, string | undefined>): string {
  const dir = join(work, `flake${flakes++}`);
  mkdirSync(dir, { recursive: true });
  const body = Object.entries(settings)
    .filter(([, value]) => value !== undefined)
    .map(([path, value]) => `${path} = ${value};`)
    .join(' ');
  writeFileSync(join(dir, 'flake.nix'), `{ outputs = _: { nixosConfigurations.web.config = { ${body} }; }; }\n`);
  return dir;
}

const luksSwap: Layout = { kind: 'labels', efiSizeMiB: 512, swapSizeMiB: 1024, luks };
const virtio = facts({ disks: [disk({ modules: ['virtio_blk', 'virtio_pci'] })] });

async function check(settings: Record<string, string | undefined>, over: Partial<Choices> = {}, theFacts = virtio) {
  const dir = flake(settings);
  const thePlan = plan(theFacts, choices({ layout: luksSwap, flake: { uri: dir, host: 'web', localPath: dir }, ...over }));
  return checkBoot(thePlan, theFacts, { evaluate });
}

test('a configuration that agrees with the plan and the hardware has no finding', async () => {
  const result = await check(agreeing);
  assert.equal(result.skipped, undefined);
  assert.deepEqual(result.findings, []);
  assert.match(describeBootCheck(result), /mounts what this install creates/);
});

test('/ from a device this install does not create, or no / at all, is refused with the line to add', async () => {
  for (const root of ['{ device = "/dev/disk/by-uuid/1234-abcd"; fsType = "ext4"; }', undefined]) {
    const result = await check({ ...agreeing, 'fileSystems."/"': root });
    const refused = result.findings.filter((f) => f.refuse);
    assert.equal(refused.length, 1, describeBootCheck(result));
    assert.match(refused[0]!.message, root ? /mounts \/ from \/dev\/disk\/by-uuid\/1234-abcd, which this install does not create/ : /has no fileSystems."\/"/);
    assert.equal(refused[0]!.fix, 'fileSystems."/" = { device = "/dev/mapper/cryptroot"; fsType = "ext4"; };');
  }
  // Without LUKS the root is the label this install writes, as a device or as `label`.
  const plain: Partial<Choices> = { layout: { kind: 'labels', efiSizeMiB: 512, swapSizeMiB: 0, luks: null } };
  const base = { ...agreeing, swapDevices: undefined, 'boot.initrd.luks.devices.cryptroot.device': undefined };
  assert.deepEqual((await check({ ...base, 'fileSystems."/"': '{ label = "nixos"; fsType = "ext4"; }' }, plain)).findings, []);
  assert.deepEqual((await check({ ...base, 'fileSystems."/"': '{ device = "/dev/disk/by-label/nixos"; fsType = "ext4"; }' }, plain)).findings, []);
});

test('a LUKS root the initrd never opens, or opens from another device, is refused', async () => {
  const missing = await check({ ...agreeing, 'boot.initrd.luks.devices.cryptroot.device': undefined });
  assert.deepEqual(
    missing.findings.filter((f) => f.refuse).map((f) => f.message),
    ['the initrd opens no LUKS device on the partition this install encrypts (/dev/disk/by-label/cryptroot), so /dev/mapper/cryptroot never appears'],
  );
  const other = await check({ ...agreeing, 'boot.initrd.luks.devices.cryptroot.device': '"/dev/disk/by-uuid/0000"' });
  assert.match(other.findings.find((f) => f.refuse)!.message, /opens \/dev\/disk\/by-uuid\/0000, not the partition this install encrypts/);
  assert.equal(other.findings[0]!.fix, 'boot.initrd.luks.devices.cryptroot.device = "/dev/disk/by-label/cryptroot";');
});

test('loader, initrd driver, swap, /boot and logins are findings (not refusals), each with its line', async () => {
  const cases: Array<[Record<string, string | undefined>, RegExp, string]> = [
    [{ 'boot.loader.systemd-boot.enable': undefined }, /neither systemd-boot nor GRUB with EFI support/, 'boot.loader.systemd-boot.enable = true;'],
    [
      { 'boot.initrd.availableKernelModules': '[ "ahci" ]' },
      /drivers virtio_blk, virtio_pci are not in boot.initrd.availableKernelModules/,
      'boot.initrd.availableKernelModules = [ "virtio_blk" "virtio_pci" ];',
    ],
    [
      { swapDevices: '[ { device = "/dev/disk/by-uuid/5555"; } ]' },
      /swap partition this install creates is not used/,
      'swapDevices = [ { device = "/dev/disk/by-label/swap"; } ];',
    ],
    [{ 'fileSystems."/boot"': undefined }, /\/boot is not mounted/, 'fileSystems."/boot" = { device = "/dev/disk/by-label/boot"; fsType = "vfat"; };'],
    [
      { 'users.users.root.openssh.authorizedKeys.keys': undefined },
      /nobody can log in after the first boot/,
      'users.users.root.openssh.authorizedKeys.keys = [ "ssh-ed25519 AAAA… you@laptop" ];',
    ],
    [
      { 'sops.age.keyFile': '"/var/lib/sops-nix/key.txt"' },
      /sops-nix reads its age key from \/var\/lib\/sops-nix\/key\.txt, but this install puts the key at \/etc\/age\/web\.agekey/,
      'sops.age.keyFile = "/etc/age/web.agekey";   (or install with --age-key-path /var/lib/sops-nix/key.txt)',
    ],
    [
      { 'age.identityPaths': '[ "/etc/ssh/ssh_host_ed25519_key" ]' },
      /agenix reads its identities from \/etc\/ssh\/ssh_host_ed25519_key, not from \/etc\/age\/web\.agekey/,
      'age.identityPaths = [ "/etc/age/web.agekey" ];',
    ],
  ];
  for (const [change, message, fix] of cases) {
    const result = await check({ ...agreeing, ...change });
    assert.ok(result.findings.length >= 1, `${message}: ${describeBootCheck(result)}`);
    assert.ok(
      result.findings.every((f) => !f.refuse),
      describeBootCheck(result),
    );
    const finding = result.findings.find((f) => message.test(f.message));
    assert.ok(finding, `${message} not in ${describeBootCheck(result)}`);
    assert.equal(finding.fix, fix);
  }
  // A wheel user with a password counts as a way in.
  const wheel = await check({
    ...agreeing,
    'users.users.root.openssh.authorizedKeys.keys': undefined,
    'users.users.me': '{ extraGroups = [ "wheel" ]; hashedPassword = "$6$x"; }',
  });
  assert.deepEqual(wheel.findings, []);
  // The secrets modules reading the key where --age-key-path puts it: no finding.
  const sops = { ...agreeing, 'sops.age.keyFile': '"/var/lib/sops-nix/key.txt"', 'age.identityPaths': '[ "/var/lib/sops-nix/key.txt" ]' };
  const placed = await check(sops, { ageKey: { recipient: 'age1qqqq', path: '/var/lib/sops-nix/key.txt' } });
  assert.deepEqual(placed.findings, []);
});

test('BIOS needs GRUB on this disk', async () => {
  const bios = facts({ firmware: 'bios', disks: [disk({ modules: ['virtio_blk'] })] });
  const settings = { ...agreeing, 'fileSystems."/boot"': undefined, 'boot.loader.systemd-boot.enable': undefined };
  const none = await check(settings, {}, bios);
  assert.match(none.findings.map((f) => f.message).join('\n'), /GRUB must be installed on this disk/);
  assert.deepEqual((await check({ ...settings, 'boot.loader.grub': '{ enable = true; device = "/dev/vda"; }' }, {}, bios)).findings, []);
});

test('without nix, or when the evaluation fails, the check says it was skipped and why', async () => {
  const noNix = await checkBoot(plan(virtio, choices()), virtio, {
    evaluate: (ref, host) => evaluateBootConfig(ref, host, { ...nixEnv, PATH: '/nonexistent' }),
  });
  assert.equal(noNix.skipped, 'nix is not installed on this machine');
  assert.match(describeBootCheck(noNix), /^Boot check skipped: nix is not installed/);
  if (!hadNix) {
    const unset = await evaluateBootConfig(flake(agreeing), 'web', { PATH: process.env.PATH, HOME: home });
    assert.deepEqual(unset, { skipped: 'Nix is not set up on this machine (no /nix/store)' });
  }
  const dir = flake(agreeing);
  const wrongHost = await checkBoot(plan(virtio, choices({ flake: { uri: dir, host: 'db', localPath: dir } })), virtio, { evaluate });
  assert.equal(wrongHost.skipped, undefined);
  assert.deepEqual(
    wrongHost.findings.map((f) => [f.refuse, f.message]),
    [[true, 'the flake has no nixosConfigurations.db (it has web)']],
  );
  const broken = join(work, 'broken');
  mkdirSync(broken);
  writeFileSync(join(broken, 'flake.nix'), '{ outputs = _: { nixosConfigurations.web.config = throw "no such option"; }; }\n');
  const failed = await checkBoot(plan(virtio, choices({ flake: { uri: broken, host: 'web', localPath: broken } })), virtio, { evaluate });
  assert.equal(failed.skipped, undefined);
  assert.match(failed.failed!, /^nix eval of .*broken#web failed: .*no such option/);
  assert.deepEqual(bootBlockers(failed), [`the configuration does not evaluate (${failed.failed})`], 'a failed evaluation blocks the install');
  const prebuilt = await checkBoot(plan(virtio, choices({ install: { mode: 'prebuilt', repoPath: '/mnt/x', systemPath: '/nix/store/x' } })), virtio, {
    evaluate,
  });
  assert.match(prebuilt.skipped!, /prebuilt/);
});

test('the evaluation is pure: the flake cannot read this machine’s environment; a locked root password lets nobody in', async () => {
  const dir = flake({ ...agreeing, 'fileSystems."/"': '{ device = builtins.getEnv "NB_TEST_SECRET"; fsType = "ext4"; }' });
  const thePlan = plan(virtio, choices({ layout: luksSwap, flake: { uri: dir, host: 'web', localPath: dir } }));
  const result = await checkBoot(thePlan, virtio, { evaluate: (ref, host) => evaluateBootConfig(ref, host, { ...nixEnv, NB_TEST_SECRET: 'hunter2' }) });
  assert.doesNotMatch(JSON.stringify(result), /hunter2/);
  assert.match(result.findings[0]!.message, /which this install does not create/);
  const locked = await check({ ...agreeing, 'users.users.root.openssh.authorizedKeys.keys': undefined, 'users.users.root.initialHashedPassword': '"!"' });
  assert.match(locked.findings.map((f) => f.message).join('\n'), /nobody can log in/);
});

test('names NixOS users write for the same devices are accepted: by-partlabel, the inner label, another mapper name, fsType auto', async () => {
  const accepted: Array<Record<string, string | undefined>> = [
    { 'fileSystems."/"': '{ device = "/dev/disk/by-label/nixos"; fsType = "auto"; }' },
    {
      'fileSystems."/"': '{ device = "/dev/mapper/luks-root"; fsType = "ext4"; }',
      'boot.initrd.luks.devices.cryptroot.device': undefined,
      'boot.initrd.luks.devices.luks-root.device': '"/dev/disk/by-partlabel/cryptroot"',
    },
    { 'fileSystems."/boot"': '{ device = "/dev/disk/by-partlabel/boot"; fsType = "vfat"; }' },
    { swapDevices: '[ { device = "/dev/disk/by-partlabel/swap"; } { device = "/swapfile"; size = 1024; } ]' },
  ];
  for (const change of accepted) assert.deepEqual((await check({ ...agreeing, ...change })).findings, [], JSON.stringify(change));
  // The mounted layout is the user's own: any device may be right, nothing is refused.
  const mounted = await check(
    { ...agreeing, 'fileSystems."/"': '{ device = "/dev/disk/by-uuid/77"; fsType = "btrfs"; }' },
    { layout: { kind: 'mounted', luks }, disk: '' },
  );
  assert.ok(
    mounted.findings.every((f) => !f.refuse),
    describeBootCheck(mounted),
  );
});

test('without Nix here, the installer evaluates: the local flake goes over stdin into a temp dir it removes; no nix there either is a skip', async () => {
  const { ScriptedSession } = await import('../install/helpers/scripted-session.js');
  const { execa } = await import('execa');
  const { readdirSync } = await import('node:fs');
  const noNixHere = { evaluate: () => Promise.resolve({ skipped: 'Nix is not set up on this machine (no /nix/store)' }) };
  // "The installer" is this machine's bash with the scratch store standing for its /nix/store:
  // the command really runs.
  mkdirSync(join(work, 'store'), { recursive: true });
  const installer = new ScriptedSession(async (command, options) => {
    const here = command.replace('[ ! -d /nix/store ]', `[ ! -d ${join(work, 'store')} ]`);
    const run = await execa('bash', ['-c', here], { env: nixEnv, extendEnv: false, reject: false, input: options.stdin });
    return { code: run.exitCode ?? 1, stdout: String(run.stdout), stderr: String(run.stderr) };
  });
  const withNix = facts({ disks: [disk({ modules: ['virtio_blk', 'virtio_pci'] })], tools: { nix: true } });
  const dir = flake({ ...agreeing, 'fileSystems."/"': '{ device = "/dev/disk/by-uuid/0a0a"; fsType = "ext4"; }' });
  const thePlan = plan(withNix, choices({ layout: luksSwap, flake: { uri: dir, host: 'web', localPath: dir } }));
  const leftBefore = readdirSync('/tmp').filter((f) => f.startsWith('nixos-bootstrap-boot-check.')).length;

  const remote = await checkBoot(thePlan, withNix, { ...noNixHere, installer });
  assert.equal(remote.evaluatedOn, 'the installer');
  assert.match(
    describeBootCheck(remote),
    /^Boot check \(evaluated on the installer, this machine has no Nix\):\n {2}✖ the configuration mounts \/ from \/dev\/disk\/by-uuid\/0a0a/,
  );
  assert.ok(bootBlockers(remote).length > 0, 'refused as it would be here');
  assert.equal(installer.commands.length, 1);
  assert.match(
    installer.commands[0]!,
    /^if \[ ! -d \/nix\/store \]; then exit 97; fi; d=\$\(mktemp -d \/tmp\/nixos-bootstrap-boot-check\.XXXXXX\) && trap .* && tar -x -C "\$d" && cd "\$d" && timeout 300 nix /,
  );
  assert.doesNotMatch(installer.commands[0]!, new RegExp(dir), 'the laptop path is not used there');
  assert.equal(readdirSync('/tmp').filter((f) => f.startsWith('nixos-bootstrap-boot-check.')).length, leftBefore, 'its temp dir was removed');
  // An agreeing flake passes there too.
  const good = flake(agreeing);
  const agreed = await checkBoot(plan(withNix, choices({ layout: luksSwap, flake: { uri: good, host: 'web', localPath: good } })), withNix, {
    ...noNixHere,
    installer,
  });
  assert.deepEqual([agreed.evaluatedOn, agreed.findings], ['the installer', []]);

  const noNixThere = await checkBoot(thePlan, virtio, { ...noNixHere, installer });
  assert.equal(noNixThere.skipped, 'Nix is not set up on this machine (no /nix/store); the installer has no nix');
  assert.equal(installer.commands.length, 2, 'nothing was run on an installer without nix');
  // A nix whose store is not set up is never run there either (it would create /nix).
  const unset = new ScriptedSession((command) => ({ code: /^if \[ ! -d \/nix\/store \]; then exit 97; fi; /.test(command) ? 97 : 0 }));
  const noStore = await checkBoot(thePlan, withNix, { ...noNixHere, installer: unset });
  assert.equal(noStore.skipped, 'Nix is not set up on this machine (no /nix/store); Nix is not set up on the installer (no /nix/store)');
});
