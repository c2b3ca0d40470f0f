import {
  defaultLabels,
  defaultLuksLabel,
  defaultLuksName,
  defaultRepoPath,
  gptPartitionNameMaxUnits,
  hostNamePattern,
  minimumEfiSizeMiB,
} from '../core/defaults.js';
import { parseSizeMiB } from '../core/plan/sizes.js';
import { uploadedFlakeDir } from '../core/plan/flake-ref.js';
import { usageError } from '../core/exit-codes.js';
import { normalizeFingerprint } from '../core/ssh/host-identity.js';
import { resolve } from 'node:path';
import type { DiskEncryptionKey, DiskoMode, Layout, LayoutKind, LuksChoice } from '../core/plan/types.js';

// Checks shared by every command's flags: a bad value is a usage error naming the flag.

export function oneOf<T extends string>(value: string | undefined, allowed: readonly T[], flag: string): T | undefined {
  if (value === undefined) return undefined;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw usageError(`${flag} must be one of ${allowed.join(', ')}, not '${value}'`);
}

/** A filesystem/partition label (or mapper name): plain characters, within the format's length. */
export function checkLabel(value: string | undefined, fallback: string, flag: string, maxChars: number): string {
  const text = value ?? fallback;
  if (!/^[A-Za-z0-9_.-]+$/.test(text) || text.length > maxChars) {
    throw usageError(`${flag} '${text}' is not a usable label`, `use up to ${maxChars} letters, digits, '.', '_' or '-'`);
  }
  return text;
}

/** --luks-label: the LUKS2 header label and the GPT name of the encrypted partition. */
export const checkLuksLabel = (value: string | undefined) => checkLabel(value, defaultLuksLabel, '--luks-label', gptPartitionNameMaxUnits);
/** --luks-name: the device-mapper name. */
export const checkLuksName = (value: string | undefined) => checkLabel(value, defaultLuksName, '--luks-name', 64);

/** An ESP size that holds a few kernels, as MiB; `field` names the flag or the screen's field. */
export function checkEfiSizeMiB(text: string, field: string): number {
  const mib = parseSizeMiB(text, field);
  if (mib < minimumEfiSizeMiB) throw usageError(`${field} must be at least ${minimumEfiSizeMiB}M`);
  return mib;
}

/** A swap size, as MiB (0: no swap partition). */
export const checkSwapSizeMiB = (text: string, field: string): number => parseSizeMiB(text || '0', field);

/** What the layout flags or the layout screen answered. */
export interface LayoutAnswers {
  kind: LayoutKind;
  luks: boolean;
  efiSize: string;
  swapSize: string;
  /** disko only: --disko-mode (default disko) and --disk-encryption-keys. */
  diskoMode?: DiskoMode;
  diskEncryptionKeys?: DiskEncryptionKey[];
}

/** The layout from answers given as flags or on the screen; `fields` names them in errors. */
export function layoutFrom(answers: LayoutAnswers, luksChoice: LuksChoice, fields = { efiSize: '--efi-size', swapSize: '--swap' }): Layout {
  const luks = answers.luks ? luksChoice : null;
  switch (answers.kind) {
    case 'labels':
      return {
        kind: 'labels',
        efiSizeMiB: checkEfiSizeMiB(answers.efiSize, fields.efiSize),
        swapSizeMiB: checkSwapSizeMiB(answers.swapSize, fields.swapSize),
        luks,
      };
    case 'mounted':
      return { kind: 'mounted', luks };
    case 'disko':
      return { kind: 'disko', mode: answers.diskoMode ?? 'disko', keys: answers.diskEncryptionKeys ?? [] };
  }
}

/** Top-level directories of the new system that hold more than a checkout (an ESP, homes, the store). */
const systemDirectories = ['boot', 'home', 'nix', 'etc', 'var', 'root', 'usr', 'srv', 'persist'];

/**
 * --repo-path: clone mode runs `rm -rf` on it before cloning, so only a directory inside /mnt
 * (the new system) is accepted: never /mnt itself or one of its system directories (with the
 * mounted layout /mnt/boot can be an ESP shared with another OS), /, or a path with `..`.
 */
export function checkRepoPath(value: string | undefined): string {
  const path = value ?? defaultRepoPath;
  const parts = path.split('/').filter(Boolean);
  const systemDirectory = parts.length === 2 && systemDirectories.includes(parts[1]!);
  if (!path.startsWith('/mnt/') || parts.length < 2 || systemDirectory || parts.includes('..') || parts.includes('.') || /[^A-Za-z0-9_./-]/.test(path)) {
    throw usageError(`--repo-path '${path}' must be a directory inside /mnt`, `e.g. ${defaultRepoPath}; it is emptied before the clone`);
  }
  return path.replace(/\/+$/, '');
}

/** --label-efi, --label-root, --label-swap: each within its filesystem's label length (vfat, ext4, swap). */
export function layoutLabels(v: { 'label-efi'?: string; 'label-root'?: string; 'label-swap'?: string }) {
  return {
    efi: checkLabel(v['label-efi'], defaultLabels.efi, '--label-efi', 11),
    root: checkLabel(v['label-root'], defaultLabels.root, '--label-root', 16),
    swap: checkLabel(v['label-swap'], defaultLabels.swap, '--label-swap', 15),
  };
}

export function wholeNumber(value: string | undefined, flag: string, max: number): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!/^\d+$/.test(value) || number < 1 || number > max) throw usageError(`${flag} wants a whole number from 1 to ${max}, not '${value}'`);
  return number;
}

/** How to reach and trust the target, and which disk it may use: the same flags for install and the wizard. */
export interface ConnectionFlags {
  port?: number;
  identities: string[];
  envPassword: boolean;
  /** Normalised to `SHA256:…`. */
  expectFingerprint?: string;
  force: boolean;
  allowLoopDisks: boolean;
  /** --disk, else INSTALL_DISK. */
  disk?: string;
}

export function connectionFlags(
  v: {
    port?: string;
    identity?: string[];
    'env-password'?: boolean;
    'expect-fingerprint'?: string;
    force?: boolean;
    'allow-loop-disks'?: boolean;
    disk?: string;
  },
  env: NodeJS.ProcessEnv,
): ConnectionFlags {
  return {
    port: wholeNumber(v.port, '--port', 65535),
    identities: v.identity ?? [],
    envPassword: v['env-password'] === true,
    expectFingerprint: v['expect-fingerprint'] !== undefined ? normalizeFingerprint(v['expect-fingerprint']) : undefined,
    force: v.force === true,
    allowLoopDisks: v['allow-loop-disks'] === true,
    disk: v.disk ?? (env.INSTALL_DISK?.trim() || undefined),
  };
}

/** Directories the new system shares: the key's own directory is made 700, so it may not be one of them. */
const sharedDirectories = new Set([
  '/',
  '/etc',
  '/var',
  '/var/lib',
  '/root',
  '/home',
  '/persist',
  '/persist/etc',
  '/persist/var',
  '/persist/var/lib',
  '/nix',
  '/boot',
  '/usr',
  '/srv',
  '/tmp',
  '/run',
  '/opt',
]);

/** --age-key-path: an absolute file path on the new system, in a directory of its own. */
export function checkAgeKeyPath(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const dir = value.slice(0, value.lastIndexOf('/')) || '/';
  if (!isPlainAbsolutePath(value) || /[^A-Za-z0-9_./@+-]/.test(value)) {
    throw usageError(`--age-key-path '${value}' is not an absolute file path`, 'e.g. /var/lib/sops-nix/key.txt');
  }
  // A user's tree (sops' ~/.config/sops/age/keys.txt) would end up root-owned and unreadable to them.
  if (dir.startsWith('/home/') || dir.startsWith('/persist/home/'))
    throw usageError(
      `--age-key-path '${value}' is in a user's home: it would become root-only`,
      'the system key goes in a directory of its own, e.g. /var/lib/sops-nix/key.txt',
    );
  if (sharedDirectories.has(dir))
    throw usageError(
      `--age-key-path '${value}': its directory ${dir} would be made root-only (700)`,
      `put the key in a directory of its own, e.g. ${dir === '/' ? '' : dir}/age/key.txt`,
    );
  return value;
}

/** --host: a name Nix accepts as a nixosConfigurations attribute and a file name. */
export function checkHostName(value: string | undefined): void {
  if (value !== undefined && !hostNamePattern.test(value)) throw usageError(`--host '${value}' is not a host name`);
}

/** --mkdir: directories inside /mnt, never above it. */
export function checkMkdirs(dirs: string[] | undefined): string[] {
  for (const dir of dirs ?? []) {
    if (dir.split('/').includes('..') || dir.replace(/\/+/g, '') === '') throw usageError(`--mkdir '${dir}' must be a directory inside /mnt`);
  }
  return dirs ?? [];
}

/** `/a/b`: absolute, and no empty, `.` or `..` part that could make it name another place. */
export function isPlainAbsolutePath(path: string): boolean {
  return (
    path.startsWith('/') &&
    path
      .split('/')
      .slice(1)
      .every((part) => part !== '' && part !== '.' && part !== '..')
  );
}

/**
 * --disk-encryption-keys REMOTE LOCAL (nixos-anywhere's meaning): REMOTE is where the disko config
 * reads the key on the installer. It lives in the installer's RAM while disko runs, so never on
 * the disks being formatted (/mnt) and never twice.
 */
export function checkDiskEncryptionKeys(values: string[]): DiskEncryptionKey[] {
  const keys = values.map((value) => {
    const [remote = '', local = ''] = value.split('\0');
    if (!isPlainAbsolutePath(remote) || !/^[A-Za-z0-9_./@+-]+$/.test(remote))
      throw usageError(`--disk-encryption-keys '${remote}': give the absolute path the disko config reads, e.g. /tmp/secret.key`);
    if (remote === uploadedFlakeDir || remote.startsWith(`${uploadedFlakeDir}/`))
      throw usageError(
        `--disk-encryption-keys '${remote}' is inside the uploaded flake, which Nix copies into the installer's store`,
        'use e.g. /tmp/secret.key',
      );
    if (/^\/(mnt|nix)(\/|$)/.test(remote))
      throw usageError(`--disk-encryption-keys '${remote}' would sit on the new system's disks`, "use a path in the installer's RAM, e.g. /tmp/secret.key");
    return { remote, local: resolve(local) };
  });
  const twice = keys.find((key, index) => keys.findIndex((other) => other.remote === key.remote) !== index);
  if (twice) throw usageError(`--disk-encryption-keys names ${twice.remote} twice`);
  return keys;
}
