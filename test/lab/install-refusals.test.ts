// Headless `install` against netns installers: what it refuses, and proof that --dry-run and
// every refusal leave the disks and the working directory exactly as they were.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { LabHandle, startLab, stopLab } from './lab-fixture.js';
import { diskDigest } from './disk-digest.js';

const id = 'nbh';
const password = 'lab-root-password';
let lab: LabHandle;
let work: string;

before(async () => {
  lab = await startLab({
    id,
    installers: [{ password }, { isInstaller: false }, { diskSizeBytes: 2 * 1024 ** 3 }],
  });
  // A clean working directory on the laptop, holding only the inputs the rows need.
  work = '/root/work';
  const setup = await lab.laptop([
    'bash',
    '-c',
    [
      `mkdir -p ${work}/flake/secrets && printf '{ }\\n' > ${work}/flake/flake.nix`,
      `printf 'short\\n' > ${work}/short-pass && printf 'a good long passphrase\\n' > ${work}/good-pass`,
      `printf 'not a key\\n' > ${work}/bad.agekey && age-keygen -o ${work}/web.agekey 2>/dev/null`,
      `mkdir -p /root/empty-home`,
    ].join(' && '),
  ]);
  assert.equal(setup.exitCode, 0, setup.stderr);
});
after(async () => {
  await stopLab(lab, id);
});

const target = () => `root@${lab.address(1)}`;
const internal = (index: number) => lab.installerState(index).disks.find((d) => d.role === 'internal')!;
const bootMedium = (index: number) => lab.installerState(index).disks.find((d) => d.role === 'boot-medium')!;
const workFiles = async () => (await lab.laptop(['bash', '-c', `cd ${work} && find . | sort`])).stdout;

test('--dry-run prints the whole plan and changes nothing', async () => {
  const before = lab.state.installers.flatMap((i) => i.disks.map((d) => diskDigest(d.image)));
  const files = await workFiles();
  const run = await lab.cli(
    [
      'install',
      target(),
      '--flake',
      'github:me/cfg#web',
      '--allow-loop-disks',
      '--luks',
      '--luks-passphrase-file',
      `${work}/good-pass`,
      '--swap',
      '1G',
      '--age-key-out',
      `${work}/dry-run.agekey`,
      '--dry-run',
      '--json',
    ],
    { cwd: work },
  );
  assert.equal(run.exitCode, 0, run.stderr);
  const records = run.stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { type: string; [k: string]: unknown });
  const plan = records.find((r) => r.type === 'plan') as unknown as { dryRun: boolean; phases: { id: string }[]; disk: { path: string } };
  assert.equal(plan.dryRun, true);
  assert.equal(plan.disk.path, internal(1).device);
  assert.deepEqual(
    plan.phases.map((p) => p.id),
    ['partition', 'luks-format', 'luks-open', 'format', 'mount', 'install', 'age-key', 'finish'],
  );
  assert.ok(!run.stdout.includes('a good long passphrase'));
  assert.deepEqual(
    lab.state.installers.flatMap((i) => i.disks.map((d) => diskDigest(d.image))),
    before,
  );
  assert.equal(await workFiles(), files, 'a dry run left a file behind');
  const journal = await lab.laptop(['bash', '-c', 'ls /root/.local/state/nixos-bootstrap/runs 2>/dev/null | wc -l']);
  assert.equal(journal.stdout.trim(), '0');
});

test('without --yes nothing is written: exit 3 naming the disk', async () => {
  const before = diskDigest(internal(1).image);
  const run = await lab.cli(['install', target(), '--flake', 'github:me/cfg#web', '--allow-loop-disks', '--age-key', 'none'], { cwd: work });
  assert.equal(run.exitCode, 3);
  assert.match(run.stderr, new RegExp(`refusing to write to ${internal(1).device} without confirmation`));
  assert.equal(diskDigest(internal(1).image), before);
});

// One row per bad input: the arguments, the exit code and the message it must produce.
const rows: { name: string; args: () => string[]; env?: Record<string, string>; exit: number; message: RegExp }[] = [
  { name: 'unknown flag', args: () => ['install', target(), '--flake', 'github:me/c#web', '--frobnicate'], exit: 2, message: /Unknown option '--frobnicate'/ },
  { name: 'missing flake ref', args: () => ['install', target()], exit: 2, message: /--flake URI#HOST is required/ },
  { name: 'flake ref without host', args: () => ['install', target(), '--flake', 'github:me/cfg'], exit: 2, message: /names no host/ },
  { name: 'garbled flake ref', args: () => ['install', target(), '--flake', 'gopher://x#web'], exit: 2, message: /unknown scheme/ },
  { name: 'local flake without flake.nix', args: () => ['install', target(), '--flake', `${work}/flake/secrets#web`], exit: 2, message: /has no flake\.nix/ },
  // PATH without nix whether or not this machine has one (the lab packages bring nix-bin).
  {
    name: '--mode copy without nix here',
    args: () => ['install', target(), '--flake', 'github:me/c#web', '--mode', 'copy'],
    env: { PATH: '/nonexistent' },
    exit: 2,
    message: /nix is not installed on this machine/,
  },
  {
    name: '--swap unparsable',
    args: () => ['install', target(), '--flake', 'github:me/c#web', '--swap', 'lots'],
    exit: 2,
    message: /--swap: cannot read size 'lots'/,
  },
  {
    name: 'LUKS passphrase too short',
    args: () => ['install', target(), '--flake', 'github:me/c#web', '--luks', '--luks-passphrase-file', `${work}/short-pass`],
    exit: 2,
    message: /passphrase is too short/,
  },
  {
    name: 'unreadable passphrase file',
    args: () => ['install', target(), '--flake', 'github:me/c#web', '--luks', '--luks-passphrase-file', `${work}/nope`],
    exit: 2,
    message: /cannot read --luks-passphrase-file .*nope \(ENOENT\)/,
  },
  {
    name: 'LUKS without a passphrase source',
    args: () => ['install', target(), '--flake', 'github:me/c#web', '--luks'],
    exit: 2,
    message: /never accepted as an argument/,
  },
  {
    name: 'invalid --age-key',
    args: () => ['install', target(), '--flake', 'github:me/c#web', '--age-key', `${work}/bad.agekey`],
    exit: 2,
    message: /is not an age identity file/,
  },
  {
    name: 'existing key file',
    args: () => ['install', target(), '--flake', 'github:me/c#web', '--age-key-out', `${work}/web.agekey`],
    exit: 2,
    message: /web\.agekey already exists/,
  },
  {
    name: 'unreachable host (nothing listens)',
    args: () => ['install', `root@[${lab.address(1)}]:2222`, '--flake', 'github:me/c#web', '--age-key', 'none'],
    exit: 4,
    message: /refused|unreachable/i,
  },
  {
    name: 'unknown user',
    args: () => ['install', `nobody-here@${lab.address(1)}`, '--flake', 'github:me/c#web', '--age-key', 'none'],
    exit: 4,
    message: /authentication failed/i,
  },
  {
    name: 'wrong password',
    args: () => ['install', target(), '--flake', 'github:me/c#web', '--age-key', 'none', '--env-password'],
    env: { SSH_PASS: 'not-the-password', HOME: '/root/empty-home' },
    exit: 4,
    message: /authentication failed.*password/i,
  },
  {
    name: 'host key mismatch',
    args: () => [
      'install',
      target(),
      '--flake',
      'github:me/c#web',
      '--age-key',
      'none',
      '--expect-fingerprint',
      'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
    ],
    exit: 3,
    message: /SHA256:AAAA.*SHA256:|SHA256:.*SHA256:AAAA/,
  },
  {
    name: 'non-installer target',
    args: () => ['install', `root@${lab.address(2)}`, '--flake', 'github:me/c#web', '--age-key', 'none', '--allow-loop-disks'],
    exit: 3,
    message: /is not a NixOS installer/,
  },
  {
    name: '--disk not found',
    args: () => ['install', target(), '--flake', 'github:me/c#web', '--age-key', 'none', '--allow-loop-disks', '--disk', '/dev/sdz'],
    exit: 3,
    message: /sdz/,
  },
  {
    name: '--disk is the boot medium',
    args: () => ['install', target(), '--flake', 'github:me/c#web', '--age-key', 'none', '--allow-loop-disks', '--disk', bootMedium(1).device],
    exit: 3,
    message: /boot medium|mounted/,
  },
  {
    name: '--disk too small',
    args: () => ['install', `root@${lab.address(3)}`, '--flake', 'github:me/c#web', '--age-key', 'none', '--allow-loop-disks', '--disk', internal(3).device],
    exit: 3,
    message: /too small|smaller/,
  },
  {
    name: 'loop disk without the lab switch',
    args: () => ['install', target(), '--flake', 'github:me/c#web', '--age-key', 'none', '--disk', internal(1).device],
    exit: 3,
    message: /loop/,
  },
];

test('bad input: each row gives its exit code and message, and leaves no file and no write behind', async () => {
  const disksBefore = lab.state.installers.flatMap((i) => i.disks.map((d) => diskDigest(d.image)));
  const filesBefore = await workFiles();
  for (const row of rows) {
    const run = await lab.cli(row.args(), { cwd: work, env: row.env });
    assert.equal(run.exitCode, row.exit, `${row.name}: exit ${run.exitCode}\n${run.stderr}`);
    assert.match(run.stderr, row.message, `${row.name}: ${run.stderr}`);
    assert.equal(run.stderr.trim().split('\n')[0]!.startsWith('nixos-bootstrap: '), true, `${row.name}: not a one-line message: ${run.stderr}`);
    assert.equal(await workFiles(), filesBefore, `${row.name} left a stray file`);
  }
  assert.deepEqual(
    lab.state.installers.flatMap((i) => i.disks.map((d) => diskDigest(d.image))),
    disksBefore,
  );
});

test('--disk pointing at a mounted disk is refused', async () => {
  const disk = internal(1).device;
  const mounted = await lab.ssh(1, `mkfs.ext4 -q -F ${disk} && mount ${disk} /mnt`);
  assert.equal(mounted.exitCode, 0, mounted.stderr);
  try {
    const run = await lab.cli(['install', target(), '--flake', 'github:me/c#web', '--age-key', 'none', '--allow-loop-disks', '--disk', disk], { cwd: work });
    assert.equal(run.exitCode, 3, run.stderr);
    assert.match(run.stderr, /mounted/);
  } finally {
    await lab.ssh(1, 'umount /mnt');
  }
});
