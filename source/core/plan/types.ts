import type { PhaseId } from './phases/index.js';

/** Secrets never appear in a plan: a command names the secret it reads on stdin instead. */
export type SecretName = 'luks-passphrase' | 'age-identity' | 'host-key' | DiskEncryptionKeyName;

/** The content of the Nth --disk-encryption-keys file (counted from 0, in the order given). */
export type DiskEncryptionKeyName = `disk-encryption-key-${number}`;
export const diskEncryptionKeyName = (index: number): DiskEncryptionKeyName => `disk-encryption-key-${index}`;
/** Which --disk-encryption-keys file a secret's name stands for; undefined for other secrets. */
export const diskEncryptionKeyIndex = (name: string): number | undefined => {
  const match = /^disk-encryption-key-(\d+)$/.exec(name);
  return match ? Number(match[1]) : undefined;
};

/** The secrets of one run, held in memory only and handed to commands on stdin. */
export type Secrets = Partial<Record<SecretName, string>>;

export type LayoutKind = 'labels' | 'disko' | 'mounted';
export type InstallMode = 'flake' | 'clone' | 'prebuilt' | 'copy';
export type FinishAction = 'poweroff' | 'reboot' | 'none';

export interface Labels {
  efi: string;
  root: string;
  swap: string;
}

export interface LuksChoice {
  /** LUKS2 header label (shows up as /dev/disk/by-label/<label>). */
  label: string;
  /** Mapper name: /dev/mapper/<name>. */
  name: string;
  /** PBKDF time per unlock; cryptsetup's default when unset. */
  iterTimeMs?: number;
}

export interface LabelsLayout {
  kind: 'labels';
  efiSizeMiB: number;
  /** 0 = no swap partition. */
  swapSizeMiB: number;
  luks: LuksChoice | null;
}

/** disko's modes as nixos-anywhere names them: disko = destroy,format,mount; format = format,mount; mount = mount only. */
export type DiskoMode = 'disko' | 'format' | 'mount';

export interface DiskoLayout {
  kind: 'disko';
  mode: DiskoMode;
  /** --disk-encryption-keys REMOTE LOCAL: files the disko config reads (LUKS passwordFile, keyFile), on the installer only while disko runs. */
  keys: DiskEncryptionKey[];
}

export interface DiskEncryptionKey {
  /** Absolute path on the installer, on a RAM filesystem (tmpfs). */
  remote: string;
  /** Absolute path on this machine; read when the run starts, sent on stdin. */
  local: string;
}

/** The user partitioned and formatted by hand; mount by label. */
export interface MountedLayout {
  kind: 'mounted';
  luks: LuksChoice | null;
}

export type Layout = LabelsLayout | DiskoLayout | MountedLayout;

export interface ExtraFiles {
  /** Absolute local directory. */
  dir: string;
  /** --chown PATH UID:GID, PATH inside the new system. */
  owners: Array<{ path: string; uid: number; gid: number }>;
}

export interface InstallChoice {
  mode: InstallMode;
  /** clone: repository URL. */
  repo?: string;
  /** clone: where the repository is cloned on the target. */
  repoPath: string;
  /** prebuilt/copy: the system closure's store path. */
  systemPath?: string;
}

/** Everything the user decided (wizard screens or flags). Contains no secret. */
export interface Choices {
  /** Device path as chosen: /dev/vda or /dev/disk/by-id/…; resolved against the facts. */
  disk: string;
  layout: Layout;
  labels: Labels;
  /** Extra directories created under /mnt after mounting. */
  mkdirs: string[];
  /** Extra commands run on the target after mounting. */
  postMount: string[];
  tmpstore: boolean;
  flake: {
    /** As the user wrote it, without `#host`: `github:me/nixos`, `./config`, … */
    uri: string;
    host: string;
    /** Absolute local directory when the flake is on this machine: it is uploaded to the target. */
    localPath?: string;
  };
  install: InstallChoice;
  /** Age key hand-off: the public key, and where the new system keeps the identity (/etc/age/HOST.agekey). */
  ageKey: { recipient: string; path: string } | null;
  /** --extra-files: a local directory copied into /mnt before the install, and owners to set after. */
  extraFiles?: ExtraFiles | null;
  /** A host key the new system starts with (--host-key): its public half and type (ed25519, …). */
  hostKey: { publicKey: string; type: string } | null;
  finish: FinishAction;
}

export type { PhaseId };

/** What a command reads on stdin. */
export type CommandInput =
  /** A secret, written to stdin and nowhere else. */
  | { secret: SecretName }
  /** A tar stream of a local flake directory, as Nix sees it (git-tracked files only in a git tree). */
  | { directory: string }
  /** A tar stream of every file under a local directory (--extra-files), owned by root. */
  | { tree: string }
  /** The output of a command run on this machine. */
  | { localCommand: string };

export interface PlannedCommand {
  /** Exact shell command. Never contains a secret. */
  run: string;
  input?: CommandInput;
  /** Where the command runs: on the target over SSH (default) or on this machine. */
  where?: 'target' | 'local';
  /** Safe to interrupt on abort (nothing half-written to disks); otherwise the run waits for it. */
  interruptible?: boolean;
}

export interface PlannedPhase {
  id: PhaseId;
  title: string;
  commands: PlannedCommand[];
  /** What this phase destroys, in words; empty when it destroys nothing. */
  destroys: string[];
  /** Remote command that exits 0 when the phase's result is already in place (for --resume). */
  doneCheck?: string;
  /** Undoes what the phase left active (mounts, mappings) when a run stops early. */
  cleanUp?: PlannedCommand[];
}

export interface Plan {
  /** The choices the plan was made from (no secrets). */
  choices: Choices;
  /** The disk that will be written, resolved from the facts; null for the mounted layout. */
  disk: { path: string; byId?: string; sizeBytes: number; description: string } | null;
  phases: PlannedPhase[];
  /** Things the user should know before confirming (keymap, small disk, …). */
  warnings: string[];
}
