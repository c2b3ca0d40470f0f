// Issue 8's end-to-end promise: the BUILT wizard (dist/cli.js), in a real terminal (tmux, 80×24),
// on the lab's laptop, against the lab's VM installer (real GPT, dm-crypt, vfat, mounts):
// discover → pick → host key → disk → LUKS → age key (secrets check) → review → install → done,
// driven by keys sent one at a time. Then the disk, the age key in /mnt/etc/age and the local
// key file are checked on the machine itself.
// With NB_MEDIA_CAPTURES=DIR, the screens are also saved there (ANSI) for scripts/media.mjs.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Encrypter } from 'age-encryption';
import { macToEui64LinkLocal } from '../../source/core/discovery/eui64.js';
import { generateAgeKey, parseAgeKeyFile } from '../../source/core/keys/age.js';
import { inHost } from '../../source/lab/run-command.js';
import { TmuxTerminal } from '../../scripts/tmux-driver.mjs';
import { cliPath, type LabHandle, startLab, stopLab } from './lab-fixture.js';

const id = 'nbw';
const socket = 'nbw-wizard';
const session = 'wizard';
const passphrase = 'lab-Wizard-passphrase-9';
const captures = process.env.NB_MEDIA_CAPTURES;
let lab: LabHandle;

const terminal = new TmuxTerminal(socket, session);
const screensSeen = terminal.screensSeen;
const screen = (colours = false) => terminal.screen(colours);
const waitScreen = (check: RegExp | ((text: string) => boolean), what: string, timeoutMs?: number) => terminal.waitFor(check, what, timeoutMs);
const press = (...keys: string[]) => terminal.press(...keys);
const type = (text: string) => terminal.type(text);

async function capture(name: string): Promise<void> {
  if (!captures) return;
  mkdirSync(captures, { recursive: true });
  writeFileSync(join(captures, `${name}.ansi`), `${await screen(true)}\n`);
}

/** ssh from the laptop to the VM with the lab key (the wizard's known_hosts is not touched). */
async function vm(script: string, input?: string): Promise<string> {
  const result = await lab.laptop(
    [
      'ssh',
      '-o',
      'BatchMode=yes',
      '-o',
      'StrictHostKeyChecking=no',
      '-o',
      'UserKnownHostsFile=/dev/null',
      '-o',
      'LogLevel=ERROR',
      `root@fe80::47%${lab.state.vm!.tap}`,
      `set -euo pipefail; ${script}`,
    ],
    input === undefined ? {} : { input },
  );
  assert.equal(result.exitCode, 0, `VM: ${script}\n${result.stderr}${result.stdout}`);
  return result.stdout;
}

/** A path in the laptop's /root (the lab home), seen from this machine. */
const home = (path: string) => join(lab.state.laptop.home, path);

before(async () => {
  assert.ok(existsSync(cliPath), `${cliPath} is missing: run npm run build first`);
  lab = await startLab({ id, installers: [], vm: {} });
  // A local flake with one secret that the new key cannot read: the keys screen must say so.
  mkdirSync(home('flake/secrets'), { recursive: true });
  writeFileSync(home('flake/flake.nix'), '{ outputs = _: { }; }\n');
  const stranger = new Encrypter();
  stranger.addRecipient((await generateAgeKey()).recipient);
  writeFileSync(home('flake/secrets/api-token.age'), await stranger.encrypt('token'));
  // Enough stand-in output, slowly enough, that the install screen has a live tail to show.
  await vm('mkdir -p /run/lab && echo 80 > /run/lab/nixos-install.lines && echo 40 > /run/lab/nixos-install.delay-ms');
  const env = [
    'env',
    '-u',
    'SSH_AUTH_SOCK',
    '-u',
    'XDG_CONFIG_HOME',
    '-u',
    'XDG_STATE_HOME',
    '-u',
    'CI',
    '-u',
    'NO_COLOR',
    'HOME=/root',
    'USER=root',
    'TERM=xterm-256color',
    'LANG=C.UTF-8',
  ];
  const wizard = `cd /root && ${process.execPath} ${cliPath} --flake /root/flake#web --finish none --luks-iter-time 200; echo "[wizard exit $?]"; sleep 600`;
  const command = inHost(lab.state.laptop.anchorPid, [...env, 'bash', '-c', wizard]);
  terminal.start(command);
});

after(async () => {
  terminal.stop();
  await stopLab(lab, id);
});

test('the wizard installs NixOS with LUKS and hands off the age key, driven like a person in an 80×24 terminal', { timeout: 300_000 }, async () => {
  // Discover: the VM appears in the live list.
  let text = await waitScreen(/❯ bootstrap\.local\s+fe80::47%vm0/, 'the installer in the discovery list');
  assert.match(text, /↑↓ choose · Enter connect · r rescan · m address/);
  await capture('discover');
  await press('Enter');

  // Connect: the host key is shown before any login, and it is the VM's.
  text = await waitScreen(/Is this the installer you mean\?/, 'the host key');
  assert.ok(text.includes(lab.state.vm!.hostKeyFingerprint), `expected ${lab.state.vm!.hostKeyFingerprint} on screen`);
  await capture('connect');
  await press('y');

  // Disk: the virtio disk is recommended, the boot medium greyed with why.
  text = await waitScreen(/★ recommended: only eligible disk/, 'the disk table');
  assert.match(text, /❯ ★ vda\s+8 GiB/);
  assert.match(text, /\/dev\/disk\/by-id\/virtio-NB-LAB-DISK0/);
  assert.match(text, /not eligible: the installer's boot medium; mounted: \/iso/);
  await capture('disk');
  await press('Enter');

  // Layout: LUKS on, passphrase twice (masked).
  await waitScreen(/Partition layout and encryption/, 'the layout screen');
  await press('Down', 'Right', 'Down');
  // Pasted (one burst, through a tmux buffer): typed with send-keys it would sit in tmux's argv.
  await terminal.paste(passphrase);
  await press('Enter');
  await terminal.paste(passphrase);
  text = await waitScreen(/✔ same/, 'the repeated passphrase to match');
  assert.ok(!text.includes(passphrase), 'the passphrase is never on screen');
  await capture('layout');
  await press('Enter', 'Enter', 'Enter', 'Enter');

  // Hardware: the flake has no hardware configuration for web; the installer describes its own.
  await waitScreen(/has no hardware configuration for web/, 'the hardware screen');
  await press('Enter', 'Enter', 'Enter');
  text = await waitScreen(/Enter writes hosts\/web\/hardware-configuration\.nix/, 'the generated file, shown before it is written');
  assert.match(text, /virtio_blk/, 'the VM disk’s driver is in the generated file');
  assert.ok(!existsSync(home('flake/hosts/web/hardware-configuration.nix')), 'written before the person said so');
  await capture('hardware');
  await press('Enter');

  // Keys: a new key, saved at once; the secret it cannot open is named; go on anyway.
  await waitScreen(/The host's age key/, 'the keys screen');
  assert.match(readFileSync(home('flake/hosts/web/hardware-configuration.nix'), 'utf8'), /boot\.initrd\.availableKernelModules/);
  await press('Enter', 'Enter', 'Enter');
  text = await waitScreen(/would NOT decrypt on first boot/, 'the public key and the secrets check');
  const recipient = /│ (age1[0-9a-z]{58}) │/.exec(text)?.[1];
  assert.ok(recipient, `no public key box on screen:\n${text}`);
  assert.match(text, /✖ api-token\.age: not encrypted to this host key/);
  assert.equal(statSync(home('web.agekey')).mode & 0o777, 0o600, 'the key is saved before anything else');
  await capture('keys');
  await press('Enter');

  // Review: the whole plan; only the disk's name confirms.
  text = await waitScreen(/Type vda to erase \/dev\/vda and install/, 'the review');
  assert.match(text, /Layout\s+labels · LUKS2 \(cryptroot\)/);
  assert.ok(text.includes(recipient!), 'the key that goes to the target is named');
  await capture('review');
  await type('vda');
  await press('Enter');

  // Install: finished phases above, the live tail below, bounded to the terminal.
  text = await waitScreen(/copying path '\/nix\/store\/[a-j]+-lab-package-[2-7]\d'/, 'nixos-install output in the live tail', 180_000);
  assert.match(text, /✔ Create filesystems/);
  assert.match(text, /Install NixOS/);
  await capture('install');
  text = await waitScreen(/Installed web on \/dev\/vda in/, 'the done screen', 180_000);
  // The new system is reached by its own address (EUI-64 of the MAC the probe saw), not fe80::47.
  const installed = macToEui64LinkLocal(lab.state.vm!.mac);
  assert.match(text.replace(/\s+/g, ' '), new RegExp(`nixos-rebuild switch --flake /root/flake#web --target-host ?root@${installed}%vm0`));
  assert.match(text.replace(/\s+/g, ' '), /ssh root@web\.local/);
  await capture('done');
  await press('Enter');
  await waitScreen(/\[wizard exit 0\]/, 'the wizard to exit 0');

  // The disk: GPT with the planned partitions, LUKS2 root that opens with the passphrase.
  const table = await vm('sgdisk -p /dev/vda');
  assert.match(table, /EF02\s+bios/);
  assert.match(table, /boot$/m);
  assert.match(table, /cryptroot$/m);
  await vm('cryptsetup isLuks --type luks2 /dev/disk/by-partlabel/cryptroot');
  await vm('cryptsetup open --key-file - /dev/disk/by-partlabel/cryptroot nbcheck && mount /dev/mapper/nbcheck /mnt', passphrase);
  try {
    // The age key in /mnt/etc/age: 700/600 root, and it is the key whose public half was shown.
    const modes = await vm('stat -c "%a %U %n" /mnt/etc/age /mnt/etc/age/web.agekey');
    assert.equal(modes.trim(), '700 root /mnt/etc/age\n600 root /mnt/etc/age/web.agekey');
    const placed = await parseAgeKeyFile(await vm('cat /mnt/etc/age/web.agekey'), 'placed key');
    assert.equal(placed.recipient, recipient);
    assert.match(await vm('blkid -s LABEL -o value /dev/mapper/nbcheck'), /^nixos$/m);
  } finally {
    await vm('umount /mnt; cryptsetup close nbcheck');
  }
  // The nixos-install stand-in ran with the uploaded flake and /mnt as root.
  const argv = (await vm('cat /run/lab/calls/nixos-install.0/cmdline')).split('\0');
  assert.ok(argv.includes('--flake') && argv.includes('/tmp/nixos-bootstrap/config#web'), argv.join(' '));
  assert.equal(argv[argv.indexOf('--root') + 1], '/mnt');

  // Here: the local key matches, and the passphrase reached no log.
  const local = await parseAgeKeyFile(readFileSync(home('web.agekey'), 'utf8'), 'local key');
  assert.equal(local.recipient, recipient);
  const logs = readdirSync(home('.local/state/nixos-bootstrap')).filter((f) => f.endsWith('.log'));
  assert.equal(logs.length, 1);
  const log = readFileSync(home(`.local/state/nixos-bootstrap/${logs[0]}`), 'utf8');
  assert.match(log, /done install in/);
  assert.ok(!log.includes(passphrase) && !log.includes('AGE-SECRET-KEY-1'), 'no secret in the log');

  // Nor on the screen, at any moment we looked, nor anywhere in the terminal's scrollback,
  // nor in the lab user's shell history.
  const scrollback = terminal.scrollback();
  for (const text of [...screensSeen, scrollback]) {
    assert.ok(!text.includes(passphrase) && !text.includes('AGE-SECRET-KEY-1'), `a secret was on screen:\n${text}`);
  }
  assert.ok(screensSeen.size > 10, `only ${screensSeen.size} screens were looked at`);
  const history = home('.bash_history');
  if (existsSync(history)) assert.ok(!readFileSync(history, 'utf8').includes(passphrase), 'the passphrase is in the shell history');
});
