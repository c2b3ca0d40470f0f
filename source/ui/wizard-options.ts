// The wizard's flags: the same spec as `install`, parsed leniently (nothing is required: a
// missing value is asked on its screen), but every value that IS given is checked up front.
import { usageError } from '../core/exit-codes.js';
import { parseFlakeRef } from '../core/plan/flake-ref.js';
import { parseSizeMiB } from '../core/plan/sizes.js';
import type { FinishAction, InstallMode, Labels, LayoutKind } from '../core/plan/types.js';
import { parseTarget } from '../core/ssh/target.js';
import type { Target } from '../core/ssh/types.js';
import { installFlagSpec } from '../headless/install-options.js';
import { checkEfiSize, checkHostName, checkLabel, checkLuksLabel, checkLuksName, checkMkdirs, checkRepoPath, connectionFlags, layoutLabels, oneOf, wholeNumber, type ConnectionFlags } from '../flag-values.js';
import { parseFlags } from '../parse-flags.js';
import { wizardHelp } from './wizard-help.js';

export const wizardFlagSpec = {
  ...installFlagSpec,
  timeout: { type: 'string' },
  interface: { type: 'string', multiple: true },
  name: { type: 'string', multiple: true },
} as const;

export type AgeKeySource = 'generate' | 'none' | { file: string };

/** What the flags decided; everything optional is asked on its screen. */
export interface WizardPreset extends ConnectionFlags {
  help: boolean;
  target?: Target;
  layout?: LayoutKind;
  luks?: boolean;
  luksPassphraseFile?: string;
  efiSize?: string;
  swap?: string;
  luksLabel: string;
  luksName: string;
  luksIterTimeMs?: number;
  labels: Labels;
  mkdirs: string[];
  postMount: string[];
  tmpstore: boolean;
  /** `URI#host` as given (already checked). */
  flake?: string;
  mode?: InstallMode;
  repo?: string;
  repoPath: string;
  systemPath?: string;
  host?: string;
  ageKey?: AgeKeySource;
  ageKeyOut?: string;
  /** --replace-age-key: a new key may overwrite an existing file. */
  replaceAgeKey: boolean;
  ageKeyName?: string;
  secretsDir?: string;
  allowUnreadableSecrets: boolean;
  dryRun: boolean;
  finish: FinishAction;
  logFile?: string;
  discovery: { timeoutMs?: number; interfaces: string[]; names: string[] };
}

function seconds(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value.trim()) || !(number > 0) || number > 3600) {
    throw usageError(`--timeout must be a number of seconds between 0 and 3600, not '${value}'`);
  }
  return Math.round(number * 1000);
}

/** Parses the wizard's argv; a bad value is a usage error (exit 2) before anything starts. */
export function parseWizardFlags(argv: string[], env: NodeJS.ProcessEnv = process.env): WizardPreset {
  const { values: v, positionals } = parseFlags(argv, wizardFlagSpec, wizardHelp);
  if (v.json) throw usageError('the wizard has no --json', 'for NDJSON events use: nixos-bootstrap install --json …');
  if (v.resume) throw usageError('--resume belongs to install', 'continue a stopped run with: nixos-bootstrap install --resume TARGET');
  // Accepted and then ignored, these would install no host key or wait for nothing unnoticed.
  for (const flag of ['host-key', 'wait', 'wait-timeout'] as const) {
    if (v[flag] !== undefined) throw usageError(`--${flag} belongs to install`, `the wizard has no --${flag} yet: use nixos-bootstrap install --${flag} …`);
  }
  if (v.yes) throw usageError('the wizard confirms by asking you to type the disk name, not --yes', 'for unattended installs use: nixos-bootstrap install --yes …');
  if (positionals.length > 1) throw usageError(`unexpected argument '${positionals[1]}'`, 'give at most one TARGET');
  if (v['luks-passphrase-file'] === '-') {
    throw usageError('the wizard reads the terminal, not a passphrase on stdin', 'give --luks-passphrase-file FILE, or type the passphrase on the encryption screen');
  }

  const connection = connectionFlags(v, env);
  const flake = v.flake !== undefined ? parseFlakeRef(v.flake) : undefined;
  checkHostName(v.host);
  const mode = oneOf<InstallMode>(v.mode, ['flake', 'clone', 'prebuilt', 'copy'], '--mode');
  if (v.system !== undefined && !v.system.startsWith('/nix/store/')) throw usageError('--system wants a store path: /nix/store/…');
  const layout = oneOf<LayoutKind>(v.layout, ['labels', 'disko', 'mounted'], '--layout');
  if (v.luks && layout === 'disko') throw usageError('--luks does not apply to --layout disko: the disko config decides encryption');
  if (v['efi-size'] !== undefined) checkEfiSize(v['efi-size']);
  if (v.swap !== undefined) parseSizeMiB(v.swap, '--swap');
  const finish = oneOf<FinishAction>(v.finish, ['poweroff', 'reboot', 'none'], '--finish') ?? 'poweroff';
  const ageKeyFlag = v['age-key'];
  const ageKey: AgeKeySource | undefined =
    ageKeyFlag === undefined ? undefined : ageKeyFlag === 'generate' || ageKeyFlag === 'none' ? ageKeyFlag : { file: ageKeyFlag };

  return {
    help: v.help === true,
    target: positionals[0] !== undefined ? parseTarget(positionals[0], { port: connection.port }) : undefined,
    ...connection,
    layout,
    luks: v.luks,
    luksPassphraseFile: v['luks-passphrase-file'],
    efiSize: v['efi-size'],
    swap: v.swap,
    luksLabel: checkLuksLabel(v['luks-label']),
    luksName: checkLuksName(v['luks-name']),
    luksIterTimeMs: wholeNumber(v['luks-iter-time'], '--luks-iter-time', 60_000),
    labels: layoutLabels(v),
    mkdirs: checkMkdirs(v.mkdir),
    postMount: v['post-mount'] ?? [],
    tmpstore: v.tmpstore === true,
    flake: flake ? `${flake.uri}#${flake.host}` : undefined,
    mode,
    repo: v.repo,
    repoPath: checkRepoPath(v['repo-path']),
    systemPath: v.system,
    host: v.host,
    ageKey,
    ageKeyOut: v['age-key-out'],
    replaceAgeKey: v['replace-age-key'] === true,
    ageKeyName: v['age-key-name'] !== undefined ? checkLabel(v['age-key-name'], '', '--age-key-name', 64) : undefined,
    secretsDir: v.secrets,
    allowUnreadableSecrets: v['allow-unreadable-secrets'] === true,
    dryRun: v['dry-run'] === true,
    finish,
    logFile: v.log,
    discovery: { timeoutMs: seconds(v.timeout), interfaces: v.interface ?? [], names: v.name ?? [] },
  };
}
