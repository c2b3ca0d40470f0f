// Issues 6 and 7 end to end on the VM installer (real GPT, dm-crypt, vfat, swap, udev):
// headless install with LUKS and the age key hand-off, a local flake uploaded, clone mode, dry
// runs that touch nothing, a cut connection resumed, and the default power-off.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { noisyBashrc } from '../../source/lab/host-files.js';
import { LabHandle, startLab, stopLab } from './lab-fixture.js';
import { diskDigest, findInImage } from './disk-digest.js';
import { sampleLocalProcesses, startRemoteSampler, stopRemoteSampler } from './secret-sampler.js';
import { cutSshConnections, records, resetVm, spawnCli, vmBootId, vmDisk, type NdjsonRecord } from './vm-lab.js';

const id = 'nbi';
const passphrase = 'lab passphrase: correct horse 47';
let lab: LabHandle;
const work = '/root/work';
const target = () => `root@${lab.vmAddress()}`;
const home = (path: string) => `${lab.state.laptop.home}${path.replace(/^\/root/, '')}`;

before(async () => {
  lab = await startLab({ id, installers: [], vm: {} });
  const setup = await lab.laptop([
    'bash',
    '-c',
    [
      `mkdir -p ${work}/flake/secrets`,
      `printf '%s\\n' '${passphrase}' > ${work}/pass && chmod 600 ${work}/pass`,
      `printf '{ outputs = _: { }; }\\n' > ${work}/flake/flake.nix`,
      `age-keygen -o ${work}/prepared.agekey 2>/dev/null`,
      `age -r "$(age-keygen -y ${work}/prepared.agekey)" -o ${work}/flake/secrets/db.age <<< secret`,
    ].join(' && '),
  ]);
  assert.equal(setup.exitCode, 0, setup.stderr);
});
after(async () => {
  await stopLab(lab, id);
});

const luksArgs = () => ['--luks', '--luks-passphrase-file', `${work}/pass`, '--luks-iter-time', '200'];

const bootMedium = () => lab.state.vm!.disks.find((d) => d.role === 'boot-medium')!.image;
let bootMediumDigest: string;

test('labels + LUKS + swap + a generated age key: the disk, the key and the secrets are right', async () => {
  await resetVm(lab);
  bootMediumDigest = diskDigest(bootMedium());
  const vmShell = (command: string, options?: { input?: string | Buffer }) => lab.vmSsh(command, options);
  await startRemoteSampler(vmShell, [passphrase, 'AGE-SECRET-KEY-1']);
  const local = sampleLocalProcesses([passphrase, 'AGE-SECRET-KEY-1']);
  const run = await lab.cli(
    ['install', target(), '--flake', 'github:me/nixos-config#web', ...luksArgs(), '--swap', '256M', '--finish', 'none', '--yes', '--json'],
    { cwd: work },
  );
  const localSamples = local.stop();
  const remote = await stopRemoteSampler(vmShell);
  assert.equal(run.exitCode, 0, run.stderr + run.stdout.slice(-2000));
  const events = records(run.stdout);

  // Every phase ran, in order, and the key shown is the key written.
  assert.deepEqual(
    events.filter((e) => e.type === 'phase-done').map((e) => e.id),
    ['partition', 'luks-format', 'luks-open', 'format', 'mount', 'install', 'age-key', 'finish'],
  );
  const shown = events.find((e) => e.type === 'age-key')!;
  assert.match(String(shown.recipient), /^age1[0-9a-z]{58}$/);
  const localKey = `${work}/web.agekey`;
  assert.equal(shown.localFile, localKey);
  const keyMode = await lab.laptop(['stat', '-c', '%a', localKey]);
  assert.equal(keyMode.stdout.trim(), '600');
  assert.equal((await lab.laptop(['age-keygen', '-y', localKey])).stdout.trim(), shown.recipient);

  // What nixos-install saw: the flake, /mnt on the mapper, /mnt/boot on the ESP, swap on.
  const call = (
    await lab.vmSsh(
      'tr "\\0" " " < /run/lab/calls/nixos-install.0/cmdline; echo; cat /run/lab/calls/nixos-install.0/mounts /run/lab/calls/nixos-install.0/swaps',
    )
  ).stdout;
  assert.match(call, /nixos-install --root \/mnt --no-root-passwd --no-channel-copy --flake github:me\/nixos-config#web/);
  assert.match(call, /^\/mnt \/dev\/mapper\/cryptroot ext4$/m);
  assert.match(call, /^\/mnt\/boot \/dev\/vda2 vfat$/m);
  assert.match(call, /^\/dev\/vda3$/m);

  // The disk as left behind (BIOS VM: bios boot partition first).
  const disk = (await lab.vmSsh(`sgdisk -p ${vmDisk}; blkid -o export ${vmDisk}2 ${vmDisk}3 ${vmDisk}4; cryptsetup luksDump ${vmDisk}4 | head -3`)).stdout;
  assert.match(disk, /^\s+1\s.*EF02\s+bios$/m);
  assert.match(disk, /^\s+2\s.*EA00\s+boot$/m);
  assert.match(disk, /^\s+3\s.*8200\s+swap$/m);
  assert.match(disk, /^\s+4\s.*8309\s+cryptroot$/m);
  assert.match(disk, /LABEL=boot\n(?:.*\n)*?TYPE=vfat/);
  assert.match(disk, /LABEL=swap\n(?:.*\n)*?TYPE=swap/);
  assert.match(disk, /LABEL=cryptroot\n(?:.*\n)*?TYPE=crypto_LUKS/);
  assert.match(disk, /^Version:\s+2$/m);
  const good = await lab.vmSsh(`cryptsetup open --test-passphrase --key-file - ${vmDisk}4`, { input: passphrase });
  assert.equal(good.exitCode, 0, good.stderr);
  const bad = await lab.vmSsh(`cryptsetup open --test-passphrase --key-file - ${vmDisk}4`, { input: `${passphrase}!` });
  assert.notEqual(bad.exitCode, 0);

  // The key inside the encrypted root: 700/600 root, and the recipient shown.
  const opened = await lab.vmSsh(
    `cryptsetup open --key-file - ${vmDisk}4 cryptroot && mount /dev/mapper/cryptroot /mnt && stat -c '%a %U' /mnt/etc/age /mnt/etc/age/web.agekey && test -e /mnt/etc/NIXOS && cat /mnt/etc/age/web.agekey; umount /mnt; cryptsetup close cryptroot`,
    { input: passphrase },
  );
  assert.equal(opened.exitCode, 0, opened.stderr);
  assert.match(opened.stdout, /^700 root\n600 root\n/);
  assert.ok(opened.stdout.includes(`# public key: ${shown.recipient}`));
  assert.equal(opened.stdout.match(/AGE-SECRET-KEY-1[0-9A-Z]+/)![0], readFileSync(home(localKey), 'utf8').match(/AGE-SECRET-KEY-1[0-9A-Z]+/)![0]);

  // No secret in any process's argv or environment, here or on the installer, nor in the output.
  assert.deepEqual(localSamples.hits, []);
  assert.ok(localSamples.samples > 20, `only ${localSamples.samples} local samples`);
  assert.ok(
    remote.names.includes('nixos-install'),
    `the installer sampler missed the install (${remote.passes} passes; saw ${remote.names.join(' ').slice(0, 2000)})`,
  );
  assert.ok(remote.names.includes('cryptsetup'), 'the installer sampler missed cryptsetup');
  assert.deepEqual(remote.hits, [], 'a secret was seen in the argv or environment of an installer process');
  process.stderr.write(
    `installer sampler: ${remote.passes} passes, median ${remote.medianGapMs.toFixed(0)} ms, p95 ${remote.p95GapMs.toFixed(0)} ms, worst ${remote.worstGapMs.toFixed(0)} ms; laptop sampler: ${localSamples.samples} passes\n`,
  );
  assert.ok(remote.p95GapMs <= 50, `installer samples were ${remote.p95GapMs.toFixed(0)} ms apart (95th percentile)`);
  const logFile = String(events.find((e) => e.type === 'result')!.logFile);
  const log = readFileSync(home(logFile), 'utf8');
  assert.ok(log.includes('nixos-install'), 'the log file misses the install');
  for (const text of [log, run.stdout, run.stderr]) {
    assert.ok(!text.includes(passphrase));
    assert.ok(!text.includes('AGE-SECRET-KEY-1'));
  }
  // The raw disk: outside the LUKS container nothing is readable (inside, all is ciphertext).
  await lab.vmSsh('sync');
  const internal = lab.state.vm!.disks.find((d) => d.role === 'internal')!.image;
  assert.equal(findInImage(internal, [passphrase, 'AGE-SECRET-KEY-1', shown.recipient as string]), '');
  assert.match(findInImage(internal, ['cryptroot']), /^cryptroot at \d+$/, 'the image scan finds what is in plaintext (the LUKS label)');
  // Only the confirmed disk was written.
  assert.equal(diskDigest(bootMedium()), bootMediumDigest);
});

test('a local flake is uploaded, its secrets checked against an existing key; no LUKS', async () => {
  await resetVm(lab);
  // --extra-files: a host key kept 0600 and a home given to its user.
  mkdirSync(home(`${work}/extra/persist/etc/ssh`), { recursive: true });
  mkdirSync(home(`${work}/extra/persist/home/me`), { recursive: true });
  writeFileSync(home(`${work}/extra/persist/etc/ssh/ssh_host_ed25519_key`), 'lab host key\n', { mode: 0o600 });
  writeFileSync(home(`${work}/extra/persist/home/me/notes`), 'notes\n', { mode: 0o640 });
  const extra = ['--extra-files', `${work}/extra`, '--chown', '/persist/home/me', '1000:100'];
  const run = await lab.cli(
    [
      'install',
      target(),
      '--flake',
      `${work}/flake#web`,
      '--age-key',
      `${work}/prepared.agekey`,
      '--mkdir',
      'persist',
      '--post-mount',
      'touch /mnt/persist/.from-post-mount',
      ...extra,
      '--finish',
      'none',
      '--yes',
      '--json',
    ],
    { cwd: work },
  );
  assert.equal(run.exitCode, 0, run.stderr);
  const events = records(run.stdout);
  const check = events.find((e) => e.type === 'secrets-check') as NdjsonRecord & { readable: string[]; unreadable: unknown[] };
  assert.deepEqual(check.readable, ['db.age']);
  assert.deepEqual(check.unreadable, []);
  assert.deepEqual(
    events.filter((e) => e.type === 'phase-done').map((e) => e.id),
    ['upload-config', 'partition', 'format', 'mount', 'post-mount', 'extra-files', 'install', 'age-key', 'finish'],
  );
  const state = await lab.vmSsh(
    `tr "\\0" " " < /run/lab/calls/nixos-install.0/cmdline; echo; ls /tmp/nixos-bootstrap/config /tmp/nixos-bootstrap/config/secrets; mount ${vmDisk}3 /mnt && ls -a /mnt/persist && stat -c '%a %u:%g %n' /mnt /mnt/persist/etc/ssh/ssh_host_ed25519_key /mnt/persist/home/me/notes && umount /mnt`,
  );
  assert.equal(state.exitCode, 0, state.stderr);
  assert.match(state.stdout, /--flake \/tmp\/nixos-bootstrap\/config#web/);
  assert.match(state.stdout, /flake\.nix/);
  assert.match(state.stdout, /db\.age/);
  assert.match(state.stdout, /\.from-post-mount/);
  assert.match(state.stdout, /^755 0:0 \/mnt$/m, 'the root of the new system keeps its mode');
  assert.match(state.stdout, /^600 0:0 \/mnt\/persist\/etc\/ssh\/ssh_host_ed25519_key$/m);
  assert.match(state.stdout, /^640 1000:100 \/mnt\/persist\/home\/me\/notes$/m);
});

test('clone mode: the repository is cloned onto the new disk and installed from there', async () => {
  await resetVm(lab);
  // The VM reaches no network but the laptop: a repository on the installer itself stands in
  // for a remote one; git clone runs on the target all the same.
  const origin = await lab.vmSsh(
    [
      'rm -rf /root/origin && mkdir /root/origin && cd /root/origin && git init -q',
      `printf '{ outputs = _: { }; }\\n' > flake.nix && git add flake.nix`,
      'git -c user.name=lab -c user.email=lab@lab.invalid commit -qm config && git rev-parse HEAD',
    ].join(' && '),
  );
  assert.equal(origin.exitCode, 0, origin.stderr);
  const run = await lab.cli(
    ['install', target(), '--mode', 'clone', '--repo', 'file:///root/origin', '--host', 'web', '--age-key', 'none', '--finish', 'none', '--yes', '--json'],
    { cwd: work },
  );
  assert.equal(run.exitCode, 0, run.stderr);
  assert.deepEqual(
    records(run.stdout)
      .filter((e) => e.type === 'phase-done')
      .map((e) => e.id),
    ['partition', 'format', 'mount', 'fetch-config', 'install', 'finish'],
  );
  const state = await lab.vmSsh(
    `tr "\\0" " " < /run/lab/calls/nixos-install.0/cmdline; echo; mount ${vmDisk}3 /mnt && git -C /mnt/nix-config rev-parse HEAD; umount /mnt`,
  );
  assert.equal(state.exitCode, 0, state.stderr);
  assert.match(state.stdout, /--flake \/mnt\/nix-config#web/);
  assert.ok(state.stdout.includes(origin.stdout.trim()), `the clone on the new disk is at the origin's commit: ${state.stdout}`);
});

test('unreadable secrets stop a headless run before the target is touched (exit 3)', async () => {
  const run = await lab.cli(['install', target(), '--flake', `${work}/flake#web`, '--age-key-out', `${work}/fresh.agekey`, '--yes'], { cwd: work });
  assert.equal(run.exitCode, 3, run.stderr);
  assert.match(run.stderr, /1 secret\(s\) .* would not decrypt on first boot: db\.age/);
  assert.ok(!existsSync(home(`${work}/fresh.agekey`)));
});

test('dry runs of every layout leave both VM disks byte for byte as they were', async () => {
  await resetVm(lab);
  const images = lab.state.vm!.disks.map((d) => d.image);
  const before = images.map(diskDigest);
  for (const layout of [
    [...luksArgs(), '--swap', '1G'],
    ['--layout', 'disko'],
    ['--layout', 'mounted'],
    // The one disk on the virtio bus, named by its bus (as for a room of identical machines).
    ['--disk', 'only:virtio', '--yes'],
  ]) {
    const run = await lab.cli(['install', target(), '--flake', 'github:me/nixos-config#web', '--age-key', 'none', ...layout, '--dry-run'], { cwd: work });
    assert.equal(run.exitCode, 0, `${layout.join(' ')}: ${run.stderr}`);
    assert.match(run.stdout, /Install NixOS/);
    if (layout[1] === 'only:virtio')
      assert.match(run.stdout, /Disk: \/dev\/disk\/by-id\/virtio-NB-LAB-DISK0 \(the only eligible disk on the bus --disk names\)/);
  }
  await lab.vmSsh('sync');
  assert.deepEqual(images.map(diskDigest), before);
});

test('the removable boot medium is refused as a target disk', async () => {
  const run = await lab.cli(['install', target(), '--flake', 'github:me/c#web', '--age-key', 'none', '--disk', '/dev/sda'], { cwd: work });
  assert.equal(run.exitCode, 3, run.stderr);
  assert.match(run.stderr, /removable|boot medium/);
});

test('a connection cut during nixos-install: clear error, no reboot, --resume finishes and skips done phases', async () => {
  await resetVm(lab);
  await lab.vmSsh('echo 60 > /run/lab/nixos-install.lines; echo 100 > /run/lab/nixos-install.delay-ms');
  const bootId = await vmBootId(lab);
  let cut = false;
  const first = await spawnCli(
    lab,
    ['install', target(), '--flake', 'github:me/c#web', ...luksArgs(), '--age-key', 'none', '--finish', 'none', '--yes', '--json'],
    (record) => {
      if (!cut && record.type === 'output' && record.id === 'install' && String(record.line).includes('lab-package-5')) {
        cut = true;
        void cutSshConnections(lab);
      }
    },
    work,
  );
  assert.ok(cut, 'never reached the install phase');
  assert.equal(first.exitCode, 1, first.stderr);
  const failed = records(first.stdout).find((e) => e.type === 'phase-failed')!;
  assert.equal(failed.id, 'install');
  assert.match(String(failed.message), /^Install NixOS failed: .*(connection|closed|lost)/i);
  assert.equal(await vmBootId(lab), bootId, 'the installer rebooted');

  await lab.vmSsh('rm -f /run/lab/nixos-install.lines /run/lab/nixos-install.delay-ms');
  // --resume --dry-run says what is left and changes nothing (it used to run the install). The
  // mounted ext4 keeps writing its inode tables in the background, so the VM's state is compared
  // (partitions, LUKS header, mounts, every file the install wrote), not the raw disk bytes.
  const journal = () => lab.laptop(['sh', '-c', 'cat /root/.local/state/nixos-bootstrap/runs/*.json']);
  const vmState = async () =>
    (
      await lab.vmSsh(
        `sgdisk -p ${vmDisk}; cryptsetup luksDump ${vmDisk}3; findmnt -rn -o TARGET,SOURCE | sort; ` +
          'find /mnt /run/lab /tmp -xdev -printf "%p %s %T@\\n" 2>/dev/null | sort',
      )
    ).stdout;
  const [stateBefore, journalBefore] = [await vmState(), (await journal()).stdout];
  const dry = await lab.cli(['install', '--resume', target(), '--dry-run', '--json'], { cwd: work });
  assert.equal(dry.exitCode, 0, dry.stderr + dry.stdout.slice(-3000));
  const status = records(dry.stdout).find((e) => e.type === 'resume-status')!;
  assert.deepEqual(
    [status.done, status.remaining],
    [
      ['partition', 'luks-format', 'luks-open', 'format', 'mount'],
      ['install', 'finish'],
    ],
  );
  assert.ok(!records(dry.stdout).some((e) => e.type === 'phase-start'), 'a dry run started a phase');
  assert.equal(await vmState(), stateBefore, 'the dry run changed the installer');
  assert.equal((await journal()).stdout, journalBefore, 'the dry run changed the journal');
  // A choice flag that says something else than the journal is refused, not ignored.
  const other = await lab.cli(['install', '--resume', target(), '--finish', 'reboot', '--luks-passphrase-file', `${work}/pass`], { cwd: work });
  assert.equal(other.exitCode, 2, other.stderr);
  assert.match(other.stderr, /--finish differs from the run being resumed/);

  const second = await lab.cli(['install', '--resume', target(), '--luks-passphrase-file', `${work}/pass`, '--json'], { cwd: work });
  assert.equal(second.exitCode, 0, second.stderr + second.stdout.slice(-3000));
  const events = records(second.stdout);
  assert.deepEqual(
    events.filter((e) => e.type === 'phase-skip').map((e) => e.id),
    ['partition', 'luks-format', 'luks-open', 'format', 'mount'],
  );
  assert.deepEqual(
    events.filter((e) => e.type === 'phase-done').map((e) => e.id),
    ['install', 'finish'],
  );
  const installed = await lab.vmSsh(
    `cryptsetup open --key-file - ${vmDisk}3 cryptroot && mount /dev/mapper/cryptroot /mnt && cat /mnt/etc/nixos-install.lab-stand-in; umount /mnt; cryptsetup close cryptroot`,
    { input: passphrase },
  );
  assert.match(installed.stdout, /lab stand-in install of github:me\/c#web/);
});

test('a login shell that prints on both streams and sleeps 1 s before every command: every phase still parses its output', async () => {
  await resetVm(lab);
  await lab.vmSsh('cat > /root/.bashrc', { input: noisyBashrc });
  try {
    const run = await lab.cli(
      [
        'install',
        target(),
        '--flake',
        'github:me/c#web',
        ...luksArgs(),
        '--swap',
        '64M',
        '--age-key-out',
        `${work}/noisy.agekey`,
        '--finish',
        'none',
        '--yes',
        '--json',
      ],
      { cwd: work },
    );
    assert.equal(run.exitCode, 0, run.stderr + run.stdout.slice(-3000));
    const events = records(run.stdout);
    assert.deepEqual(
      events.filter((e) => e.type === 'phase-done').map((e) => e.id),
      ['partition', 'luks-format', 'luks-open', 'format', 'mount', 'install', 'age-key', 'finish'],
    );
    assert.doesNotMatch(run.stdout + run.stderr, /Welcome to the lab installer|bashrc:/, 'the rc file’s noise reached the user');
  } finally {
    await lab.vmSsh('rm -f /root/.bashrc');
  }
});

test("disko: the config's disks honoured, its LUKS key file only in RAM while disko runs; --disko-mode mount reopens the install", async () => {
  await resetVm(lab);
  const diskKey = 'lab disk key: battery staple 47';
  // A disko config as users write it: LUKS reading its passphrase from /tmp/secret.key.
  const diskoFlake = `{ outputs = _: { nixosConfigurations.web.config.disko.devices.disk.main = {
    device = "${vmDisk}"; type = "disk";
    content = { type = "gpt"; partitions = {
      ESP = { size = "256M"; type = "EF00"; content = { type = "filesystem"; format = "vfat"; mountpoint = "/boot"; }; };
      luks = { size = "100%"; content = { type = "luks"; name = "crypted"; passwordFile = "/tmp/secret.key";
        content = { type = "filesystem"; format = "ext4"; mountpoint = "/"; }; }; };
    }; };
  }; }; }\n`;
  mkdirSync(home(`${work}/disko-flake`), { recursive: true });
  writeFileSync(home(`${work}/disko-flake/flake.nix`), diskoFlake);
  writeFileSync(home(`${work}/disk.key`), `${diskKey}\n`, { mode: 0o600 });
  const install = (mode: string) =>
    lab.cli(
      ['install', target(), '--flake', `${work}/disko-flake#web`, '--layout', 'disko', '--disko-mode', mode, '--age-key', 'none'].concat([
        '--disk-encryption-keys',
        '/tmp/secret.key',
        `${work}/disk.key`,
        '--finish',
        'none',
        '--yes',
        '--json',
      ]),
      { cwd: work },
    );

  const vmShell = (command: string, options?: { input?: string | Buffer }) => lab.vmSsh(command, options);
  await startRemoteSampler(vmShell, [diskKey]);
  const local = sampleLocalProcesses([diskKey]);
  const first = await install('disko');
  const localSamples = local.stop();
  const remote = await stopRemoteSampler(vmShell);
  assert.equal(first.exitCode, 0, first.stderr + first.stdout.slice(-3000));
  assert.deepEqual(localSamples.hits, [], 'the disk key reached an argv or environment on the laptop');
  assert.ok(localSamples.samples > 20, `only ${localSamples.samples} local samples`);
  assert.ok(remote.names.includes('disko'), `the installer sampler missed disko (${remote.passes} passes; saw ${remote.names.join(' ').slice(0, 2000)})`);
  assert.ok(remote.names.includes('cryptsetup'), 'the installer sampler missed cryptsetup');
  assert.deepEqual(remote.hits, [], 'the disk key reached an argv or environment on the installer');
  assert.doesNotMatch(first.stdout + first.stderr, /battery staple/, 'the disk key reached the output');
  const firstLog = readFileSync(home(String(records(first.stdout).find((e) => e.type === 'result')!.logFile)), 'utf8');
  assert.ok(firstLog.includes('disko'), 'the log file misses disko');
  assert.ok(!firstLog.includes('battery staple'), 'the disk key reached the log file');
  const journals = await lab.laptop(['bash', '-c', 'cat /root/.local/state/nixos-bootstrap/runs/*.json 2>/dev/null | grep -c "battery staple"']);
  assert.equal(journals.stdout.trim(), '0', 'the disk key reached a journal');
  const after = await lab.vmSsh(
    [
      'test ! -e /tmp/secret.key && echo key-removed',
      `cryptsetup luksDump ${vmDisk}2 | grep -m1 '^Version'`,
      `cryptsetup open --test-passphrase --key-file - ${vmDisk}2 && echo key-opens`,
      'blkid -o value -s UUID /dev/mapper/crypted',
      'tr "\\0" " " < /run/lab/calls/disko.0/cmdline',
    ].join('; '),
    { input: `${diskKey}\n` },
  );
  assert.match(after.stdout, /^key-removed$/m, 'the key file is still on the installer');
  assert.match(after.stdout, /^Version:\s+2$/m);
  assert.match(after.stdout, /^key-opens$/m, 'the disk was not encrypted with the key file given');
  assert.match(after.stdout, /--mode destroy,format,mount --yes-wipe-all-disks --flake \/tmp\/nixos-bootstrap\/config#web/);
  const rootUuid = /^[0-9a-f-]{36}$/m.exec(after.stdout)?.[0];

  // Reopen: nothing formatted, the same filesystem mounted, the install carried on.
  await lab.vmSsh('touch /mnt/kept-by-mount-mode; umount -R /mnt; dmsetup remove_all; rm -rf /run/lab/calls');
  const reopened = await install('mount');
  assert.equal(reopened.exitCode, 0, reopened.stderr + reopened.stdout.slice(-3000));
  const plan = records(reopened.stdout).find((e) => e.type === 'plan') as NdjsonRecord & { phases: Array<{ id: string; destroys: string[] }> };
  assert.deepEqual(plan.phases.find((p) => p.id === 'disko')?.destroys, [], 'mount mode destroys nothing');
  const state = await lab.vmSsh(
    'test -e /mnt/kept-by-mount-mode && echo kept; test ! -e /tmp/secret.key && echo key-removed; blkid -o value -s UUID /dev/mapper/crypted; tr "\\0" " " < /run/lab/calls/disko.0/cmdline',
  );
  assert.match(state.stdout, /^kept$/m);
  assert.match(state.stdout, /^key-removed$/m);
  assert.ok(rootUuid && new RegExp(`^${rootUuid}$`, 'm').test(state.stdout), `the root filesystem was made anew: ${after.stdout} then ${state.stdout}`);
  assert.match(state.stdout, /disko --mode mount --flake/);

  // The stand-in fails as disko does on a device its config names that does not exist.
  writeFileSync(home(`${work}/disko-flake/flake.nix`), diskoFlake.replace(`"${vmDisk}"`, '"/dev/vdz"'));
  const missing = await lab.vmSsh(
    'rm -rf /tmp/lab-missing && mkdir /tmp/lab-missing && cat > /tmp/lab-missing/flake.nix && echo k > /tmp/secret.key && disko --mode mount --flake /tmp/lab-missing#web; echo "exit $?"; rm -f /tmp/secret.key',
    { input: readFileSync(home(`${work}/disko-flake/flake.nix`)) },
  );
  assert.match(missing.stdout, /^exit 32$/m);
  assert.match(missing.stderr, /\/dev\/vdz: not a block device/);
});

test('will it boot, on the installer: without Nix on the laptop the installer evaluates the local flake; a root this install does not create is refused before any disk is touched; the files handed over reach nixos-install', async () => {
  await resetVm(lab);
  // The lab VM's Nix keeps its store elsewhere (see base-initramfs): set up as on a real
  // installer for this test only.
  await lab.vmSsh('mkdir -p /nix/store');
  try {
    const flakeDir = `${work}/boot-flake`;
    const flake = (root: string) =>
      `{ outputs = _: { nixosConfigurations.web.config = { fileSystems."/" = ${root}; boot.loader.systemd-boot.enable = true;
        users.users.root.openssh.authorizedKeys.keys = [ "ssh-ed25519 AAAA lab" ]; }; }; }\n`;
    mkdirSync(home(flakeDir), { recursive: true });
    writeFileSync(home(`${flakeDir}/flake.nix`), flake('{ device = "/dev/disk/by-uuid/0a0a-1b1b"; fsType = "ext4"; }'));
    const git = await lab.laptop(['bash', '-c', `cd ${flakeDir} && git init -q && git add flake.nix`]);
    assert.equal(git.exitCode, 0, git.stderr);
    const install = (...more: string[]) =>
      lab.cli(['install', target(), '--flake', `${flakeDir}#web`, '--age-key', 'none', '--finish', 'none', '--yes', '--json', ...more], { cwd: work });
    const internal = lab.state.vm!.disks.find((d) => d.role === 'internal')!.image;
    const digest = diskDigest(internal);

    const refused = await install();
    assert.equal(refused.exitCode, 3, refused.stderr + refused.stdout.slice(-2000));
    assert.match(refused.stderr, /would not boot from what this install creates: the configuration mounts \/ from \/dev\/disk\/by-uuid\/0a0a-1b1b/);
    const events = records(refused.stdout);
    const check = events.find((e) => e.type === 'boot-check') as NdjsonRecord & { evaluatedOn?: string; findings: Array<{ fix: string }> };
    assert.equal(check.evaluatedOn, 'the installer');
    assert.ok(
      check.findings.some((f) => f.fix === 'fileSystems."/" = { device = "/dev/disk/by-label/nixos"; fsType = "ext4"; };'),
      JSON.stringify(check),
    );
    assert.match(
      String(events.find((e) => e.type === 'disk-config-offer')?.text),
      /--write-disk-config hosts\/web\/disks\.nix[^]*fileSystems\."\/" = \{ device = "\/dev\/disk\/by-label\/nixos"/,
    );
    assert.ok(!events.some((e) => e.type === 'phase-start'), 'a phase ran');
    await lab.vmSsh('sync');
    assert.equal(diskDigest(internal), digest, 'the disk was written');

    // The agreeing flake installs; the hardware and disk modules written into it reach the installer.
    writeFileSync(home(`${flakeDir}/flake.nix`), flake('{ device = "/dev/disk/by-label/nixos"; fsType = "ext4"; }'));
    const agreed = await install(
      '--generate-hardware-config',
      'nixos-generate-config',
      `${flakeDir}/hosts/web/hardware-configuration.nix`,
      '--write-disk-config',
      `${flakeDir}/hosts/web/disks.nix`,
    );
    assert.equal(agreed.exitCode, 0, agreed.stderr + agreed.stdout.slice(-2000));
    const passed = records(agreed.stdout).find((e) => e.type === 'boot-check') as NdjsonRecord & { evaluatedOn?: string; findings: Array<{ refuse: boolean }> };
    assert.equal(passed.evaluatedOn, 'the installer');
    assert.ok(
      passed.findings.every((f) => !f.refuse),
      JSON.stringify(passed),
    );
    const uploaded = await lab.vmSsh(
      'ls /tmp/nixos-bootstrap/config/hosts/web; head -1 /tmp/nixos-bootstrap/config/hosts/web/disks.nix; ls -d /tmp/nixos-bootstrap-boot-check.* 2>/dev/null | wc -l',
    );
    assert.match(uploaded.stdout, /^disks\.nix\nhardware-configuration\.nix\n# The disk layout nixos-bootstrap installs for web/);
    assert.match(uploaded.stdout, /^0$/m, 'the flake copy of the boot check was left on the installer');
  } finally {
    await lab.vmSsh('rm -rf /nix');
  }
});

test('by default the installer powers off after a successful install', async () => {
  await resetVm(lab);
  const run = await lab.cli(['install', target(), '--flake', 'github:me/c#web', '--age-key', 'none', '--yes'], { cwd: work });
  assert.equal(run.exitCode, 0, run.stderr);
  const deadline = Date.now() + 30_000;
  while (existsSync(`/proc/${lab.state.vm!.pid}`) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  assert.ok(!existsSync(`/proc/${lab.state.vm!.pid}`), 'the VM is still running 30 s after the install');
});
