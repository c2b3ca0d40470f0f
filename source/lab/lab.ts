import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { hostKeyFingerprint, makeHostKey, passwordHash } from './lab-keys.js';
import { readManifest } from '../core/installer/make-installer.js';
import { bootInstaller, startInstaller } from './installer-host.js';
import { startLaptop, startLaptopDaemons } from './laptop-host.js';
import { GiB, defaultLabId, labIdPattern, labPaths, vmTap, type LabSpec } from './lab-spec.js';
import { readLabState, writeLabState, type LabState } from './lab-state.js';
import { run, sleep } from './run-command.js';
import { startVm, stopVm } from './vm/vm.js';

/** A problem with the lab itself (not with the tool under test): missing packages, already up, … */
export class LabError extends Error {
  override name = 'LabError';
}

const requiredCommands: Record<string, string> = {
  sshd: 'openssh-server',
  'avahi-daemon': 'avahi-daemon',
  'avahi-resolve': 'avahi-utils',
  'dbus-daemon': 'dbus',
  ip: 'iproute2',
  ping: 'iputils-ping',
  losetup: 'util-linux',
  nsenter: 'util-linux',
  partx: 'util-linux',
  'mkfs.ext4': 'e2fsprogs',
  sgdisk: 'gdisk',
  'ssh-keygen': 'openssh-client',
  openssl: 'openssl',
};

async function checkPrerequisites(): Promise<void> {
  if (process.platform !== 'linux') throw new LabError('the lab needs Linux (network namespaces, loop devices)');
  if (process.getuid?.() !== 0) throw new LabError('the lab needs root (namespaces, loop devices): run it with sudo');
  const missing: string[] = [];
  for (const [command, pkg] of Object.entries(requiredCommands)) {
    const found = await run(['sh', '-c', `command -v ${command} || test -x /usr/sbin/${command}`], { reject: false });
    if (!found) missing.push(pkg);
  }
  if (missing.length) throw new LabError(`missing commands; install: apt-get install ${[...new Set(missing)].join(' ')}`);
}

export async function isLabUp(id: string): Promise<boolean> {
  if (await readLabState(id)) return true;
  return (await run(['ip', 'netns', 'list'])).split('\n').some((line) => line.startsWith(`${id}-`));
}

/** Brings a lab up; on any failure, tears down what was already made and rethrows. */
export async function labUp(spec: LabSpec = {}, onProgress: (message: string) => void = () => {}): Promise<LabState> {
  const id = spec.id ?? defaultLabId;
  if (!labIdPattern.test(id)) throw new LabError(`lab id '${id}' must be 1-8 lower-case letters/digits, starting with a letter`);
  await checkPrerequisites();
  if (await isLabUp(id)) throw new LabError(`lab '${id}' is already up; run 'nixos-bootstrap lab down' first`);
  const paths = labPaths(id);
  const state: LabState = {
    id,
    spec: { ...spec, id, installers: spec.installers ?? (spec.vm ? [] : [{}]) },
    createdAt: new Date().toISOString(),
    stateDir: paths.stateDir,
    imageDir: paths.imageDir,
    laptop: { netns: paths.laptopNetns, anchorPid: 0, home: '', interfaces: [], pids: {} },
    installers: [],
    loops: [],
    timingsMs: {},
  };
  const save = () => writeLabState(state);
  const started = Date.now();
  try {
    await mkdir(state.stateDir, { recursive: true, mode: 0o700 });
    await save();
    onProgress('laptop namespace');
    await startLaptop(state, save);
    const installerSpecs = state.spec.installers ?? [];
    for (const [i, installerSpec] of installerSpecs.entries()) {
      onProgress(`installer ${i + 1}`);
      await startInstaller(state, i + 1, installerSpec, save);
    }
    state.laptop.interfaces = state.installers.map((installer) => installer.laptopInterface);
    await startLaptopDaemons(state, save);
    await Promise.all(state.installers.map((installer, i) => bootInstaller(installer, installerSpecs[i]!, save)));
    state.timingsMs.netnsReady = Date.now() - started;
    if (spec.vm) {
      onProgress('VM installer (booting under TCG; the first run builds its kernel and initramfs)');
      await startLabVm(state, spec.vm, onProgress);
      state.laptop.interfaces.push(vmTap);
    }
    state.timingsMs.up = Date.now() - started;
    await save();
    return state;
  } catch (error) {
    await labDown(id).catch(() => {});
    throw error;
  }
}

/** The tests' own way in as root (not an id_* key: the tool, which tries those, must be refused as a user would be). */
async function labBackDoorKey(state: LabState): Promise<string> {
  const file = `${state.laptop.home}/.ssh/lab_backdoor`;
  if (!existsSync(file)) await makeHostKey(file, 'nb-lab-backdoor');
  return (await import('node:fs/promises')).readFile(`${file}.pub`, 'utf8');
}

async function startLabVm(state: LabState, vm: NonNullable<LabSpec['vm']>, onProgress: (message: string) => void): Promise<void> {
  const dir = `${state.stateDir}/vm`;
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const image = vm.installerDir !== undefined ? await readManifest(vm.installerDir) : undefined;
  const hostKeyFile = image?.hostKeyFile ?? (await makeHostKey(`${dir}/ssh_host_ed25519_key`, 'nb-lab-vm'));
  const hostname = image?.name ?? vm.hostname ?? 'bootstrap';
  const { readFile } = await import('node:fs/promises');
  const info = await startVm({
    labId: state.id,
    stateDir: dir,
    imageDir: `${state.imageDir}/vm`,
    laptopAnchorPid: state.laptop.anchorPid,
    laptopNetns: state.laptop.netns,
    tap: vmTap,
    hostKeyFile,
    hostKeyOnBootMedium: image !== undefined,
    authorizedKeys: image ? image.authorizedKeys.join('\n') : await readFile(`${state.laptop.home}/.ssh/id_ed25519.pub`, 'utf8'),
    hostname,
    passwordHash: vm.password !== undefined ? await passwordHash(vm.password) : undefined,
    efi: vm.efi === true,
    allowReboot: vm.allowReboot === true,
    diskSizeBytes: vm.diskSizeBytes ?? 8 * GiB,
    usbBackupDisk: vm.usbBackupDisk === true,
    ...(vm.stockIso ? { stockIso: { backDoorKey: await labBackDoorKey(state) } } : {}),
    onProgress,
  });
  state.vm = { ...info, hostname, hostKeyFingerprint: await hostKeyFingerprint(hostKeyFile), ...(vm.stockIso ? { stockIso: true } : {}) };
  state.timingsMs.vmBoot = info.bootMs;
}

export interface DownReport {
  /** False when nothing of this lab was up. */
  wasUp: boolean;
  killed: number;
  namespaces: string[];
  loops: string[];
}

/** Removes every namespace, process, loop device and file this lab created — and nothing else. */
export async function labDown(id: string = defaultLabId): Promise<DownReport> {
  const state = await readLabState(id);
  const namespaces = (await run(['ip', 'netns', 'list']))
    .split('\n')
    .map((line) => line.split(' ')[0]!)
    .filter((name) => name.startsWith(`${id}-`));
  const report: DownReport = { wasUp: state !== null || namespaces.length > 0, killed: 0, namespaces, loops: [] };
  if (!report.wasUp) return report;

  const pids = new Set<number>();
  for (const ns of namespaces) {
    for (const pid of (await run(['ip', 'netns', 'pids', ns], { reject: false })).split('\n')) if (pid) pids.add(Number(pid));
  }
  for (const pid of [
    ...Object.values(state?.laptop.pids ?? {}),
    ...(state?.installers ?? []).flatMap((installer) => Object.values(installer.pids)),
    ...(state?.vm ? [state.vm.pid] : []),
  ])
    if (pid) pids.add(pid);
  report.killed = await killAll([...pids]);
  if (state?.vm) await stopVm(state.vm).catch(() => {});

  for (const device of state?.loops ?? []) {
    // Detach only if the device is still backed by our image (loop numbers get reused).
    const backing = await run(['losetup', '--noheadings', '--output', 'BACK-FILE', device], { reject: false });
    if (backing.startsWith(state!.imageDir)) {
      await run(['losetup', '--detach', device], { reject: false });
      report.loops.push(device);
    }
  }
  for (const ns of namespaces) await run(['ip', 'netns', 'delete', ns], { reject: false });
  await rm(labPaths(id).stateDir, { recursive: true, force: true });
  return report;
}

async function killAll(pids: number[]): Promise<number> {
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  const signal = (pid: number, sig: NodeJS.Signals) => {
    try {
      process.kill(pid, sig);
    } catch {
      // already gone
    }
  };
  const targets = pids.filter(alive);
  targets.forEach((pid) => signal(pid, 'SIGTERM'));
  const deadline = Date.now() + 5000;
  while (targets.some(alive) && Date.now() < deadline) await sleep(50);
  targets.filter(alive).forEach((pid) => signal(pid, 'SIGKILL'));
  while (targets.some(alive) && Date.now() < deadline + 2000) await sleep(20);
  return targets.length;
}

export { readLabState };
