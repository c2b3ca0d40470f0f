// `installer --write DEVICE` on loop devices of this machine (root; lab-only --allow-loop-device):
// everything but an idle stick is refused, and a written stick is read back and compared.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, readSync, closeSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { cliPath } from './lab-fixture.js';

const work = mkdtempSync(join(tmpdir(), 'nb-write-'));
const image = join(work, 'image');
const home = join(work, 'home');
const env = { PATH: process.env.PATH, HOME: home, XDG_CONFIG_HOME: join(home, 'config'), XDG_STATE_HOME: join(home, 'state') };
const loops: string[] = [];
const mounts: string[] = [];

const cli = (args: string[]) => execa(process.execPath, [cliPath, 'installer', '--dir', image, ...args], { env, extendEnv: false, reject: false, input: '' });

async function loopDevice(name: string, bytes: number): Promise<string> {
  const file = join(work, name);
  writeFileSync(file, '');
  await execa('truncate', ['-s', String(bytes), file]);
  const { stdout } = await execa('losetup', ['-f', '--show', file]);
  loops.push(stdout.trim());
  return stdout.trim();
}

function head(device: string, bytes: number): Buffer {
  const fd = openSync(device, 'r');
  try {
    const buffer = Buffer.alloc(bytes);
    readSync(fd, buffer, 0, bytes, 0);
    return buffer;
  } finally {
    closeSync(fd);
  }
}

let iso: string;
before(async () => {
  mkdirSync(join(home, '.ssh'), { recursive: true });
  await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(home, '.ssh', 'id_ed25519')]);
  assert.equal((await cli(['--no-build'])).exitCode, 0);
  // A small ISO standing in for the one nix build makes (nothing here can build NixOS).
  mkdirSync(join(work, 'iso-root', 'boot'), { recursive: true });
  writeFileSync(join(work, 'iso-root', 'boot', 'kernel'), Buffer.alloc(2 * 1024 * 1024, 7));
  await execa('xorriso', ['-as', 'mkisofs', '-quiet', '-R', '-o', join(work, 'built.iso'), join(work, 'iso-root')]);
  const finished = await cli(['--iso', join(work, 'built.iso')]);
  assert.equal(finished.exitCode, 0, finished.stderr);
  // Beside the image's private key, not in the flake: a build would copy it into the store.
  const manifest = JSON.parse(readFileSync(join(image, 'nixos-bootstrap-installer.json'), 'utf8')) as { hostKeyFile: string };
  iso = join(dirname(manifest.hostKeyFile), 'nixos-bootstrap-bootstrap.iso');
  assert.ok(!readdirSync(image).some((file) => file.endsWith('.iso')), 'a finished ISO in the flake directory');
});
after(async () => {
  for (const mount of mounts) await execa('umount', [mount], { reject: false });
  for (const loop of loops) await execa('losetup', ['-d', loop], { reject: false });
  rmSync(work, { recursive: true, force: true });
});

test('refused: a loop device without the lab flag, no confirmation off a terminal, a mounted stick, one too small, the system disk', async () => {
  const stick = await loopDevice('stick', 16 * 1024 * 1024);
  const blank = head(stick, 4096);
  const plain = await cli(['--write', stick, '--yes']);
  assert.equal(plain.exitCode, 3, plain.stderr);
  assert.match(plain.stderr, /refusing to write .*: it is a loop device, not a USB stick/);
  const unconfirmed = await cli(['--write', stick, '--allow-loop-device']);
  assert.equal(unconfirmed.exitCode, 3, unconfirmed.stderr);
  assert.match(unconfirmed.stderr, /without confirmation/);
  assert.deepEqual(head(stick, 4096), blank, 'written without confirmation');

  const small = await loopDevice('small', 256 * 1024);
  const tooSmall = await cli(['--write', small, '--allow-loop-device', '--yes']);
  assert.equal(tooSmall.exitCode, 3, tooSmall.stderr);
  assert.match(tooSmall.stderr, /the ISO needs/);

  const used = await loopDevice('used', 16 * 1024 * 1024);
  await execa('mkfs.ext4', ['-q', used]);
  const mountpoint = join(work, 'mnt');
  mkdirSync(mountpoint);
  await execa('mount', [used, mountpoint]);
  mounts.push(mountpoint);
  const mounted = await cli(['--write', used, '--allow-loop-device', '--yes']);
  assert.equal(mounted.exitCode, 3, mounted.stderr);
  assert.match(mounted.stderr, /it is in use: mounted at .*\/mnt/);

  const root = (await execa('findmnt', ['-n', '-o', 'SOURCE', '/'])).stdout.trim();
  const system = await cli(['--write', root, '--allow-loop-device', '--yes']);
  assert.equal(system.exitCode, 3, system.stderr);
  // Whatever this machine's root is, it is refused: a partition as not a whole disk, a disk as fixed.
  assert.match(system.stderr, /neither removable nor on USB: a fixed disk|is a part, not a whole disk/);
});

test('a stick is written, flushed, read back and compared; progress shown with the rate', async () => {
  const stick = await loopDevice('good', 16 * 1024 * 1024);
  const run = await cli(['--write', stick, '--allow-loop-device', '--yes']);
  assert.equal(run.exitCode, 0, run.stderr);
  assert.match(run.stderr, /writing .* of .* · .*\/s/);
  const expected = readFileSync(`${iso}.sha256`, 'utf8').split(' ')[0];
  assert.match(run.stdout, new RegExp(`Wrote and verified ${stick} .*: sha256 ${expected}`));
  const size = statSync(iso).size;
  assert.equal(createHash('sha256').update(head(stick, size)).digest('hex'), expected);
});
