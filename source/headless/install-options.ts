import { exitCodeHelp, usageError } from '../core/exit-codes.js';
import { parseFlakeRef } from '../core/plan/flake-ref.js';
import { parseSizeMiB } from '../core/plan/sizes.js';
import type { Choices, FinishAction, InstallMode, Layout, LuksChoice } from '../core/plan/types.js';
import { checkEfiSize, checkHostName, checkLabel, checkLuksLabel, checkLuksName, checkMkdirs, checkRepoPath, connectionFlags, layoutLabels, oneOf, wholeNumber, type ConnectionFlags } from '../flag-values.js';
import { parseFlags } from '../parse-flags.js';

export const installHelp = `Usage: nixos-bootstrap install [TARGET] [options]

Plans and runs an install on a NixOS live installer, without the wizard. Every choice is a flag;
nothing is written to a disk without --yes. Progress goes to the terminal, or as NDJSON with --json.

Target (default: the one installer 'discover' finds)
  TARGET                      [user@]host[:port]; IPv6 link-local with its interface: fe80::47%eth0
  -p, --port PORT             SSH port (default 22)
  -i, --identity FILE         SSH private key (repeatable; default: ssh-agent, then ~/.ssh/id_*)
  --env-password              also try the password in $SSH_PASS
  --expect-fingerprint FP     refuse any other host key (SHA256:…), exit 3
  --force                     install even if the target is not a NixOS installer (only that)

Disk and layout
  --disk DEV                  disk to install on (or $INSTALL_DISK); /dev/disk/by-id/… recommended
  --layout labels|disko|mounted   default labels: GPT with ESP, optional swap, root
  --efi-size SIZE             ESP size (default 512M)
  --swap SIZE                 swap partition size (default none), e.g. 8G
  --luks                      encrypt the root partition with LUKS2
  --luks-passphrase-file FILE the passphrase, from a file or - for stdin (never as an argument)
  --luks-label LABEL          LUKS header label (default cryptroot)
  --luks-name NAME            mapper name (default cryptroot)
  --luks-iter-time MS         PBKDF time per unlock (default: cryptsetup's)
  --label-efi, --label-root, --label-swap LABEL   filesystem labels (default boot, nixos, swap)
  --mkdir DIR                 create /mnt/DIR after mounting (repeatable)
  --post-mount CMD            run CMD on the target after mounting (repeatable)
  --tmpstore                  put new store paths on the disk (installers running from RAM)

System
  --flake URI#HOST            the configuration, e.g. github:me/nixos#web or .#web
  --mode flake|clone|prebuilt|copy   how to install (default flake)
  --repo URL                  clone: repository to clone on the target
  --repo-path PATH            clone: where (default /mnt/nix-config)
  --system PATH               prebuilt: store path of a system closure on the installer
  --host NAME                 host name when there is no --flake (prebuilt)

Age key (for agenix/sops secrets on first boot)
  --age-key generate|FILE|none   generate a new key (default) or use an existing identity file
  --age-key-out FILE          where the new private key is saved, mode 0600 (default ./HOST.agekey;
                              inside the flake directory: ~/.local/state/nixos-bootstrap/keys/)
  --replace-age-key           let a new key replace an existing --age-key-out file
  --age-key-name NAME         file name on the target: /mnt/etc/age/NAME.agekey (default HOST)
  --secrets DIR               check these *.age files decrypt with the key (default: secrets/ of a local flake)
  --allow-unreadable-secrets  go on even if some secrets would not decrypt

Run
  --dry-run                   print the plan and change nothing
  --yes                       confirm the plan (required to write to the disk)
  --resume                    carry on where the last run on this installer stopped
  --finish poweroff|reboot|none   after a successful install (default poweroff)
  --wait                      with --finish reboot: wait for the new system's SSH, show its host key
  --wait-timeout S            how long --wait waits (default 600)
  --host-key FILE             SSH host key (private, e.g. from ssh-keygen -t ed25519) the new system
                              starts with; its public key is recorded so first logins are trusted
  --log FILE                  log file (default ~/.local/state/nixos-bootstrap/HOST-TIME.log)
  --json                      NDJSON events on stdout
  --allow-loop-disks          lab only: let loop devices be chosen as disks
  -h, --help

${exitCodeHelp}
`;

export const installFlagSpec = {
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
  'allow-loop-disks': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Everything `install` was asked to do; the choices lack only the disk and the age recipient. */
export interface InstallRequest extends ConnectionFlags {
  help: boolean;
  target?: string;
  choices: Omit<Choices, 'disk' | 'ageKey' | 'hostKey'>;
  luksPassphraseFile?: string;
  ageKey: 'generate' | 'none' | { file: string };
  ageKeyOut?: string;
  /** --replace-age-key: a new key may overwrite the file at ageKeyOut. */
  replaceAgeKey: boolean;
  ageKeyName: string;
  secretsDir?: string;
  allowUnreadableSecrets: boolean;
  hostKeyFile?: string;
  waitTimeoutMs?: number;
  dryRun: boolean;
  yes: boolean;
  resume: boolean;
  logFile?: string;
  json: boolean;
  /** Long names of the flags given on the command line (a resume checks them against its journal). */
  givenFlags: string[];
}

/** Parses and checks every flag (exit 2 on anything wrong) before anything is contacted. */
export function parseInstallFlags(argv: string[], env: NodeJS.ProcessEnv = process.env): InstallRequest {
  const { values: v, positionals } = parseFlags(argv, installFlagSpec, installHelp);
  if (positionals.length > 1) throw usageError(`unexpected argument '${positionals[1]}'`, 'give at most one TARGET');
  const mode = oneOf<InstallMode>(v.mode, ['flake', 'clone', 'prebuilt', 'copy'], '--mode') ?? 'flake';
  const layoutKind = oneOf(v.layout, ['labels', 'disko', 'mounted'] as const, '--layout') ?? 'labels';
  const finish = oneOf<FinishAction>(v.finish, ['poweroff', 'reboot', 'none'], '--finish') ?? 'poweroff';
  const help = v.help === true;

  const flake = v.flake !== undefined ? parseFlakeRef(v.flake) : undefined;
  const host = flake?.host ?? v.host;
  const needsHost = !help && !v.resume;
  if (needsHost && mode !== 'prebuilt' && mode !== 'clone' && !flake) throw usageError('--flake URI#HOST is required', 'e.g. --flake github:me/nixos-config#web');
  if (needsHost && !host) throw usageError('no host name: give --flake URI#HOST or --host NAME');
  checkHostName(v.host);
  if (mode === 'clone' && needsHost && !v.repo) throw usageError('--mode clone needs --repo URL');
  if (mode === 'prebuilt' && needsHost && !v.system?.startsWith('/nix/store/')) throw usageError('--mode prebuilt needs --system /nix/store/…');
  if (layoutKind === 'disko' && needsHost && !flake) throw usageError('--layout disko needs --flake (the disko config lives in the flake)');
  if (v.wait && finish !== 'reboot') throw usageError('--wait needs --finish reboot');

  const luks: LuksChoice | null = v.luks
    ? {
        label: checkLuksLabel(v['luks-label']),
        name: checkLuksName(v['luks-name']),
        ...(v['luks-iter-time'] ? { iterTimeMs: wholeNumber(v['luks-iter-time'], '--luks-iter-time', 60_000)! } : {}),
      }
    : null;
  if (luks && needsHost && !v['luks-passphrase-file']) {
    throw usageError('--luks needs --luks-passphrase-file FILE (or - for stdin)', 'the passphrase is never accepted as an argument');
  }
  if (v.luks && layoutKind === 'disko') throw usageError('--luks does not apply to --layout disko: the disko config decides encryption');
  const layout: Layout =
    layoutKind === 'labels'
      ? { kind: 'labels', efiSizeMiB: checkEfiSize(v['efi-size']), swapSizeMiB: parseSizeMiB(v.swap ?? '0', '--swap'), luks }
      : layoutKind === 'mounted'
        ? { kind: 'mounted', luks }
        : { kind: 'disko' };

  const mkdirs = checkMkdirs(v.mkdir);
  const ageKeyFlag = v['age-key'] ?? 'generate';
  return {
    help,
    target: positionals[0],
    ...connectionFlags(v, env),
    choices: {
      layout,
      labels: layoutLabels(v),
      mkdirs,
      postMount: v['post-mount'] ?? [],
      tmpstore: v.tmpstore === true,
      flake: { uri: flake?.uri ?? v.repo ?? '', host: host ?? '' },
      install: { mode, repo: v.repo, repoPath: checkRepoPath(v['repo-path']), systemPath: v.system },
      finish,
    },
    luksPassphraseFile: v['luks-passphrase-file'],
    ageKey: ageKeyFlag === 'generate' || ageKeyFlag === 'none' ? ageKeyFlag : { file: ageKeyFlag },
    ageKeyOut: v['age-key-out'],
    replaceAgeKey: v['replace-age-key'] === true,
    ageKeyName: checkLabel(v['age-key-name'], host ?? 'host', '--age-key-name', 64),
    secretsDir: v.secrets,
    allowUnreadableSecrets: v['allow-unreadable-secrets'] === true,
    hostKeyFile: v['host-key'],
    waitTimeoutMs: v.wait ? (wholeNumber(v['wait-timeout'] ?? '600', '--wait-timeout', 86_400)! * 1000) : undefined,
    dryRun: v['dry-run'] === true,
    yes: v.yes === true,
    resume: v.resume === true,
    logFile: v.log,
    json: v.json === true,
    givenFlags: Object.keys(v).filter((flag) => v[flag as keyof typeof v] !== undefined),
  };
}
