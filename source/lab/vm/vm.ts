import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { appendFile, copyFile, mkdir, open, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { sweepStaleTemps, tempNameFor } from './atomic-files.js';
import { ensureBaseInitramfs } from './base-initramfs.js';
import { configEntries } from './config-archive.js';
import { macToEui64LinkLocal } from '../../core/discovery/eui64.js';
import { writeCpio } from './cpio-newc.js';
import { currentKernelVersion } from './debian-packages.js';
import { failedMarker, readyMarker, staticLinkLocal } from './guest-files.js';
import { ensureKernel } from './kernel.js';
import { kernelAppend, ovmfVarsTemplate, qemuArgs, type QemuLayout } from './qemu-command.js';
import { isQemuWithConsole, isRunning } from './qemu-process.js';
import { sshBannerAnswers } from './ssh-banner.js';
import { checkVmPrerequisites } from './vm-prerequisites.js';
import {
  bootMediumSerial,
  bootMediumSizeBytes,
  createBootMedium,
  createSparseImage,
  internalDiskSerial,
  usbBackupSerial,
  usbBackupSizeBytes,
} from './vm-disks.js';
import { run, sleep } from '../run-command.js';

export interface VmStartOptions {
  labId: string;
  /** Runtime files: console log, pid, sockets, per-lab config cpio. Removed by `lab down`. */
  stateDir: string;
  /** Disk images (sparse); stopVm deletes them. */
  imageDir: string;
  /** The laptop host: qemu runs in its network namespace (`nsenter -t <pid> -n`), the SSH probe inside it. */
  laptopAnchorPid: number;
  /** Laptop netns name (for `ip -n`). */
  laptopNetns: string;
  /** Tap to create in the laptop netns and plug the VM's NIC into (e.g. `vm0`). */
  tap: string;
  /** Private ed25519 host key file to install as the VM's sshd host key. */
  hostKeyFile: string;
  /**
   * The key comes on the boot medium, as on an image made by `nixos-bootstrap installer` (the
   * VM copies it to /etc/ssh before sshd starts), and not in the initramfs.
   */
  hostKeyOnBootMedium?: boolean;
  /** Contents of /root/.ssh/authorized_keys inside the VM. */
  authorizedKeys: string;
  hostname: string;
  /** crypt(3) SHA-512 hash for root; enables sshd password authentication. */
  passwordHash?: string;
  efi: boolean;
  /** `reboot` in the guest boots the installer again instead of ending qemu. */
  allowReboot?: boolean;
  diskSizeBytes: number;
  /** Add the USB backup drive that says RM=0 (lab-spec.ts). */
  usbBackupDisk?: boolean;
  /** Kernel/initramfs cache; default $NB_VM_CACHE or ~/.cache/nixos-bootstrap/vm. */
  cacheDir?: string;
  onProgress?: (message: string) => void;
  /** IPv4 address with prefix for the VM's NIC (e.g. 169.254.0.47/16): gives avahi an A record. Default none. */
  ipv4Address?: string;
  /** Boot like the stock NixOS ISO (config-archive.ts): reached by its EUI-64 address, root only with the back-door key. */
  stockIso?: { backDoorKey: string };
  /** Boot → SSH deadline. Default 90 s (BIOS) / 180 s (EFI: OVMF is slow under TCG). */
  bootTimeoutMs?: number;
  /** Guest RAM. Default 1024 MiB (room for LUKS2 argon2 and the initramfs in RAM). */
  memoryMiB?: number;
}

export interface VmDisk {
  role: 'internal' | 'boot-medium' | 'usb-backup';
  image: string;
  serial?: string;
  sizeBytes: number;
}

export interface VmInfo {
  pid: number;
  tap: string;
  mac: string;
  consoleLog: string;
  disks: VmDisk[];
  /** qemu start → sshd answering, in ms. */
  bootMs: number;
  efi: boolean;
  /** The netns holding the tap, for stopVm. */
  laptopNetns?: string;
  /** Files stopVm removes besides the disks: the initrd (holds the host key), OVMF vars, pid file, socket. */
  runtimeFiles?: string[];
  kernelVersion?: string;
  /** True when this start had to build the cached base initramfs (false: cache hit). */
  baseBuilt?: boolean;
  /** Time spent fetching/building kernel + base before qemu started, in ms. */
  prepareMs?: number;
}

export const vmMac = '52:54:00:00:00:47';
const defaultBootTimeoutMs = 90_000;
const defaultEfiBootTimeoutMs = 180_000;
const defaultMemoryMiB = 1024;
const consoleTailLines = 40;
const stopGraceMs = 5_000;

export const defaultVmCacheDir = () => process.env.NB_VM_CACHE || join(homedir(), '.cache/nixos-bootstrap/vm');

const vmFiles = (stateDir: string, imageDir: string) => ({
  consoleLog: join(stateDir, 'vm-console.log'),
  consoleSocket: join(stateDir, 'vm-console.sock'),
  pidFile: join(stateDir, 'vm-qemu.pid'),
  qemuLog: join(stateDir, 'vm-qemu.log'),
  configArchive: join(stateDir, 'vm-config.cpio'),
  initrd: join(stateDir, 'vm-initrd.img'),
  ovmfVars: join(stateDir, 'vm-ovmf-vars.fd'),
  internalDisk: join(imageDir, 'vm-internal.img'),
  bootMedium: join(imageDir, 'vm-boot-medium.img'),
  usbBackup: join(imageDir, 'vm-usb-backup.img'),
});

function validate(options: VmStartOptions): void {
  // qemu option strings are comma-separated: a comma in a path would split it.
  for (const path of [options.stateDir, options.imageDir, options.hostKeyFile]) {
    if (path.includes(',')) throw new Error(`lab: VM paths must not contain commas: ${path}`);
  }
  if (!/^[a-zA-Z0-9_.-]{1,15}$/.test(options.tap)) throw new Error(`lab: '${options.tap}' is not a valid interface name`);
  if (!Number.isSafeInteger(options.diskSizeBytes) || options.diskSizeBytes < 64 * 1024 ** 2) {
    throw new Error('lab: the VM disk must be at least 64 MiB');
  }
}

/** The kernel apt currently offers; without a usable apt, the newest one already cached. */
async function kernelVersionFor(cacheDir: string): Promise<string> {
  try {
    return await currentKernelVersion(cacheDir);
  } catch (error) {
    const cached = (await readdir(cacheDir).catch(() => [] as string[]))
      .filter((name) => name.startsWith('kernel-') && !name.includes('.tmp-'))
      .map((name) => name.slice('kernel-'.length))
      .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
    const newest = cached.at(-1);
    if (newest) return newest;
    throw new Error(`lab: cannot pick the VM kernel (is apt usable here? try apt-get update): ${(error as Error).message}`, { cause: error });
  }
}

/** Last lines of the serial console (and qemu's own log), for errors. */
async function consoleTail(consoleLog: string, qemuLog?: string): Promise<string> {
  const tail = async (file: string) =>
    (await readFile(file, 'utf8').catch(() => ''))
      .replace(/\r/g, '')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .slice(-consoleTailLines)
      .join('\n');
  const serial = await tail(consoleLog);
  const qemu = qemuLog ? await tail(qemuLog) : '';
  return [`--- serial console (${consoleLog}) ---`, serial || '(empty)', ...(qemu ? ['--- qemu ---', qemu] : [])].join('\n');
}

/**
 * Starts qemu in the laptop's network namespace, where its tap is; resolves with qemu's pid once
 * qemu has daemonized (its devices are up, so a bad option or a missing tap fails here). Only the
 * network namespace: the laptop's private mounts (/run, /root bound to the lab home) would hide
 * the cache, state and image paths, which are this machine's.
 */
async function launchQemu(anchorPid: number, argv: string[], qemuLog: string, pidFile: string): Promise<number> {
  await rm(pidFile, { force: true });
  const log = await open(qemuLog, 'w', 0o600);
  try {
    const [file, ...args] = ['nsenter', '-t', String(anchorPid), '-n', '--', ...argv];
    const child = spawn(file!, args, { stdio: ['ignore', log.fd, log.fd] });
    const exitCode = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code) => resolve(code));
    });
    if (exitCode !== 0) {
      const detail = (await readFile(qemuLog, 'utf8').catch(() => '')).trim();
      throw new Error(`lab: qemu did not start (exit ${exitCode})${detail ? `:\n${detail}` : ''}`);
    }
  } finally {
    await log.close();
  }
  const pid = Number((await readFile(pidFile, 'utf8')).trim());
  if (!Number.isSafeInteger(pid) || pid <= 0) throw new Error(`lab: qemu wrote no pid to ${pidFile}`);
  return pid;
}

/** Concatenates base + per-lab archive (the kernel unpacks both, in order) into one initrd, 0600. */
async function writeInitrd(target: string, parts: string[]): Promise<void> {
  const temp = tempNameFor(target);
  try {
    await writeFile(temp, '', { mode: 0o600, flag: 'wx' });
    for (const part of parts) await appendFile(temp, await readFile(part));
    await rename(temp, target);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

async function waitForSsh(
  info: { pid: number; consoleLog: string },
  options: VmStartOptions,
  qemuLog: string,
  startedAt: number,
  timeoutMs: number,
): Promise<void> {
  const address = `${options.stockIso ? macToEui64LinkLocal(vmMac) : staticLinkLocal}%${options.tap}`;
  let reported = 0;
  for (;;) {
    const serial = await readFile(info.consoleLog, 'utf8').catch(() => '');
    // Forward the guest's own boot steps as progress.
    const steps = serial.split('\n').filter((line) => line.startsWith('lab-vm:'));
    for (const step of steps.slice(reported)) options.onProgress?.(`vm ${step.replace(/^lab-vm:\s*/, '').trim()}`);
    reported = steps.length;
    const failure = serial.includes(failedMarker) || /Kernel panic/.test(serial);
    if (failure || !isRunning(info.pid)) {
      const why = failure ? 'the VM installer failed to boot' : 'qemu exited during boot';
      throw new Error(`lab: ${why}\n${await consoleTail(info.consoleLog, qemuLog)}`);
    }
    if (serial.includes(readyMarker) && (await sshBannerAnswers(options.laptopAnchorPid, address))) return;
    if (Date.now() - startedAt > timeoutMs) {
      throw new Error(
        `lab: the VM installer did not answer SSH on [${address}]:22 within ${Math.round(timeoutMs / 1000)} s\n` +
          (await consoleTail(info.consoleLog, qemuLog)),
      );
    }
    await sleep(serial.includes(readyMarker) ? 50 : 200);
  }
}

async function tapExists(netns: string, tap: string): Promise<boolean> {
  const out = await run(['ip', '-n', netns, '-o', 'link', 'show', 'dev', tap], { reject: false });
  return out.includes(`${tap}:`);
}

/**
 * Boots the lab's VM installer: Debian's kernel + an initramfs made of this machine's tools,
 * on a tap in the laptop host. Resolves once sshd answers on fe80::47.
 */
export async function startVm(options: VmStartOptions): Promise<VmInfo> {
  validate(options);
  checkVmPrerequisites(options.efi);
  const progress = options.onProgress ?? (() => {});
  const cacheDir = options.cacheDir ?? defaultVmCacheDir();
  const files = vmFiles(options.stateDir, options.imageDir);
  if (await tapExists(options.laptopNetns, options.tap)) {
    throw new Error(`lab: ${options.tap} already exists in ${options.laptopNetns} (a VM of this lab still running? run lab down)`);
  }
  await mkdir(options.stateDir, { recursive: true });
  await mkdir(options.imageDir, { recursive: true });
  await mkdir(cacheDir, { recursive: true });

  const prepareStarted = Date.now();
  const kernelDirs = (await readdir(cacheDir)).filter((name) => name.startsWith('kernel-')).map((name) => join(cacheDir, name));
  for (const dir of [cacheDir, join(cacheDir, 'debs'), ...kernelDirs]) await sweepStaleTemps(dir);
  const kernelVersion = await kernelVersionFor(cacheDir);
  const kernel = await ensureKernel(cacheDir, kernelVersion, progress);
  const base = await ensureBaseInitramfs(cacheDir, kernelVersion, progress);
  if (base.built) progress(`base initramfs built in ${base.buildMs} ms (cached for next time)`);

  const hostKey = options.hostKeyOnBootMedium
    ? undefined
    : { hostKey: await readFile(options.hostKeyFile, 'utf8'), hostPublicKey: await run(['ssh-keygen', '-y', '-f', options.hostKeyFile]) };
  await rm(files.configArchive, { force: true });
  try {
    await writeCpio(
      files.configArchive,
      configEntries({
        hostname: options.hostname,
        ...hostKey,
        authorizedKeys: options.authorizedKeys,
        passwordHash: options.passwordHash,
        ipv4Address: options.ipv4Address,
        ...(options.stockIso ? { stockIso: options.stockIso } : {}),
      }),
    );
    await writeInitrd(files.initrd, [base.path, files.configArchive]);
  } catch (error) {
    await rm(files.configArchive, { force: true });
    throw error;
  }
  const prepareMs = Date.now() - prepareStarted;

  const disks: VmDisk[] = [
    { role: 'internal', image: files.internalDisk, serial: internalDiskSerial, sizeBytes: options.diskSizeBytes },
    { role: 'boot-medium', image: files.bootMedium, serial: bootMediumSerial, sizeBytes: bootMediumSizeBytes },
    ...(options.usbBackupDisk ? [{ role: 'usb-backup' as const, image: files.usbBackup, serial: usbBackupSerial, sizeBytes: usbBackupSizeBytes }] : []),
  ];
  const runtimeFiles = [files.initrd, files.configArchive, files.pidFile, files.consoleSocket, files.qemuLog, ...(options.efi ? [files.ovmfVars] : [])];
  const info: VmInfo = {
    pid: 0,
    tap: options.tap,
    mac: vmMac,
    consoleLog: files.consoleLog,
    disks,
    bootMs: 0,
    efi: options.efi,
    laptopNetns: options.laptopNetns,
    runtimeFiles,
    kernelVersion,
    baseBuilt: base.built,
    prepareMs,
  };

  try {
    await createSparseImage(files.internalDisk, options.diskSizeBytes);
    await createBootMedium(files.bootMedium, options.hostKeyOnBootMedium ? { hostKeyFile: options.hostKeyFile } : {});
    if (options.usbBackupDisk) await createSparseImage(files.usbBackup, usbBackupSizeBytes);
    if (options.efi) await copyFile(ovmfVarsTemplate, files.ovmfVars);
    await run(['ip', '-n', options.laptopNetns, 'tuntap', 'add', 'dev', options.tap, 'mode', 'tap']);
    // The laptop's side of the link is not what the lab tests: skip its duplicate address
    // detection, so its link-local address can talk to the VM the moment qemu attaches.
    await run(['ip', 'netns', 'exec', options.laptopNetns, 'sysctl', '-qw', `net.ipv6.conf.${options.tap}.accept_dad=0`]);
    await run(['ip', '-n', options.laptopNetns, 'link', 'set', options.tap, 'up']);
    await rm(files.consoleSocket, { force: true });
    await writeFile(files.consoleLog, '');

    const layout: QemuLayout = {
      name: `nb-${options.labId}-vm`,
      efi: options.efi,
      kernel: options.efi ? kernel.vmlinuz : kernel.vmlinux,
      initrd: files.initrd,
      append: kernelAppend,
      ovmfVars: options.efi ? files.ovmfVars : undefined,
      consoleSocket: files.consoleSocket,
      consoleLog: files.consoleLog,
      pidFile: files.pidFile,
      internalDisk: { image: files.internalDisk, serial: internalDiskSerial },
      bootMedium: { image: files.bootMedium, serial: bootMediumSerial },
      ...(options.usbBackupDisk ? { usbBackup: { image: files.usbBackup, serial: usbBackupSerial } } : {}),
      tap: options.tap,
      mac: vmMac,
      memoryMiB: options.memoryMiB ?? defaultMemoryMiB,
      // Two vCPUs: under TCG one busy process (a KDF) would otherwise stall everything else.
      cpus: 2,
      allowReboot: options.allowReboot,
    };
    progress(`booting the VM installer (${options.efi ? 'EFI, OVMF' : 'BIOS, qboot'}; TCG)`);
    const startedAt = Date.now();
    info.pid = await launchQemu(options.laptopAnchorPid, qemuArgs(layout), files.qemuLog, files.pidFile);
    // qemu has read kernel and initrd into guest memory: drop the copies that hold the host key.
    await rm(files.initrd, { force: true });
    await rm(files.configArchive, { force: true });
    const timeoutMs = options.bootTimeoutMs ?? (options.efi ? defaultEfiBootTimeoutMs : defaultBootTimeoutMs);
    await waitForSsh(info, options, files.qemuLog, startedAt, timeoutMs);
    info.bootMs = Date.now() - startedAt;
    progress(`VM installer answers SSH on [${staticLinkLocal}%${options.tap}]:22 after ${info.bootMs} ms`);
    return info;
  } catch (error) {
    await stopVm(info).catch(() => {});
    throw error;
  }
}

/** Stops qemu (SIGTERM, then SIGKILL), deletes the tap, the disk images and runtime files. Keeps the console log. */
export async function stopVm(info: VmInfo): Promise<void> {
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(info.pid, name);
    } catch {
      // exited on its own meanwhile
    }
  };
  if (info.pid > 0 && isQemuWithConsole(info.pid, info.consoleLog)) {
    signal('SIGTERM');
    const deadline = Date.now() + stopGraceMs;
    while (isRunning(info.pid) && Date.now() < deadline) await sleep(50);
    if (isRunning(info.pid)) {
      signal('SIGKILL');
      const killDeadline = Date.now() + stopGraceMs;
      while (isRunning(info.pid) && Date.now() < killDeadline) await sleep(50);
    }
    if (isRunning(info.pid)) throw new Error(`lab: qemu (pid ${info.pid}) did not stop`);
  }
  if (info.laptopNetns && existsSync(`/run/netns/${info.laptopNetns}`) && (await tapExists(info.laptopNetns, info.tap))) {
    await run(['ip', '-n', info.laptopNetns, 'link', 'del', 'dev', info.tap]);
  }
  for (const disk of info.disks) await rm(disk.image, { force: true });
  for (const file of info.runtimeFiles ?? []) await rm(file, { force: true });
}
