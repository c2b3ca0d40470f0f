// Issue 5 in the lab: the read-only probe of a real (netns) installer, and the disk choice made
// from what it found: loop disks count only with the lab switch, the boot medium (mounted at
// /iso) never does, and --disk pointing at it is refused.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { machine, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExitCode } from '../../source/core/exit-codes.js';
import type { DiskChoice } from '../../source/core/facts/disks.js';
import { parseProbeOutput } from '../../source/core/facts/parse.js';
import type { Facts } from '../../source/core/facts/types.js';
import type { ExecResult } from '../../source/core/ssh/types.js';
import { runInLaptop } from '../fixtures/lab-runner/run-in-laptop.js';
import { LabHandle, startLab, stopLab } from './lab-fixture.js';

const id = 'nbs';
let lab: LabHandle;

before(async () => {
  lab = await startLab({ id, installers: [{}, { isInstaller: false, hostname: 'workstation' }, { noisyLoginShell: true, hostname: 'chatty' }] });
});
after(async () => {
  await stopLab(lab, id);
});

const disk = (index: number, role: 'internal' | 'boot-medium') => lab.installerState(index).disks.find((d) => d.role === role)!;
const kernelName = (device: string) => device.replace('/dev/', '');

/** Every file on the installer that is not the kernel's: its root's RAM layer and its tmpfs mounts. */
async function installerFiles(index: number): Promise<string> {
  const upper = `${lab.installerState(index).dir}/layer/upper`;
  const inside = await lab.installer(index, "find /run /tmp /root /mnt -xdev -printf '%p %s %T@\\n' 2>/dev/null | sort");
  const layer = await lab.laptop(['sh', '-c', `find ${upper} -printf '%p %s %T@\\n' | sort`]);
  return `${inside.stdout}\n${layer.stdout}`;
}

test('the probe reads the lab installer: its facts, its two loop disks, /iso on the boot medium — and writes nothing', async () => {
  const target = `root@${lab.address(1)}`;
  // A first session logs in (sshd may touch files for that); the probe then runs on a second one.
  assert.ok((await runInLaptop(lab, { target, steps: [{ exec: 'true' }] })).ok);
  const before = await installerFiles(1);
  const answer = await runInLaptop(lab, { target, steps: [{ probeRaw: true }, { probe: {} }] });
  assert.ok(answer.ok, JSON.stringify(answer));
  const after = await installerFiles(1);
  assert.equal(after, before, 'the probe changed files on the installer');

  const raw = answer.results[0] as string;
  const facts = answer.results[1] as Facts;
  assert.deepEqual(parseProbeOutput(raw), facts, 'the probe is exactly the script plus the parser');
  assert.equal(facts.isInstaller, true);
  assert.equal(facts.hostname, 'bootstrap');
  assert.equal(facts.arch, machine());
  assert.equal(facts.firmware, 'bios');
  assert.ok(facts.memoryBytes > 0);
  assert.equal(facts.tools['nixos-install'], true, 'the lab stand-in is found');
  assert.equal(facts.tools.cryptsetup, true);

  const internal = kernelName(disk(1, 'internal').device);
  const medium = kernelName(disk(1, 'boot-medium').device);
  assert.deepEqual(facts.disks.map((d) => d.name).sort(), [internal, medium].sort(), 'host disks stay hidden');
  const mediumDisk = facts.disks.find((d) => d.name === medium)!;
  assert.equal(mediumDisk.type, 'loop');
  assert.deepEqual(mediumDisk.mountpoints, ['/iso']);
  assert.equal(mediumDisk.fsType, 'ext4', 'blkid stands in for the missing udev database');
  assert.match(mediumDisk.label ?? '', /^nixos-minimal-24/);
  assert.equal(facts.disks.find((d) => d.name === internal)!.sizeBytes, disk(1, 'internal').sizeBytes);
  assert.deepEqual(facts.bootDisks, [medium]);
});

test('loop disks are eligible only with the lab switch; the boot medium never is', async () => {
  const target = `root@${lab.address(1)}`;
  const internal = kernelName(disk(1, 'internal').device);
  const medium = kernelName(disk(1, 'boot-medium').device);

  const withSwitch = await runInLaptop(lab, { target, steps: [{ choose: { allowLoopDisks: true } }] });
  assert.ok(withSwitch.ok, JSON.stringify(withSwitch));
  const { choice } = withSwitch.results[0] as { choice: DiskChoice };
  assert.equal(choice.pick.disk.name, internal);
  assert.equal(choice.pick.reason, 'only eligible disk');
  assert.equal(choice.pick.devicePath, `/dev/${internal}`, 'no udev in the netns installer: no by-id names');
  const greyed = choice.disks.find((a) => a.disk.name === medium)!;
  assert.equal(greyed.eligible, false);
  assert.deepEqual(greyed.ineligibleReasons, ["the installer's boot medium", 'mounted: /iso']);

  const normal = await runInLaptop(lab, { target, steps: [{ choose: {} }] });
  assert.ok(!normal.ok);
  assert.equal(normal.exitCode, ExitCode.refused);
  assert.match(normal.message, new RegExp(`no eligible disk on the target \\(.*${internal}: loop device`));
});

test('--disk pointing at the boot medium is refused (exit 3) with the reason; the internal disk is accepted', async () => {
  const target = `root@${lab.address(1)}`;
  const medium = disk(1, 'boot-medium').device;
  const internal = disk(1, 'internal').device;
  const refused = await runInLaptop(lab, { target, steps: [{ choose: { allowLoopDisks: true, requested: medium } }] });
  assert.ok(!refused.ok);
  assert.equal(refused.exitCode, ExitCode.refused);
  assert.equal(refused.message, `refusing --disk ${medium} (${medium}): the installer's boot medium; mounted: /iso`);

  const tooSmall = await runInLaptop(lab, { target, steps: [{ choose: { allowLoopDisks: true, requested: internal, minSizeBytes: 16 * 1024 ** 3 } }] });
  assert.ok(!tooSmall.ok);
  assert.match(tooSmall.message, /too small: 8 GiB, the layout needs 16 GiB/);

  const accepted = await runInLaptop(lab, { target, steps: [{ choose: { allowLoopDisks: true, requested: kernelName(internal) } }] });
  assert.ok(accepted.ok, JSON.stringify(accepted));
  const { choice } = accepted.results[0] as { choice: DiskChoice };
  assert.equal(choice.pick.disk.path, internal);
  assert.equal(choice.pick.reason, 'chosen with --disk');

  // and nothing was written to either disk: still all zeroes / still the boot medium's ext4
  const check = await lab.installer(1, `cmp -s -n 1048576 ${internal} /dev/zero && echo internal-untouched; blkid -o value -s LABEL ${medium}`);
  assert.match(check.stdout, /^internal-untouched\nnixos-minimal-24\S*\n$/);
});

test('a target that is not an installer is refused (exit 3) with the reason, unless forced', async () => {
  const target = `root@${lab.address(2)}`;
  const refused = await runInLaptop(lab, { target, steps: [{ probe: {} }] });
  assert.ok(!refused.ok);
  assert.equal(refused.exitCode, ExitCode.refused);
  assert.match(
    refused.message,
    /\(workstation\) is not a NixOS installer: its os-release says NixOS 24\.11 \(Vicuna\), no VARIANT_ID \(not VARIANT_ID=installer\)/,
  );
  const forced = await runInLaptop(lab, { target, steps: [{ probe: { force: true } }] });
  assert.ok(forced.ok, JSON.stringify(forced));
  assert.equal((forced.results[0] as Facts).isInstaller, false);
  assert.equal((forced.results[0] as Facts).hostname, 'workstation');
});

test('exec results carry no PID-report noise on the lab installer either', async () => {
  const answer = await runInLaptop(lab, { target: `root@${lab.address(1)}`, steps: [{ exec: 'echo out; echo err >&2' }] });
  assert.ok(answer.ok);
  assert.deepEqual(answer.results[0] as ExecResult, { code: 0, stdout: 'out\n', stderr: 'err\n' });
});

test('a login shell that prints and dawdles (root ~/.bashrc: lines on both streams, sleep 1): probe, exec and a dry run still parse', async () => {
  const target = `root@${lab.address(3)}`;
  // OpenSSH shows what a user sees there: the rc file's noise around every command's output.
  const raw = await lab.ssh(3, 'echo out');
  assert.match(raw.stdout, /Welcome to the lab installer/);
  assert.match(raw.stderr, /bashrc: a warning on stderr/);

  const answer = await runInLaptop(lab, { target, steps: [{ exec: 'echo out; echo err >&2' }, { probe: {} }] });
  assert.ok(answer.ok, JSON.stringify(answer));
  assert.deepEqual(answer.results[0] as ExecResult, { code: 0, stdout: 'out\n', stderr: 'err\n' });
  const facts = answer.results[1] as Facts;
  assert.equal(facts.hostname, 'chatty');
  assert.equal(facts.isInstaller, true);
  assert.deepEqual(facts.connection, { interface: 'eth0', mac: lab.installerState(3).mac }, 'the link the session came in on');
  assert.equal(facts.disks.length, 2);

  const dryRun = await lab.cli(['install', target, '--flake', 'github:me/cfg#web', '--disk', disk(3, 'internal').device, '--allow-loop-disks', '--dry-run']);
  assert.equal(dryRun.exitCode, 0, dryRun.stderr + dryRun.stdout);
  assert.doesNotMatch(dryRun.stdout + dryRun.stderr, /Welcome to the lab installer|bashrc:/, 'no rc noise reaches the user');
});

test('will it boot: a configuration that mounts / from another disk is refused before anything runs, with the line to add; --write-disk-config and --generate-hardware-config hand over the matching modules', async () => {
  const work = mkdtempSync(join(tmpdir(), 'nb-bootcheck-'));
  const hadNix = existsSync('/nix');
  try {
    const flakeDir = join(work, 'flake');
    mkdirSync(join(flakeDir, 'hosts'), { recursive: true });
    const writeFlake = (root: string) =>
      writeFileSync(
        join(flakeDir, 'flake.nix'),
        `{ outputs = _: { nixosConfigurations.web.config = {
      fileSystems."/" = ${root}; fileSystems."/boot" = { device = "/dev/disk/by-label/boot"; fsType = "vfat"; };
      boot.loader.systemd-boot.enable = true; boot.loader.grub = { enable = true; device = "nodev"; };
      users.users.root.openssh.authorizedKeys.keys = [ "ssh-ed25519 AAAA lab" ]; }; }; }\n`,
      );
    writeFlake('{ device = "/dev/disk/by-uuid/0a0a-1b1b"; fsType = "ext4"; }');
    spawnSync('git', ['-C', flakeDir, 'init', '-q']);
    spawnSync('git', ['-C', flakeDir, 'add', 'flake.nix']);
    // A real nix eval on the laptop, with a scratch store: this machine's /nix stays as it was.
    const env = { NIX_CONFIG: `build-users-group =\nstore = ${join(work, 'store')}`, XDG_CACHE_HOME: join(work, 'cache') };
    const args = [
      'install',
      `root@${lab.address(1)}`,
      '--flake',
      `${flakeDir}#web`,
      '--disk',
      disk(1, 'internal').device,
      '--allow-loop-disks',
      '--age-key',
      'none',
      '--json',
    ];

    const hardware = join(flakeDir, 'hosts', 'web', 'hardware-configuration.nix');
    const refused = await lab.cli(
      [...args, '--yes', '--write-disk-config', join(flakeDir, 'hosts', 'disks.nix'), '--generate-hardware-config', 'nixos-generate-config', hardware],
      { env },
    );
    assert.equal(refused.exitCode, ExitCode.refused, refused.stderr + refused.stdout);
    assert.match(
      refused.stderr,
      /would not boot from what this install creates: the configuration mounts \/ from \/dev\/disk\/by-uuid\/0a0a-1b1b, which this install does not create/,
    );
    const events = refused.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string; findings?: Array<{ fix: string }> });
    assert.deepEqual(
      events.find((e) => e.type === 'boot-check')!.findings!.map((f) => f.fix),
      ['fileSystems."/" = { device = "/dev/disk/by-label/nixos"; fsType = "ext4"; };'],
    );
    assert.ok(!events.some((e) => e.type === 'phase-start' || e.type === 'phase'), 'no phase ran');
    // The module that matches was handed over first, known to git, so the fix is one import away.
    const module = readFileSync(join(flakeDir, 'hosts', 'disks.nix'), 'utf8');
    assert.match(module, /fileSystems."\/" = \{ device = "\/dev\/disk\/by-label\/nixos"; fsType = "ext4"; \};/);
    assert.match(spawnSync('git', ['-C', flakeDir, 'status', '--porcelain'], { encoding: 'utf8' }).stdout, /^ A hosts\/disks\.nix$/m);
    // The hardware configuration came from the installer (the lab's stand-in generator, run
    // read-only before the plan), is valid Nix, and git knows it.
    const generated = readFileSync(hardware, 'utf8');
    assert.match(generated, /generated by 'nixos-generate-config' \(LAB STAND-IN/);
    assert.match(generated, /nixpkgs\.hostPlatform = lib\.mkDefault "\w+-linux";/);
    assert.match(spawnSync('git', ['-C', flakeDir, 'status', '--porcelain'], { encoding: 'utf8' }).stdout, /^ A hosts\/web\/hardware-configuration\.nix$/m);
    const parsed = spawnSync('nix-instantiate', ['--parse', hardware], { encoding: 'utf8', env: { PATH: process.env.PATH, HOME: work, ...env } });
    assert.equal(parsed.status, 0, parsed.stderr);
    const calls = await lab.installer(1, 'tr "\\0" " " < /run/lab/calls/nixos-generate-config.0/cmdline');
    assert.match(calls.stdout, /nixos-generate-config --show-hardware-config --no-filesystems --root \/mnt/);
    // A remote flake cannot see it: saved aside, and --yes is refused without the explicit flag.
    const remote = await lab.cli(
      [
        'install',
        `root@${lab.address(1)}`,
        '--flake',
        'github:me/c#web',
        '--disk',
        disk(1, 'internal').device,
        '--allow-loop-disks',
        '--age-key',
        'none',
        '--yes',
        '--generate-hardware-config',
        'nixos-generate-config',
        'x.nix',
      ],
      { env },
    );
    assert.equal(remote.exitCode, ExitCode.refused, remote.stderr);
    assert.match(
      remote.stderr,
      /cannot see the hardware configuration generated for this machine \(saved to \/root\/\.local\/state\/nixos-bootstrap\/web-hardware-configuration\.nix\)/,
    );
    assert.match(remote.stderr, /--allow-missing-hardware-config/);

    writeFlake('{ device = "/dev/disk/by-label/nixos"; fsType = "ext4"; }');
    const agrees = await lab.cli([...args, '--dry-run'], { env });
    assert.equal(agrees.exitCode, 0, agrees.stderr + agrees.stdout);
    const check = agrees.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string; findings?: unknown[]; skipped?: string })
      .find((e) => e.type === 'boot-check')!;
    assert.deepEqual([check.skipped, check.findings], [undefined, []]);
    assert.equal(existsSync('/nix'), hadNix, 'the evaluation used the scratch store');
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
