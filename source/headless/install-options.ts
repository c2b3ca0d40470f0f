import { defaultConcurrency, defaultEfiSize } from '../core/defaults.js';
import { exitCodeHelp, usageError } from '../core/exit-codes.js';
import type { Choices, Plan } from '../core/plan/types.js';
import {
  ageKeyTargetPath,
  choiceFlagSpec,
  extraFilesChoice,
  flakeChoice,
  flagsHost,
  installChoice,
  parseChoiceFlags,
  type AgeKeySource,
  type ChoiceFlags,
  pairFlagValues,
  unpairFlagValues,
} from '../flags/choice-flags.js';
import { parseFlags } from '../flags/parse-flags.js';
import { checkLabel, layoutFrom, wholeNumber } from '../flags/flag-values.js';
import { parseArgs } from 'node:util';

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
  --disk DEV                  disk to install on (or $INSTALL_DISK); /dev/disk/by-id/… recommended;
                              only:BUS (nvme, sata, virtio, …) is the one eligible disk on that bus,
                              refused if there are none or several: one flag for identical machines
  --layout labels|disko|mounted   default labels: GPT with ESP, optional swap, root
  --efi-size SIZE             ESP size (default 512M)
  --swap SIZE                 swap partition size (default none), e.g. 8G
  --luks                      encrypt the root partition with LUKS2
  --luks-passphrase-file FILE the passphrase, from a file or - for stdin (never as an argument)
  --luks-label LABEL          LUKS header label (default cryptroot)
  --luks-name NAME            mapper name (default cryptroot)
  --luks-iter-time MS         PBKDF time per unlock (default: cryptsetup's)
  --label-efi, --label-root, --label-swap LABEL   filesystem labels (default boot, nixos, swap)
  --disko-mode disko|format|mount   with --layout disko: disko wipes, formats and mounts (default);
                              format keeps what matches the config and renames, retypes or
                              formats the rest of the disk, then mounts; mount only mounts an
                              existing install (repair, or a resume), nothing is formatted
  --disk-encryption-keys REMOTE LOCAL   with --layout disko: LOCAL's content is written to REMOTE
                              (in the installer's RAM, mode 0600) for the disko config's LUKS
                              passwordFile/keyFile, and removed when disko exits (repeatable)
  --mkdir DIR                 create /mnt/DIR after mounting (repeatable)
  --extra-files DIR           copy DIR's files into the new system before installing (DIR/etc/x →
                              /etc/x), modes kept, owned by root; symlinks must stay inside DIR
  --chown PATH UID:GID        then give PATH (recursively) to UID:GID (repeatable)
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
  --age-key-name NAME         the key is /etc/age/NAME.agekey on the new system (default HOST)
  --age-key-path PATH         or any path there, e.g. /var/lib/sops-nix/key.txt (its directory is
                              made 700: one of its own)
  --secrets DIR               check these *.age files decrypt with the key (default: secrets/ of a local flake)
  --allow-unreadable-secrets  go on even if some secrets would not decrypt

Run
  --dry-run                   print the plan and change nothing
  --generate-hardware-config nixos-generate-config|nixos-facter PATH
                              before the plan, run the generator on the installer (read-only) and
                              write its result to PATH in the local flake (git add -N); for a remote
                              flake it is saved aside and --yes needs --allow-missing-hardware-config
  --allow-missing-hardware-config   install a remote flake that cannot see the generated file
  --write-disk-config PATH    write the labels layout as a NixOS module (fileSystems, swap, LUKS,
                              the disk's initrd driver) to PATH inside the local flake, git add -N
                              (an edited one is never replaced)
  --skip-boot-check           install even if the configuration would not mount / from what this
                              install creates (the check runs nix eval here, or on the installer
                              when this machine has no Nix)
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

Many machines (install --hosts FILE --all --yes)
  --hosts FILE                which machine gets which configuration (JSON; TOML if FILE ends in
                              .toml, [[hosts]] tables with the same keys): discovery finds them
                              all, each is matched to its entry and installed with its own session,
                              journal, log and age key. FILE: { "hosts": [ { "mac": "52:54:00:12:34:56",
                              "flake": "./config#web1", "disk": "/dev/disk/by-id/…" }, … ] }; an entry
                              names its machine by "mac", "fingerprint" (its host key) and/or "name"
                              (mDNS) and holds that machine's flags (true for a switch, a list to
                              repeat one); flags on the command line apply to every machine. A
                              machine matched without "fingerprint" needs a host key trusted before.
  --all                       install every machine in FILE that answers
  --only HOST                 only these (the flake host of their entries; repeatable, or a,b)
  --concurrency N             machines installed at once (default ${defaultConcurrency})
                              Installers no entry names are listed, never installed. One machine's
                              failure stops no other; the exit status is the worst one (130, 1,
                              3, 4, 2), 0 only when every machine is installed.

${exitCodeHelp}
`;

/** Each machine's run listens for Ctrl-C, and two cores serve this many SSH sessions well. */
const maxConcurrency = 16;

export const fleetFlagSpec = {
  hosts: { type: 'string' },
  all: { type: 'boolean' },
  only: { type: 'string', multiple: true },
  concurrency: { type: 'string' },
} as const;

export const installFlagSpec = { ...choiceFlagSpec, ...fleetFlagSpec };

/** install --hosts: the command's own flags, and the rest of argv, which every machine's entry extends. */
export interface FleetRequest {
  hostsFile: string;
  /** Flake host names to install; undefined: --all. */
  only?: string[];
  concurrency: number;
  json: boolean;
  resume: boolean;
  dryRun: boolean;
  /** argv without the --hosts/--all/--only/--concurrency flags. */
  sharedArgs: string[];
}

/** argv without the flags named (and their values), in either form (`--flag value`, `--flag=value`). */
export function withoutFlags(argv: string[], names: string[]): string[] {
  const paired = pairFlagValues(argv);
  const { tokens } = parseArgs({ args: paired, options: installFlagSpec, strict: false, allowPositionals: true, tokens: true });
  const dropped = new Set<number>();
  for (const token of tokens) {
    if (token.kind !== 'option' || !names.includes(token.name)) continue;
    dropped.add(token.index);
    if (token.value !== undefined && !token.inlineValue) dropped.add(token.index + 1);
  }
  return unpairFlagValues(paired.filter((_, index) => !dropped.has(index)));
}

/** The --hosts request, or undefined for a one-machine install (whose argv may then hold no fleet flag). */
export function parseFleetRequest(argv: string[], wizard = false): FleetRequest | undefined {
  const paired = pairFlagValues(argv);
  const { values, positionals } = parseFlags(paired, installFlagSpec, installHelp);
  const fleet = (Object.keys(fleetFlagSpec) as Array<keyof typeof fleetFlagSpec>).filter((name) => values[name] !== undefined);
  if (values.help) return undefined;
  if (values.hosts === undefined) {
    if (fleet.length) throw usageError(`--${fleet[0]} needs --hosts FILE`, 'one machine is installed without it: nixos-bootstrap install TARGET …');
    return undefined;
  }
  const hostsFile = String(values.hosts);
  if (positionals.length) throw usageError(`--hosts finds its machines on the LAN: no TARGET ('${positionals[0]}')`, 'name machines in the hosts file');
  if (values['expect-fingerprint'] !== undefined)
    throw usageError('--expect-fingerprint names one machine: with --hosts each entry names its own', 'give "fingerprint" in the entries');
  if (values.log !== undefined) throw usageError('--log names one file: with --hosts each machine has its own log', 'leave --log out');
  if (values['luks-passphrase-file'] === '-') throw usageError('--hosts reads no passphrase on stdin', 'give --luks-passphrase-file FILE');
  const only = (values.only as string[] | undefined)?.flatMap((list) => list.split(',')).map((name) => name.trim());
  if (values.all && only) throw usageError('--all or --only, not both');
  // The wizard marks the machines on its list (--only pre-marks them); install needs them named.
  if (!wizard && !values.all && !only) throw usageError('--hosts needs --all (every machine in the file) or --only HOST');
  return {
    hostsFile,
    ...(only ? { only } : {}),
    concurrency: wholeNumber(values.concurrency as string | undefined, '--concurrency', maxConcurrency) ?? defaultConcurrency,
    json: values.json === true,
    resume: values.resume === true,
    dryRun: values['dry-run'] === true,
    sharedArgs: withoutFlags(argv, Object.keys(fleetFlagSpec)),
  };
}

/** Everything `install` was asked to do; the choices lack only the disk and the age recipient. */
export interface InstallRequest extends ChoiceFlags {
  choices: Omit<Choices, 'disk' | 'ageKey' | 'hostKey'>;
  ageKey: AgeKeySource;
  ageKeyName: string;
  /** Where the new system keeps the identity. */
  ageKeyTarget: string;
  /** install --hosts: the MAC the entry named, confirmed over the logged-in session before anything is written. */
  expectMac?: string;
  /** install --hosts: Ctrl-C; a machine not yet started stops before its first phase. */
  stop?: AbortSignal;
  /**
   * The many-machines wizard: the plan is shown and confirmed there (typed), instead of --yes.
   * Resolves when the run may start (confirmed, and its turn came); throws to stop before any phase.
   */
  confirm?: (plan: Plan) => Promise<void>;
  /** Where Ctrl-C comes from while a run goes on (emits 'SIGINT'); default the process's signals. */
  interrupts?: NodeJS.EventEmitter;
}

/** Parses and checks every flag (exit 2 on anything wrong) before anything is contacted. */
export function parseInstallFlags(argv: string[], env: NodeJS.ProcessEnv = process.env): InstallRequest {
  const { flags } = parseChoiceFlags(argv, installFlagSpec, installHelp, env);
  const install = installChoice(flags);
  const layoutKind = flags.layout ?? 'labels';
  const host = flagsHost(flags);
  // A resume takes its choices from the journal, so only a new run needs them all.
  if (!flags.help && !flags.resume) {
    if (install.mode !== 'prebuilt' && install.mode !== 'clone' && !flags.flake)
      throw usageError('--flake URI#HOST is required', 'e.g. --flake github:me/nixos-config#web');
    if (!host) throw usageError('no host name: give --flake URI#HOST or --host NAME');
    if (install.mode === 'clone' && !flags.repo) throw usageError('--mode clone needs --repo URL');
    if (install.mode === 'prebuilt' && !flags.systemPath) throw usageError('--mode prebuilt needs --system /nix/store/…');
    if (layoutKind === 'disko' && !flags.flake) throw usageError('--layout disko needs --flake (the disko config lives in the flake)');
    if (flags.luks && !flags.luksPassphraseFile) {
      throw usageError('--luks needs --luks-passphrase-file FILE (or - for stdin)', 'the passphrase is never accepted as an argument');
    }
  }
  return {
    ...flags,
    choices: {
      layout: layoutFrom(
        {
          kind: layoutKind,
          luks: flags.luks === true,
          efiSize: flags.efiSize ?? defaultEfiSize,
          swapSize: flags.swap ?? '0',
          diskoMode: flags.diskoMode,
          diskEncryptionKeys: flags.diskEncryptionKeys,
        },
        flags.luksChoice,
      ),
      labels: flags.labels,
      mkdirs: flags.mkdirs,
      postMount: flags.postMount,
      tmpstore: flags.tmpstore,
      flake: flakeChoice(flags) ?? { uri: '', host: host ?? '' },
      install,
      extraFiles: extraFilesChoice(flags),
      finish: flags.finish,
    },
    ageKey: flags.ageKey ?? 'generate',
    ageKeyName: checkLabel(flags.ageKeyName, host ?? 'host', '--age-key-name', 64),
    ageKeyTarget: ageKeyTargetPath(flags, host),
  };
}
