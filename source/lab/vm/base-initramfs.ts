import { createHash } from 'node:crypto';
import { avahiSshService, osRelease } from '../host-files.js';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { basename, join, relative } from 'node:path';
import { produceAtomic, scratchPrefix } from './atomic-files.js';
import { CpioWriter, type CpioEntry } from './cpio-newc.js';
import { debDirOf, kernelPackage } from './kernel.js';
import { ensureDeb, extractDeb } from './debian-packages.js';
import { bootMediumLabel, group, inittab, modprobeConf, nsswitch, passwd, profile, rcLab, shutdownScript } from './guest-files.js';
import { commandAliases, findCommand, resolveHostCommands, sharedLibraries, usrMerged, type HostFile } from './host-binaries.js';
import { indexModules, moduleGroups, moduleClosure, stageModules } from './kernel-modules.js';
import { diskoStandIn, generateConfigStandIn, nixosInstallStandIn } from '../stand-ins.js';
import { run } from '../run-command.js';

// The generic part of the VM's initramfs: everything but the per-lab configuration. It is
// cached under a name made of the kernel version and a hash of every input (host binaries by
// path/size/mtime, generated files, module list, udev source), so a second `lab up --vm` reuses it
// and any change to this machine's tools or to this code's output builds a fresh one.

/** Bump when the way the base is assembled changes in a way the hashed inputs do not show. */
const baseLayoutVersion = 3;

const udevRulesFromUdev = ['50-udev-default.rules', '60-block.rules', '60-persistent-storage.rules', '80-drivers.rules'];
const udevRulesFromDmsetup = ['55-dm.rules', '60-persistent-storage-dm.rules', '95-dm-notify.rules'];
const udevHelpers = ['ata_id', 'scsi_id'];
const rulesDirs = ['lib/udev/rules.d', 'usr/lib/udev/rules.d'];

export interface BaseInitramfs {
  path: string;
  kernelVersion: string;
  /** True when this call built it (false: taken from the cache). */
  built: boolean;
  buildMs?: number;
}

const skeletonDirs: Array<[string, number]> = [
  ['usr/bin', 0o755],
  ['usr/sbin', 0o755],
  ['usr/lib', 0o755],
  ['usr/lib64', 0o755],
  ['usr/local/bin', 0o755],
  ['usr/local/sbin', 0o755],
  ['usr/lib/systemd', 0o755],
  ['usr/lib/udev/rules.d', 0o755],
  ['etc/ssh', 0o755],
  ['etc/avahi/services', 0o755],
  ['etc/udev/rules.d', 0o755],
  ['etc/modprobe.d', 0o755],
  ['etc/lab', 0o755],
  ['etc/nix', 0o755],
  ['etc/pam.d', 0o755],
  ['proc', 0o555],
  ['sys', 0o555],
  ['dev', 0o755],
  ['run', 0o755],
  ['tmp', 0o1777],
  ['var/tmp', 0o1777],
  ['var/log', 0o755],
  ['var/lib', 0o755],
  ['var/empty', 0o555],
  ['mnt', 0o755],
  ['iso', 0o755],
  ['home', 0o755],
  ['root', 0o700],
  ['root/.ssh', 0o700],
];

function generatedFiles(): CpioEntry[] {
  const file = (path: string, data: string, mode = 0o644): CpioEntry => ({ kind: 'file', path, data, mode });
  return [
    file('etc/os-release', osRelease(true, 'nixos-bootstrap lab VM')),
    file('etc/NIXOS', ''),
    file('etc/passwd', passwd),
    file('etc/group', group),
    file('etc/nsswitch.conf', nsswitch),
    file('etc/fstab', ''),
    file('etc/profile', profile),
    file('etc/inittab', inittab),
    file('etc/rc.lab', rcLab, 0o755),
    file('etc/rc.lab-shutdown', shutdownScript, 0o755),
    file('etc/modprobe.d/lab.conf', modprobeConf),
    file('etc/avahi/services/ssh.service', avahiSshService),
    // Root evaluates as itself: no nixbld group in the lab. Its store is kept away from /nix:
    // this installer's Nix counts as not set up (no /nix/store, no boot check on it: lab flakes
    // are mostly stubs) unless a test makes /nix/store for the time it needs one.
    file('etc/nix/nix.conf', 'build-users-group =\nstore = /var/lib/lab-nix\n'),
    // sudo for the stock-ISO variant's nixos user: no password, logged for the tests.
    file('etc/sudoers', 'Defaults logfile=/var/log/sudo.log\nroot ALL=(ALL:ALL) ALL\nnixos ALL=(ALL:ALL) NOPASSWD: ALL\n', 0o440),
    file('etc/pam.d/sudo', 'auth sufficient pam_permit.so\naccount sufficient pam_permit.so\nsession sufficient pam_permit.so\n'),
    file('etc/lab/boot-medium-label', `${bootMediumLabel}\n`),
    file('usr/local/sbin/nixos-install', nixosInstallStandIn, 0o755),
    file('usr/local/sbin/disko', diskoStandIn, 0o755),
    file('usr/local/sbin/nixos-generate-config', generateConfigStandIn, 0o755),
    { kind: 'symlink', path: 'etc/mtab', target: '/proc/self/mounts' },
    { kind: 'symlink', path: 'var/run', target: '/run' },
    { kind: 'symlink', path: 'init', target: '/usr/bin/busybox' },
    // NixOS' /bin/sh is bash; busybox's ash would run its applets instead of the real tools.
    { kind: 'symlink', path: 'usr/bin/sh', target: 'bash' },
  ];
}

const hostUdevPresent = () => findCommand('udevadm') !== null && rulesDirs.some((dir) => existsSync(`/${dir}/60-persistent-storage.rules`));

async function udevSource(cacheDir: string, onProgress?: (message: string) => void): Promise<{ deb?: string; identity: string }> {
  if (hostUdevPresent()) return { identity: `host:${(await stat(findCommand('udevadm')!)).mtimeMs}` };
  const deb = await ensureDeb(debDirOf(cacheDir), 'udev', onProgress);
  return { deb, identity: basename(deb) };
}

function findIn(root: string, dirs: string[], name: string): string | null {
  for (const dir of dirs) {
    const candidate = join(root, dir, name);
    if (existsSync(candidate)) return candidate;
  }
  return null;
}

/** udevd, its helpers and the storage rules, from `root`: an extracted udev package, or `/` (this machine's). */
function udevEntries(root: string): { entries: CpioEntry[]; udevadm: string } {
  const udevadm = root === '/' ? findCommand('udevadm')! : findIn(root, ['bin', 'usr/bin'], 'udevadm');
  if (!udevadm) throw new Error(`lab: no udevadm in ${root}`);
  const entries: CpioEntry[] = [
    { kind: 'host-file', path: 'usr/bin/udevadm', source: udevadm, mode: 0o755 },
    { kind: 'symlink', path: 'usr/lib/systemd/systemd-udevd', target: '/usr/bin/udevadm' },
  ];
  for (const helper of udevHelpers) {
    const path = findIn(root, ['lib/udev', 'usr/lib/udev'], helper);
    if (path) entries.push({ kind: 'host-file', path: `usr/lib/udev/${helper}`, source: path, mode: 0o755 });
  }
  for (const [rulesRoot, rules] of [
    [root, udevRulesFromUdev],
    ['/', udevRulesFromDmsetup],
  ] as const) {
    for (const rule of rules) {
      const path = findIn(rulesRoot, rulesDirs, rule);
      if (!path) throw new Error(`lab: udev rule ${rule} not found (udev/dmsetup package)`);
      entries.push({ kind: 'host-file', path: `usr/lib/udev/rules.d/${rule}`, source: path, mode: 0o644 });
    }
  }
  return { entries, udevadm };
}

function hostFileEntries(files: HostFile[]): CpioEntry[] {
  return files.map((file) => ({
    kind: 'host-file',
    path: file.path,
    source: file.source,
    // sudo runs as root only when setuid (the stock-ISO variant's nixos user calls it).
    mode: file.path.startsWith('/etc/') ? 0o644 : file.path === '/usr/bin/sudo' ? 0o4755 : 0o755,
  }));
}

/** Changes whenever a package is installed, upgraded or removed: the libraries' stamp. */
const dpkgStatus = '/var/lib/dpkg/status';

/**
 * Inputs that decide the base's content, hashed into its file name. Libraries are covered by the
 * dpkg status file (they only change through dpkg), which spares an ldd run on every start.
 */
async function inputFingerprint(kernelVersion: string, udevIdentity: string): Promise<string> {
  const commands = await resolveHostCommands();
  const hostFiles = [...commands, { path: 'busybox', source: findCommand('busybox') ?? '' }, { path: 'dpkg', source: dpkgStatus }];
  const stamps = await Promise.all(
    hostFiles.map(async (file) => {
      const info = await stat(file.source).catch(() => null);
      return `${file.path}=${file.source}:${info?.size}:${info?.mtimeMs}`;
    }),
  );
  const hash = createHash('sha256');
  hash.update(
    JSON.stringify({
      baseLayoutVersion,
      kernelVersion,
      udevIdentity,
      stamps,
      moduleGroups,
      commandAliases,
      generated: generatedFiles(),
    }),
  );
  return hash.digest('hex').slice(0, 16);
}

export const basePathFor = (cacheDir: string, kernelVersion: string, fingerprint: string) => join(cacheDir, `base-${kernelVersion}-${fingerprint}.cpio`);

async function writeBase(
  target: string,
  cacheDir: string,
  kernelVersion: string,
  udevDeb: string | undefined,
  onProgress?: (message: string) => void,
): Promise<void> {
  const scratch = await mkdtemp(scratchPrefix(cacheDir, 'base'));
  try {
    onProgress?.(`extracting kernel modules ${kernelVersion}`);
    const kernelTree = join(scratch, 'kernel');
    await extractDeb(await ensureDeb(debDirOf(cacheDir), kernelPackage(kernelVersion), onProgress), kernelTree);
    await indexModules(kernelTree, kernelVersion);
    // Each group lists only modules no earlier group loads already.
    const orders: Record<string, string[]> = {};
    const files = new Set<string>();
    for (const [group, names] of Object.entries(moduleGroups)) {
      const closure = await moduleClosure(kernelTree, kernelVersion, [...names]);
      orders[group] = closure.order.filter((name) => !Object.values(orders).some((earlier) => earlier.includes(name)));
      for (const file of closure.files) files.add(file);
    }
    const modulesDir = await stageModules(kernelTree, join(scratch, 'modules'), kernelVersion, [...files]);

    let udevRoot = '/';
    if (udevDeb) {
      udevRoot = join(scratch, 'udev');
      await extractDeb(udevDeb, udevRoot);
    }
    const udev = udevEntries(udevRoot);

    onProgress?.('collecting host binaries');
    const commands = await resolveHostCommands();
    const elfs = commands.filter((c) => c.path.startsWith('/usr/'));
    const libraries = await sharedLibraries([...elfs.map((c) => c.source), udev.udevadm]);
    const busybox = findCommand('busybox');
    if (!busybox) throw new Error('lab: busybox is missing (apt-get install busybox-static)');

    onProgress?.('writing the base initramfs');
    const writer = await CpioWriter.create(target);
    try {
      for (const dir of ['bin', 'sbin', 'lib', 'lib64']) await writer.add({ kind: 'symlink', path: dir, target: `usr/${dir}` });
      for (const [path, mode] of skeletonDirs) await writer.add({ kind: 'dir', path, mode });
      await writer.addAll(hostFileEntries(commands));
      for (const library of libraries)
        if (!writer.has(library.path)) await writer.add({ kind: 'host-file', path: library.path, source: library.source, mode: 0o755 });
      await writer.addAll(udev.entries);
      for (const [alias, target] of Object.entries(commandAliases)) {
        const dir = writer.has(`usr/sbin/${target}`) ? 'usr/sbin' : 'usr/bin';
        if (writer.has(`${dir}/${target}`) && !writer.has(`usr/sbin/${alias}`) && !writer.has(`usr/bin/${alias}`)) {
          await writer.add({ kind: 'symlink', path: `${dir}/${alias}`, target });
        }
      }
      for (const file of await walk(modulesDir)) {
        await writer.add({ kind: 'host-file', path: `usr/lib/modules/${kernelVersion}/${relative(modulesDir, file)}`, source: file, mode: 0o644 });
      }
      for (const [group, order] of Object.entries(orders)) {
        await writer.add({ kind: 'file', path: `etc/lab/modules.${group}`, data: `${order.join('\n')}\n`, mode: 0o644 });
      }
      await writer.addAll(generatedFiles());
      await writer.add({ kind: 'host-file', path: 'usr/bin/busybox', source: busybox, mode: 0o755 });
      // busybox fills every gap (init, poweroff, awk, ...) without shadowing a real tool.
      const applets = (await run([busybox, '--list-full'])).split('\n').filter(Boolean);
      for (const applet of applets) {
        const name = applet.replace(/^.*\//, '');
        const dir = usrMerged(`/${applet}`)
          .replace(/\/[^/]+$/, '')
          .replace(/^\//, '');
        if (writer.has(`usr/bin/${name}`) || writer.has(`usr/sbin/${name}`)) continue;
        await writer.add({ kind: 'symlink', path: `${dir}/${name}`, target: '/usr/bin/busybox' });
      }
      await writer.finish();
    } catch (error) {
      await writer.abandon();
      throw error;
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await walk(path)));
    else out.push(path);
  }
  return out.sort();
}

/**
 * Keeps the cache to what the current base needs: older bases, kernels and packages go (a new
 * kernel or udev arrives with apt-get update every few weeks, each worth ~100 MB).
 */
async function pruneCache(cacheDir: string, keepBase: string, kernelVersion: string, udevDeb?: string): Promise<void> {
  for (const name of await readdir(cacheDir)) {
    const stale =
      (/^base-.*\.cpio$/.test(name) && join(cacheDir, name) !== keepBase) ||
      (name.startsWith('kernel-') && !name.endsWith('.json') && name !== `kernel-${kernelVersion}`);
    if (stale) await rm(join(cacheDir, name), { recursive: true, force: true });
  }
  const debDir = debDirOf(cacheDir);
  for (const name of await readdir(debDir).catch(() => [] as string[])) {
    const stale =
      (name.startsWith('linux-image-') && !name.startsWith(`${kernelPackage(kernelVersion)}_`)) ||
      (name.startsWith('udev_') && udevDeb !== undefined && join(debDir, name) !== udevDeb);
    if (stale) await rm(join(debDir, name), { force: true });
  }
}

export async function ensureBaseInitramfs(cacheDir: string, kernelVersion: string, onProgress?: (message: string) => void): Promise<BaseInitramfs> {
  const udev = await udevSource(cacheDir, onProgress);
  const fingerprint = await inputFingerprint(kernelVersion, udev.identity);
  const path = basePathFor(cacheDir, kernelVersion, fingerprint);
  if (existsSync(path)) return { path, kernelVersion, built: false };
  const started = Date.now();
  onProgress?.(`building the VM installer's base initramfs (kernel ${kernelVersion}, once)`);
  await produceAtomic(path, (temp) => writeBase(temp, cacheDir, kernelVersion, udev.deb, onProgress));
  await pruneCache(cacheDir, path, kernelVersion, udev.deb);
  return { path, kernelVersion, built: true, buildMs: Date.now() - started };
}
