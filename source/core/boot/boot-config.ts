// What the configuration being installed says about booting, read with `nix eval` on this
// machine before any disk is touched: its file systems, swap, LUKS devices, boot loader, initrd
// modules and who can log in. The evaluation is pure and sees only nix's own variables: a
// flake's code cannot read this machine's environment or files.
import { existsSync } from 'node:fs';
import { execa } from 'execa';
import { flakeTar } from '../install/command-input.js';
import { shellJoin } from '../plan/shell.js';
import type { Session } from '../ssh/types.js';

export interface BootConfig {
  root: MountConfig | null;
  boot: MountConfig | null;
  swap: Array<string | null>;
  /** boot.initrd.luks.devices: mapper name → device. */
  luks: Record<string, string | null>;
  systemdBoot: boolean;
  grub: boolean;
  grubEfi: boolean;
  grubDevices: string[];
  /** boot.initrd.availableKernelModules ++ kernelModules. */
  initrdModules: string[];
  /** root and wheel users with an authorized key or a password. */
  logins: string[];
  /** Where the secrets modules read the age identity: sops-nix's sops.age.keyFile, agenix's age.identityPaths. */
  sopsAgeKeyFile: string | null;
  agenixIdentityPaths: string[];
}

export interface MountConfig {
  device: string | null;
  label: string | null;
  fsType: string | null;
}

/**
 * A function of the flake's nixosConfigurations, evaluated purely: the flake's code cannot read
 * this machine's environment or files. Reads only what it needs, each with a default, so a plain
 * attribute set evaluates as well as a NixOS system. `host` is a checked host name.
 */
export const bootConfigFunction = (host: string) => `hosts: let
  host = ${JSON.stringify(host)};
  config = hosts.\${host}.config;
  attr = path: fallback: builtins.foldl' (at: name: if builtins.isAttrs at && at ? \${name} then at.\${name} else fallback) config path;
  mount = name: let f = attr [ "fileSystems" name ] null; in
    if f == null then null else { device = f.device or null; label = f.label or null; fsType = f.fsType or null; };
  users = attr [ "users" "users" ] { };
  # NixOS gives root a locked password ("!") by default: that lets nobody in.
  usable = value: value != null && (!builtins.isString value || (value != "" && builtins.substring 0 1 value != "!" && builtins.substring 0 1 value != "*"));
  canLogIn = u: (u.openssh.authorizedKeys.keys or [ ]) != [ ] || (u.openssh.authorizedKeys.keyFiles or [ ]) != [ ]
    || builtins.any (name: usable (u.\${name} or null)) [ "hashedPassword" "password" "initialPassword" "initialHashedPassword" "hashedPasswordFile" ];
  grubDevice = attr [ "boot" "loader" "grub" "device" ] "";
in if !(hosts ? \${host}) then { hosts = builtins.attrNames hosts; } else {
  root = mount "/";
  boot = mount "/boot";
  # Swap files (size set) are made at boot; only devices can be missing.
  swap = map (s: s.device or (if s ? label then "/dev/disk/by-label/\${s.label}" else null))
    (builtins.filter (s: (s.size or null) == null) (attr [ "swapDevices" ] [ ]));
  luks = builtins.mapAttrs (name: d: d.device or null) (attr [ "boot" "initrd" "luks" "devices" ] { });
  systemdBoot = attr [ "boot" "loader" "systemd-boot" "enable" ] false;
  grub = attr [ "boot" "loader" "grub" "enable" ] false;
  grubEfi = attr [ "boot" "loader" "grub" "efiSupport" ] false;
  grubDevices = attr [ "boot" "loader" "grub" "devices" ] [ ] ++ (if grubDevice == "" || grubDevice == null then [ ] else [ grubDevice ]);
  initrdModules = attr [ "boot" "initrd" "availableKernelModules" ] [ ] ++ attr [ "boot" "initrd" "kernelModules" ] [ ];
  sopsAgeKeyFile = attr [ "sops" "age" "keyFile" ] null;
  agenixIdentityPaths = attr [ "age" "identityPaths" ] [ ];
  logins = builtins.filter (name: (name == "root" || builtins.elem "wheel" (users.\${name}.extraGroups or [ ])) && canLogIn users.\${name}) (builtins.attrNames users);
}`;

/** A failed evaluation: the install would fail the same way after the disk is wiped. */
export type BootConfigResult = { config: BootConfig } | { skipped: string } | { hosts: string[] } | { failed: string };

/** How long an evaluation may take (a first one fetches nixpkgs). */
export const bootEvalTimeoutMs = 300_000;

/** Only what nix needs: its settings and where to cache, never the user's other variables. */
const nixEnvironment = (env: NodeJS.ProcessEnv) => ({
  ...Object.fromEntries(Object.entries(env).filter(([name]) => /^(PATH|HOME|USER|NIX_[A-Z_]+|XDG_[A-Z_]+|SSL_CERT_FILE)$/.test(name))),
  // A private input must fail, not ask for a password on the terminal the wizard draws on.
  GIT_TERMINAL_PROMPT: '0',
  GIT_SSH_COMMAND: 'ssh -o BatchMode=yes',
});

/** `nix eval` of the host's boot settings in the flake `flakeRef`, as arguments. */
const evalArgs = (flakeRef: string, host: string) => [
  '--extra-experimental-features',
  'nix-command flakes',
  'eval',
  '--json',
  '--no-write-lock-file',
  '--option',
  'allow-import-from-derivation',
  'false',
  `${flakeRef}#nixosConfigurations`,
  '--apply',
  bootConfigFunction(host),
];

/**
 * Evaluates the host's boot settings; `skipped` when Nix is not here or not set up, `failed`
 * with nix's own message when the evaluation fails. `env` is for tests (a scratch store).
 */
export async function evaluateBootConfig(flakeRef: string, host: string, env: NodeJS.ProcessEnv = process.env): Promise<BootConfigResult> {
  // A first `nix` command would create /nix as a side effect: only a Nix that is set up is used.
  if (!existsSync('/nix/store') && !env.NIX_REMOTE && !/^\s*store\s*=/m.test(env.NIX_CONFIG ?? '')) {
    return { skipped: 'Nix is not set up on this machine (no /nix/store)' };
  }
  const result = await execa('nix', evalArgs(flakeRef, host), {
    env: nixEnvironment(env),
    extendEnv: false,
    reject: false,
    stdin: 'ignore',
    timeout: bootEvalTimeoutMs,
  });
  if ((result as { code?: string }).code === 'ENOENT') return { skipped: 'nix is not installed on this machine' };
  if (result.timedOut) return timedOut(flakeRef, host);
  return evalOutcome(result.exitCode ?? 1, String(result.stdout), String(result.stderr), flakeRef, host);
}

/** Where a local flake is unpacked on the installer for the evaluation (removed after it). */
export const installerCheckDirTemplate = '/tmp/nixos-bootstrap-boot-check.XXXXXX';

/**
 * The same evaluation on the installer (a NixOS installer has Nix), for a laptop without one. A
 * local flake travels as the upload phase sends it (only what Nix sees) into a fresh directory
 * in the installer's RAM, removed when the evaluation ends; a remote flake is fetched there.
 */
export async function evaluateBootConfigOn(session: Session, flake: { uri: string; localPath?: string }, host: string): Promise<BootConfigResult> {
  const limit = ['timeout', String(bootEvalTimeoutMs / 1000), 'nix'];
  const evaluate = flake.localPath
    ? `d=$(mktemp -d ${installerCheckDirTemplate}) && trap 'rm -rf "$d"' EXIT && tar -x -C "$d" && cd "$d" && ${shellJoin([...limit, ...evalArgs('path:.', host)])}`
    : shellJoin([...limit, ...evalArgs(flake.uri, host)]);
  // As here: a first `nix` command would create /nix, so only a Nix that is set up is used.
  const command = `if [ ! -d /nix/store ]; then exit ${noStoreExit}; fi; ${evaluate}`;
  const stdin = flake.localPath ? await flakeTar(flake.localPath) : undefined;
  const result = await session.exec(command, { ...(stdin ? { stdin } : {}), captureBytes: 4 * 1024 * 1024 });
  if (result.code === noStoreExit) return { skipped: 'Nix is not set up on the installer (no /nix/store)' };
  // timeout(1) exits 124 when the limit was reached.
  if (result.code === 124) return timedOut(flake.uri, host);
  return evalOutcome(result.code ?? 1, result.stdout, result.stderr, flake.uri, host);
}

/** The installer's answer when it has no /nix/store (nix and timeout never exit with it). */
const noStoreExit = 97;

const timedOut = (flakeRef: string, host: string): BootConfigResult => ({
  failed: `nix eval of ${flakeRef}#${host} took longer than ${bootEvalTimeoutMs / 1000} s`,
});

function evalOutcome(exitCode: number, stdout: string, stderr: string, flakeRef: string, host: string): BootConfigResult {
  if (exitCode !== 0) {
    // Nix's own message, without the source excerpt and the --show-trace advice.
    const lines = stderr.split('\n').filter((line) => line.trim() && !/^\s*(\d+\||…)|--show-trace/.test(line));
    const reason = lines.slice(-3).join(' ').replace(/\s+/g, ' ');
    return { failed: `nix eval of ${flakeRef}#${host} failed: ${reason.slice(0, 400)}` };
  }
  const value = JSON.parse(stdout) as BootConfig | { hosts: string[] };
  return 'hosts' in value ? { hosts: value.hosts } : { config: value };
}
