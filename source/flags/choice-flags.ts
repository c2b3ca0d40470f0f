// The flags that choose what to install: one spec and one parser for `install` and the wizard.
// Every value given is checked here (exit 2, naming the flag); a value not given stays undefined,
// for `install` to require or default and for the wizard to ask on its screen.
import { resolve } from 'node:path';
import { defaultAgeKeyPath, hardwareGenerators, type HardwareGenerator } from '../core/defaults.js';
import { usageError } from '../core/exit-codes.js';
import { parseFlakeRef, type FlakeRef } from '../core/plan/flake-ref.js';
import type {
  Choices,
  DiskEncryptionKey,
  DiskoMode,
  ExtraFiles,
  FinishAction,
  InstallChoice,
  InstallMode,
  Labels,
  LayoutKind,
  LuksChoice,
} from '../core/plan/types.js';
import { parseTarget } from '../core/ssh/target.js';
import type { Target } from '../core/ssh/types.js';
import {
  checkAgeKeyPath,
  checkDiskEncryptionKeys,
  checkEfiSizeMiB,
  checkHostName,
  checkLabel,
  checkLuksLabel,
  checkLuksName,
  checkMkdirs,
  checkRepoPath,
  checkSwapSizeMiB,
  connectionFlags,
  isPlainAbsolutePath,
  layoutLabels,
  oneOf,
  wholeNumber,
  type ConnectionFlags,
} from './flag-values.js';
import { parseFlags } from './parse-flags.js';

export const choiceFlagSpec = {
  port: { type: 'string', short: 'p' },
  identity: { type: 'string', short: 'i', multiple: true },
  'env-password': { type: 'boolean' },
  'expect-fingerprint': { type: 'string' },
  force: { type: 'boolean' },
  disk: { type: 'string' },
  layout: { type: 'string' },
  'efi-size': { type: 'string' },
  swap: { type: 'string' },
  luks: { type: 'boolean' },
  'luks-passphrase-file': { type: 'string' },
  'luks-label': { type: 'string' },
  'luks-name': { type: 'string' },
  'luks-iter-time': { type: 'string' },
  'label-efi': { type: 'string' },
  'label-root': { type: 'string' },
  'label-swap': { type: 'string' },
  mkdir: { type: 'string', multiple: true },
  'post-mount': { type: 'string', multiple: true },
  tmpstore: { type: 'boolean' },
  flake: { type: 'string' },
  mode: { type: 'string' },
  repo: { type: 'string' },
  'repo-path': { type: 'string' },
  system: { type: 'string' },
  host: { type: 'string' },
  'age-key': { type: 'string' },
  'age-key-out': { type: 'string' },
  'replace-age-key': { type: 'boolean' },
  'age-key-name': { type: 'string' },
  'age-key-path': { type: 'string' },
  secrets: { type: 'string' },
  'allow-unreadable-secrets': { type: 'boolean' },
  'dry-run': { type: 'boolean' },
  yes: { type: 'boolean' },
  resume: { type: 'boolean' },
  finish: { type: 'string' },
  log: { type: 'string' },
  json: { type: 'boolean' },
  'host-key': { type: 'string' },
  wait: { type: 'boolean' },
  'wait-timeout': { type: 'string' },
  'skip-boot-check': { type: 'boolean' },
  'write-disk-config': { type: 'string' },
  'extra-files': { type: 'string' },
  'generate-hardware-config': { type: 'string' },
  'allow-missing-hardware-config': { type: 'boolean' },
  chown: { type: 'string', multiple: true },
  'allow-loop-disks': { type: 'boolean' },
  'disko-mode': { type: 'string' },
  'disk-encryption-keys': { type: 'string', multiple: true },
  help: { type: 'boolean', short: 'h' },
} as const;

export type AgeKeySource = 'generate' | 'none' | { file: string };

/** What the flags say, checked; undefined where a flag was not given and nothing is assumed yet. */
export interface ChoiceFlags extends ConnectionFlags {
  help: boolean;
  target?: Target;
  layout?: LayoutKind;
  luks?: boolean;
  luksPassphraseFile?: string;
  /** --disko-mode and --disk-encryption-keys REMOTE LOCAL (only with --layout disko). */
  diskoMode?: DiskoMode;
  diskEncryptionKeys: DiskEncryptionKey[];
  /** --efi-size and --swap as written (already checked): the wizard shows them in its fields. */
  efiSize?: string;
  swap?: string;
  /** The header label, mapper name and PBKDF time used when LUKS is on. */
  luksChoice: LuksChoice;
  labels: Labels;
  mkdirs: string[];
  postMount: string[];
  tmpstore: boolean;
  flake?: FlakeRef;
  /** --host, for the modes without a flake. */
  host?: string;
  mode?: InstallMode;
  repo?: string;
  repoPath: string;
  systemPath?: string;
  ageKey?: AgeKeySource;
  ageKeyOut?: string;
  /** --replace-age-key: a new key may overwrite the file at ageKeyOut. */
  replaceAgeKey: boolean;
  ageKeyName?: string;
  /** --age-key-path: where the new system keeps the identity (sops-nix's `sops.age.keyFile`). */
  ageKeyPath?: string;
  secretsDir?: string;
  allowUnreadableSecrets: boolean;
  hostKeyFile?: string;
  /** --wait (only with --finish reboot): how long to wait for the new system. */
  waitTimeoutMs?: number;
  /** --skip-boot-check: install even when the configuration would not mount what this install creates. */
  skipBootCheck: boolean;
  /** --generate-hardware-config GENERATOR PATH: the installer describes its hardware into the flake. */
  hardwareConfig?: { generator: HardwareGenerator; path: string };
  allowMissingHardwareConfig: boolean;
  /** --extra-files DIR (checked on this machine later) and --chown PATH UID:GID. */
  extraFiles?: string;
  chown: Array<{ path: string; uid: number; gid: number }>;
  /** --write-disk-config PATH: the labels layout as a NixOS module, written into the local flake. */
  writeDiskConfig?: string;
  dryRun: boolean;
  yes: boolean;
  resume: boolean;
  json: boolean;
  finish: FinishAction;
  logFile?: string;
  /** Long names of the flags given on the command line (a resume checks them against its journal). */
  givenFlags: string[];
}

type ChoiceValues = ReturnType<typeof parseFlags<typeof choiceFlagSpec>>['values'];

/** Parses argv against `spec` (the choice flags plus a command's own) and checks every choice flag. */
export function parseChoiceFlags<S extends typeof choiceFlagSpec>(argv: string[], spec: S, help: string, env: NodeJS.ProcessEnv) {
  const { values, positionals } = parseFlags(pairFlagValues(argv), spec, help);
  if (positionals.length > 1) throw usageError(`unexpected argument '${positionals[1]}'`, 'give at most one TARGET');
  const v = values as ChoiceValues;
  const connection = connectionFlags(v, env);
  const flake = v.flake !== undefined ? parseFlakeRef(v.flake) : undefined;
  checkHostName(v.host);
  const layout = oneOf<LayoutKind>(v.layout, ['labels', 'disko', 'mounted'], '--layout');
  if (v.luks && layout === 'disko') throw usageError('--luks does not apply to --layout disko: the disko config decides encryption');
  for (const flag of ['disko-mode', 'disk-encryption-keys'] as const) {
    if (v[flag] !== undefined && layout !== 'disko')
      throw usageError(`--${flag} belongs to --layout disko`, 'add --layout disko (the flake holds the disko config)');
  }
  if (v['efi-size'] !== undefined) checkEfiSizeMiB(v['efi-size'], '--efi-size');
  if (v.swap !== undefined) checkSwapSizeMiB(v.swap, '--swap');
  if (v.system !== undefined && !v.system.startsWith('/nix/store/')) throw usageError('--system wants a store path: /nix/store/…');
  const finish = oneOf<FinishAction>(v.finish, ['poweroff', 'reboot', 'none'], '--finish') ?? 'poweroff';
  if (v['age-key-name'] !== undefined && v['age-key-path'] !== undefined)
    throw usageError('give --age-key-name or --age-key-path, not both', '--age-key-path names the whole path on the new system');
  if (v.chown && v['extra-files'] === undefined) throw usageError('--chown sets owners of --extra-files: give --extra-files DIR too');
  if (v.wait && finish !== 'reboot') throw usageError('--wait needs --finish reboot');
  if (v['write-disk-config'] !== undefined && layout !== undefined && layout !== 'labels')
    throw usageError(
      '--write-disk-config describes the labels layout',
      `with --layout ${layout} the disks are laid out by ${layout === 'disko' ? 'the disko config' : 'you'}`,
    );
  const iterTimeMs = wholeNumber(v['luks-iter-time'], '--luks-iter-time', 60_000);
  const ageKey = v['age-key'];
  const flags: ChoiceFlags = {
    help: v.help === true,
    ...(positionals[0] !== undefined ? { target: parseTarget(positionals[0], { port: connection.port }) } : {}),
    ...connection,
    layout,
    luks: v.luks,
    luksPassphraseFile: v['luks-passphrase-file'],
    diskoMode: oneOf<DiskoMode>(v['disko-mode'], ['disko', 'format', 'mount'], '--disko-mode'),
    diskEncryptionKeys: checkDiskEncryptionKeys(v['disk-encryption-keys'] ?? []),
    efiSize: v['efi-size'],
    swap: v.swap,
    luksChoice: { label: checkLuksLabel(v['luks-label']), name: checkLuksName(v['luks-name']), ...(iterTimeMs !== undefined ? { iterTimeMs } : {}) },
    labels: layoutLabels(v),
    mkdirs: checkMkdirs(v.mkdir),
    postMount: v['post-mount'] ?? [],
    tmpstore: v.tmpstore === true,
    flake,
    host: v.host,
    mode: oneOf<InstallMode>(v.mode, ['flake', 'clone', 'prebuilt', 'copy'], '--mode'),
    repo: v.repo,
    repoPath: checkRepoPath(v['repo-path']),
    systemPath: v.system,
    ageKey: ageKey === undefined || ageKey === 'generate' || ageKey === 'none' ? ageKey : { file: ageKey },
    ageKeyOut: v['age-key-out'],
    replaceAgeKey: v['replace-age-key'] === true,
    ageKeyName: v['age-key-name'] !== undefined ? checkLabel(v['age-key-name'], '', '--age-key-name', 64) : undefined,
    ageKeyPath: checkAgeKeyPath(v['age-key-path']),
    secretsDir: v.secrets,
    allowUnreadableSecrets: v['allow-unreadable-secrets'] === true,
    hostKeyFile: v['host-key'],
    waitTimeoutMs: v.wait ? wholeNumber(v['wait-timeout'] ?? '600', '--wait-timeout', 86_400)! * 1000 : undefined,
    skipBootCheck: v['skip-boot-check'] === true,
    writeDiskConfig: v['write-disk-config'],
    extraFiles: v['extra-files'],
    ...(v['generate-hardware-config'] !== undefined ? { hardwareConfig: parseHardwareConfig(v['generate-hardware-config']) } : {}),
    allowMissingHardwareConfig: v['allow-missing-hardware-config'] === true,
    chown: (v.chown ?? []).map(parseChown),
    dryRun: v['dry-run'] === true,
    yes: v.yes === true,
    resume: v.resume === true,
    json: v.json === true,
    finish,
    logFile: v.log,
    givenFlags: Object.keys(v).filter((flag) => v[flag as keyof typeof v] !== undefined),
  };
  return { flags, values, positionals };
}

const pairedExamples: Record<string, string> = {
  '--chown': '/persist/home/me 1000:100',
  '--generate-hardware-config': 'nixos-generate-config ./hosts/web/hardware-configuration.nix',
  '--disk-encryption-keys': '/tmp/secret.key ./secret.key',
};

/** Flags that take two values (nixos-anywhere's `--chown PATH UID:GID`): joined for parseArgs. */
const pairedFlags = ['--chown', '--generate-hardware-config', '--disk-encryption-keys'];

/** argv with each two-value flag's values joined by a NUL (split again with unpairFlagValues). */
export function pairFlagValues(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i]!;
    if (arg === '--') {
      out.push(...argv.slice(i));
      break;
    }
    if (!pairedFlags.includes(arg)) {
      out.push(arg);
      continue;
    }
    const [first, second] = [argv[i + 1], argv[i + 2]];
    if (first === undefined || second === undefined || first.startsWith('-') || second.startsWith('-'))
      throw usageError(`${arg} takes two values`, `e.g. ${arg} ${pairedExamples[arg] ?? 'A B'}`);
    out.push(arg, `${first}\0${second}`);
    i += 2;
  }
  return out;
}

export const unpairFlagValues = (argv: string[]) => argv.flatMap((arg) => arg.split('\0'));

/** --generate-hardware-config nixos-generate-config|nixos-facter PATH. */
function parseHardwareConfig(value: string): { generator: HardwareGenerator; path: string } {
  const [generator = '', path = ''] = value.split('\0');
  return { generator: oneOf(generator, hardwareGenerators, '--generate-hardware-config')!, path };
}

/** The largest owner id Linux hands out ((uid_t)-1 means none). */
const maxId = 4_294_967_294;

/** --chown PATH UID:GID: a path inside the new system and numeric owners. */
function parseChown(value: string): { path: string; uid: number; gid: number } {
  const [path = '', owner = ''] = value.split('\0');
  const ids = /^(\d+):(\d+)$/.exec(owner);
  const [uid, gid] = [Number(ids?.[1]), Number(ids?.[2])];
  if (!ids || uid > maxId || gid > maxId)
    throw usageError(`--chown ${path} ${owner}: the owner must be UID:GID in numbers`, 'the new system has no user names yet, e.g. 1000:100');
  // Never the new system's root directory, whatever the spelling (/., //, /persist/..).
  if (!isPlainAbsolutePath(path)) throw usageError(`--chown '${path}': give a path inside the new system, e.g. /persist/home/me`);
  return { path, uid, gid };
}

/** --extra-files and --chown as the plan's choice (the directory itself is checked before contact). */
export const extraFilesChoice = (flags: Pick<ChoiceFlags, 'extraFiles' | 'chown'>): ExtraFiles | null =>
  flags.extraFiles !== undefined ? { dir: resolve(flags.extraFiles), owners: flags.chown } : null;

/** Where the new system keeps the age identity: --age-key-path, else /etc/age/(--age-key-name or the host).agekey. */
export const ageKeyTargetPath = (flags: Pick<ChoiceFlags, 'ageKeyPath' | 'ageKeyName'>, host: string | undefined): string =>
  flags.ageKeyPath ?? defaultAgeKeyPath(flags.ageKeyName ?? (host || 'host'));

/** The install mode and where it takes the system from; flake mode unless --mode says otherwise. */
export const installChoice = (flags: Pick<ChoiceFlags, 'mode' | 'repo' | 'repoPath' | 'systemPath'>): InstallChoice => ({
  mode: flags.mode ?? 'flake',
  ...(flags.repo !== undefined ? { repo: flags.repo } : {}),
  repoPath: flags.repoPath,
  ...(flags.systemPath !== undefined ? { systemPath: flags.systemPath } : {}),
});

/** The host name the flags give: the flake's `#HOST`, else --host. */
export const flagsHost = (flags: Pick<ChoiceFlags, 'flake' | 'host'>): string | undefined => flags.flake?.host ?? flags.host;

/**
 * The configuration the flags name completely, or undefined when a flag the mode needs is
 * missing: a flake (flake, copy), a repository and a host (clone: the repository is the source),
 * a store path and a host (prebuilt).
 */
export function flakeChoice(flags: Pick<ChoiceFlags, 'mode' | 'flake' | 'repo' | 'systemPath' | 'host'>): Choices['flake'] | undefined {
  const mode = flags.mode ?? 'flake';
  const host = flagsHost(flags);
  if (mode === 'flake' || mode === 'copy') return flags.flake ? { uri: flags.flake.uri, host: flags.flake.host } : undefined;
  if (!host) return undefined;
  if (mode === 'clone') return flags.repo ? { uri: flags.repo, host } : undefined;
  return flags.systemPath ? { uri: flags.flake?.uri ?? '', host } : undefined;
}
