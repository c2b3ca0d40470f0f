import { chown, mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { existsSync, readFileSync } from 'node:fs';
import { createHost, hostPath, spawnInHost } from './lab-host.js';
import { avahiConfig, avahiSshService, noisyBashrc, osRelease, powerStandIn, sshdConfig, udevadmStandIn } from './host-files.js';
import type { InstallerSpec } from './lab-spec.js';
import { GiB, MiB, labPaths, laptopInterface, sharedBridge, staticLinkLocal } from './lab-spec.js';
import type { LabDisk, LabInstaller, LabState } from './lab-state.js';
import { inHost, run, waitFor } from './run-command.js';
import { diskoStandIn, generateConfigStandIn, nixosInstallStandIn } from './stand-ins.js';
import { hostKeyFingerprint, makeHostKey, passwordHash } from './lab-keys.js';
import { readManifest } from '../core/installer/make-installer.js';

const bootMediumBytes = 64 * MiB;
export const bootMediumLabel = 'nixos-minimal-24.11-x86_64';
export const isoMountpoint = '/iso';

/** Locally administered MACs: 52:54:00 (qemu's prefix) + 47 + lab installer number. */
export const installerMac = (index: number) => `52:54:00:47:00:${index.toString(16).padStart(2, '0')}`;

/**
 * Creates installer `index` (1-based): its namespace, link to the laptop, disks, private view of
 * the filesystem, sshd and avahi. Records every resource in `state` as soon as it exists.
 */
export async function startInstaller(state: LabState, index: number, spec: InstallerSpec, save: () => Promise<void>): Promise<LabInstaller> {
  const paths = labPaths(state.id);
  const netns = paths.installerNetns(index);
  const dir = `${state.stateDir}/installer-${index}`;
  const image = spec.installerDir !== undefined ? await readManifest(spec.installerDir) : undefined;
  const hostname = image?.name ?? spec.hostname ?? 'bootstrap';
  const shared = state.spec.sharedLink === true;
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const hostKeyFile = image?.hostKeyFile ?? spec.hostKeyFile ?? (await makeHostKey(`${dir}/ssh_host_ed25519_key`, `nb-lab-installer-${index}`));
  // The installer's own files, laid out as in its root; copied over its root filesystem at start.
  const files = `${dir}/files`;
  const file = async (path: string, text: string | Buffer, mode = 0o644) => {
    await mkdir(dirname(`${files}${path}`), { recursive: true, mode: path.startsWith('/root/') ? 0o700 : 0o755 });
    await writeFile(`${files}${path}`, text, { mode });
  };
  await file('/etc/os-release', osRelease(spec.isInstaller !== false));
  await file('/etc/hostname', `${hostname}\n`);
  const stock = spec.stockIso === true;
  await file('/etc/ssh/sshd_config', sshdConfig('/etc/ssh/ssh_host_ed25519_key', spec.password !== undefined, !stock));
  await file('/etc/ssh/ssh_host_ed25519_key', readFileSync(hostKeyFile), 0o600);
  const authorizedKeys = image ? image.authorizedKeys.map((line) => `${line}\n`).join('') : readFileSync(`${state.laptop.home}/.ssh/id_ed25519.pub`);
  if (stock) await stockIsoUser(file, `${files}/home/nixos`, authorizedKeys, hostname);
  else await file('/root/.ssh/authorized_keys', authorizedKeys, 0o600);
  if (spec.noisyLoginShell) await file('/root/.bashrc', noisyBashrc);
  await file('/etc/avahi/avahi-daemon.conf', avahiConfig(hostname, ['eth0'], false));
  await file('/etc/avahi/services/ssh.service', avahiSshService);
  const standIns = [
    ['nixos-install', nixosInstallStandIn],
    ['disko', diskoStandIn],
    ['nixos-generate-config', generateConfigStandIn],
    ['udevadm', udevadmStandIn],
  ] as const;
  // Shadow the real ones too (not only first in PATH): they would stop this very machine.
  const power = ['poweroff', 'reboot', 'halt', 'shutdown'].flatMap((name) => [`/usr/local/sbin/${name}`, `/usr/sbin/${name}`]);
  for (const [name, text] of standIns) await file(`/usr/local/sbin/${name}`, text, 0o755);
  for (const path of power) await file(path, powerStandIn, 0o755);
  if (spec.password !== undefined) {
    // The installer's own /etc/shadow with the lab password; this machine's stays untouched.
    const hash = await passwordHash(spec.password);
    await file(
      '/etc/shadow',
      readFileSync(existsSync(`${files}/etc/shadow`) ? `${files}/etc/shadow` : '/etc/shadow', 'utf8').replace(/^root:[^:]*:/m, `root:${hash}:`),
      0o640,
    );
  }

  const installer: LabInstaller = {
    index,
    netns,
    anchorPid: 0,
    hostname,
    laptopInterface: shared ? sharedBridge : laptopInterface(index),
    mac: installerMac(index),
    hostKeyFile,
    hostKeyFingerprint: await hostKeyFingerprint(hostKeyFile),
    hasStaticLinkLocal: !stock,
    disks: [],
    pids: {},
    dir,
  };
  state.installers.push(installer);
  installer.anchorPid = await createHost(netns, hostname);
  installer.pids.anchor = installer.anchorPid;
  await save();

  installer.disks.push(await makeDisk(state, index, 'internal', spec.diskSizeBytes ?? 8 * GiB));
  installer.disks.push(await makeDisk(state, index, 'boot-medium', bootMediumBytes));
  await save();

  await linkToLaptop(state, installer, spec);
  await privateRoot(installer, dir);
  if (spec.mountedLayout) await layOutForMounted(installer);

  installer.pids.sshd = spawnInHost(installer.anchorPid, ['/usr/sbin/sshd', '-D', '-e'], `${dir}/sshd.log`);
  await save();
  return installer;
}

/**
 * The internal disk as `--layout mounted` expects it. The partitions exist only while the loop
 * device does (lab down detaches it), the links only in the installer's /dev.
 */
async function layOutForMounted(installer: LabInstaller): Promise<void> {
  const name = installer.disks.find((d) => d.role === 'internal')!.device.replace('/dev/', '');
  const script = [
    'set -e',
    `n=${name}`,
    'sgdisk -Z -n1:0:+16M -n2:0:0 /dev/$n >/dev/null',
    'partx -a /dev/$n',
    "for p in 1 2; do [ -e /dev/${n}p$p ] || mknod /dev/${n}p$p b $(tr : ' ' < /sys/block/$n/${n}p$p/dev); done",
    'mkfs.ext4 -q -F -L boot /dev/${n}p1 && mkfs.ext4 -q -F -L nixos /dev/${n}p2',
    'mkdir -p /dev/disk/by-label && ln -sf ../../${n}p1 /dev/disk/by-label/boot && ln -sf ../../${n}p2 /dev/disk/by-label/nixos',
  ].join('\n');
  await run(inHost(installer.anchorPid, ['bash', '-c', script]));
}

/** The stock ISO's login: `nixos` with the laptop's key and passwordless sudo; root refused by sshd. */
async function stockIsoUser(
  file: (path: string, text: string | Buffer, mode?: number) => Promise<void>,
  home: string,
  authorizedKeys: string | Buffer,
  hostname: string,
): Promise<void> {
  const append = (path: string, line: string) => `${readFileSync(path, 'utf8').replace(/\n?$/, '\n')}${line}\n`;
  // The live system's /etc/passwd is this machine's: a uid it already gives someone would make nixos that someone.
  const taken = new Set(
    readFileSync('/etc/passwd', 'utf8')
      .split('\n')
      .map((line) => Number(line.split(':')[2])),
  );
  let uid = 1000;
  while (taken.has(uid)) uid += 1;
  await file('/etc/passwd', append('/etc/passwd', `nixos:x:${uid}:100:NixOS:/home/nixos:/bin/bash`));
  await file('/etc/shadow', append('/etc/shadow', 'nixos:*:19000:0:99999:7:::'), 0o640);
  // Logged to a file so tests can see what ran as root (the live system has no syslog).
  await file('/etc/sudoers.d/nixos', 'Defaults:nixos logfile=/var/log/sudo.log\nnixos ALL=(ALL:ALL) NOPASSWD: ALL\n', 0o440);
  // sudo looks its own host name up on every call; unresolved, it warns on every command's stderr.
  await file('/etc/hosts', `127.0.0.1 localhost\n127.0.1.1 ${hostname}\n::1 localhost\n`);
  await file('/home/nixos/.ssh/authorized_keys', authorizedKeys, 0o600);
  for (const path of [home, `${home}/.ssh`, `${home}/.ssh/authorized_keys`]) await chown(path, uid, 100);
}

/**
 * Finishes booting an installer: waits for duplicate address detection, then starts avahi and
 * waits until sshd and avahi answer. An installer that lost fe80::47 to a twin on the same link
 * drops it (as its kernel leaves it unusable) and is reached by its EUI-64 address.
 */
export async function bootInstaller(installer: LabInstaller, spec: InstallerSpec, save: () => Promise<void>): Promise<void> {
  let lost = false;
  await waitFor(
    `duplicate address detection on ${installer.netns}`,
    async () => {
      const lines = (await run(['ip', '-n', installer.netns, '-6', 'addr', 'show', 'dev', 'eth0'])).split('\n').filter((l) => l.includes('inet6'));
      if (lines.some((l) => l.includes('tentative') && !l.includes('dadfailed'))) return false;
      lost = lines.some((l) => l.includes(`${staticLinkLocal}/64`) && l.includes('dadfailed'));
      return true;
    },
    10_000,
  );
  if (lost) await run(['ip', '-n', installer.netns, 'addr', 'del', `${staticLinkLocal}/64`, 'dev', 'eth0']);
  installer.hasStaticLinkLocal = !lost && spec.stockIso !== true;
  if (spec.avahi !== false && spec.stockIso !== true) {
    installer.pids.avahi = spawnInHost(installer.anchorPid, ['avahi-daemon', '--no-drop-root', '--no-chroot', '--no-rlimits'], `${installer.dir}/avahi.log`);
  }
  await save();
  await waitFor(`sshd on ${installer.netns}`, () => logHas(`${installer.dir}/sshd.log`, 'Server listening on :: port 22'), 10_000);
  if (spec.avahi !== false && spec.stockIso !== true) {
    await waitFor(`avahi on ${installer.netns}`, () => logHas(`${installer.dir}/avahi.log`, 'Server startup complete'), 15_000);
  }
}

const logHas = (file: string, text: string) => existsSync(file) && readFileSync(file, 'utf8').includes(text);

async function makeDisk(state: LabState, index: number, role: LabDisk['role'], sizeBytes: number): Promise<LabDisk> {
  await mkdir(state.imageDir, { recursive: true, mode: 0o700 });
  const image = `${state.imageDir}/installer-${index}-${role}.img`;
  await run(['truncate', '-s', String(sizeBytes), image]);
  if (role === 'boot-medium') {
    // Stands for the USB stick the installer booted from, mounted at /iso like a NixOS ISO's.
    await run(['mkfs.ext4', '-q', '-F', '-L', bootMediumLabel, image]);
  }
  const device = await run(['losetup', '--find', '--show', '--partscan', image]);
  state.loops.push(device);
  return { role, device, image, sizeBytes };
}

async function linkToLaptop(state: LabState, installer: LabInstaller, spec: InstallerSpec): Promise<void> {
  const laptop = state.laptop.netns;
  const ns = installer.netns;
  const shared = state.spec.sharedLink === true;
  const laptopEnd = laptopInterface(installer.index);
  await run(['ip', 'link', 'add', laptopEnd, 'netns', laptop, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
  await run(['ip', '-n', ns, 'link', 'set', 'eth0', 'address', installer.mac]);
  if (spec.eui64 === false) {
    await run(['ip', 'netns', 'exec', ns, 'sysctl', '-qw', 'net.ipv6.conf.eth0.addr_gen_mode=1']);
  }
  if (spec.stockIso !== true) await run(['ip', '-n', ns, 'addr', 'add', `${staticLinkLocal}/64`, 'dev', 'eth0']);
  if (spec.ipv4) {
    const subnet = shared ? 0 : installer.index;
    installer.ipv4 = `10.47.${subnet}.${shared ? installer.index + 1 : 2}`;
    await run(['ip', '-n', ns, 'addr', 'add', `${installer.ipv4}/24`, 'dev', 'eth0']);
    if (!shared) await run(['ip', '-n', laptop, 'addr', 'add', `10.47.${subnet}.1/24`, 'dev', laptopEnd]);
  }
  if (shared) await run(['ip', '-n', laptop, 'link', 'set', laptopEnd, 'master', sharedBridge]);
  await run(['ip', '-n', ns, 'link', 'set', 'eth0', 'up']);
  await run(['ip', '-n', laptop, 'link', 'set', laptopEnd, 'up']);
  if (spec.eui64 !== false) installer.eui64Address = eui64LinkLocal(installer.mac);
}

/** fe80:: + the modified EUI-64 of a MAC (the address the kernel derives by default). */
export function eui64LinkLocal(mac: string): string {
  const b = mac.split(':').map((h) => parseInt(h, 16));
  const words = [((b[0]! ^ 0x02) << 8) | b[1]!, (b[2]! << 8) | 0xff, 0xfe00 | b[3]!, (b[4]! << 8) | b[5]!];
  return `fe80::${words.map((w) => w.toString(16)).join(':')}`;
}

/**
 * The installer's own root filesystem, as on a live ISO: this machine's root as a read-only
 * lower layer with a RAM upper layer, so whatever the installer writes (to /mnt, /etc, …) never
 * reaches this machine. Its /dev and /sys/block hold only this installer's loop disks, so
 * nothing it runs can touch a real disk.
 */
async function privateRoot(installer: LabInstaller, dir: string): Promise<void> {
  const disks = installer.disks.map((disk) => {
    const name = disk.device.replace('/dev/', '');
    const [major, minor] = readFileSync(`/sys/block/${name}/dev`, 'utf8').trim().split(':');
    return { name, major, minor, role: disk.role };
  });
  const bootMedium = disks.find((d) => d.role === 'boot-medium')!;
  const root = `${dir}/root`;
  const layer = `${dir}/layer`;
  const script = [
    'set -eu',
    `mkdir -p ${root} ${layer}`,
    `mount -t tmpfs -o mode=755 nb-layer ${layer}`,
    `mkdir ${layer}/upper ${layer}/work`,
    `mount -t overlay nb-root -o lowerdir=/,upperdir=${layer}/upper,workdir=${layer}/work ${root}`,
    `cd ${root}`,
    // root's home as on a fresh live system: empty but for what the lab puts there
    'mount -t tmpfs -o mode=700 nb-home root',
    `cp -a ${dir}/files/. ${root}/`,
    'mount -t proc proc proc',
    'mount -t sysfs sysfs sys',
    'mount -t tmpfs -o mode=755 nb-sysblock sys/block',
    ...disks.map((d) => `ln -s ../devices/virtual/block/${d.name} sys/block/${d.name}`),
    'mount -t tmpfs -o mode=755,nosuid nb-dev dev',
    'mknod -m 666 dev/null c 1 3; mknod -m 666 dev/zero c 1 5; mknod -m 666 dev/full c 1 7',
    'mknod -m 666 dev/random c 1 8; mknod -m 666 dev/urandom c 1 9; mknod -m 666 dev/tty c 5 0',
    'mknod -m 666 dev/fuse c 10 229',
    ...disks.map((d) => `mknod -m 660 dev/${d.name} b ${d.major} ${d.minor}`),
    'mkdir -p dev/pts dev/shm dev/mapper dev/disk',
    'mount -t devpts -o newinstance,ptmxmode=0666,mode=0620 nb-pts dev/pts',
    'ln -s pts/ptmx dev/ptmx; ln -s /proc/self/fd dev/fd',
    'ln -s /proc/self/fd/0 dev/stdin; ln -s /proc/self/fd/1 dev/stdout; ln -s /proc/self/fd/2 dev/stderr',
    'mount -t tmpfs -o mode=1777 nb-shm dev/shm',
    'mount -t tmpfs -o mode=755 nb-run run',
    'mkdir -p run/sshd run/avahi-daemon run/lock run/lab run/udev',
    'mount -t tmpfs -o mode=1777 nb-tmp tmp',
    `mkdir -p ${isoMountpoint.slice(1)} && mount -o ro /dev/${bootMedium.name} ${isoMountpoint.slice(1)}`,
    'mkdir -p .old-root && pivot_root . .old-root',
    'umount -l /.old-root && rmdir /.old-root',
  ].join('\n');
  await run(inHost(installer.anchorPid, ['sh', '-c', script]));
}

export { hostPath };
