// What the configuration being installed says about booting, read with `nix eval` on this
// machine before any disk is touched: its file systems, swap, LUKS devices, boot loader, initrd
// modules and who can log in. Flake and host arrive in the environment, never inside Nix source.
import { existsSync } from 'node:fs';
import { execa } from 'execa';

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
}

export interface MountConfig {
  device: string | null;
  label: string | null;
  fsType: string | null;
}

/** Reads only what it needs, each with a default: a plain attribute set evaluates as well as a NixOS system. */
export const bootConfigExpression = `let
  flake = builtins.getFlake (builtins.getEnv "NB_FLAKE");
  hosts = flake.nixosConfigurations or { };
  host = builtins.getEnv "NB_HOST";
  config = hosts.\${host}.config;
  attr = path: fallback: builtins.foldl' (at: name: if builtins.isAttrs at && at ? \${name} then at.\${name} else fallback) config path;
  mount = name: let f = attr [ "fileSystems" name ] null; in
    if f == null then null else { device = f.device or null; label = f.label or null; fsType = f.fsType or null; };
  users = attr [ "users" "users" ] { };
  given = u: name: (u.\${name} or null) != null;
  canLogIn = u: (u.openssh.authorizedKeys.keys or [ ]) != [ ] || (u.openssh.authorizedKeys.keyFiles or [ ]) != [ ]
    || builtins.any (given u) [ "hashedPassword" "password" "initialPassword" "initialHashedPassword" "hashedPasswordFile" ];
  grubDevice = attr [ "boot" "loader" "grub" "device" ] "";
in if !(hosts ? \${host}) then { hosts = builtins.attrNames hosts; } else {
  root = mount "/";
  boot = mount "/boot";
  swap = map (s: s.device or (if s ? label then "/dev/disk/by-label/\${s.label}" else null)) (attr [ "swapDevices" ] [ ]);
  luks = builtins.mapAttrs (name: d: d.device or null) (attr [ "boot" "initrd" "luks" "devices" ] { });
  systemdBoot = attr [ "boot" "loader" "systemd-boot" "enable" ] false;
  grub = attr [ "boot" "loader" "grub" "enable" ] false;
  grubEfi = attr [ "boot" "loader" "grub" "efiSupport" ] false;
  grubDevices = attr [ "boot" "loader" "grub" "devices" ] [ ] ++ (if grubDevice == "" || grubDevice == null then [ ] else [ grubDevice ]);
  initrdModules = attr [ "boot" "initrd" "availableKernelModules" ] [ ] ++ attr [ "boot" "initrd" "kernelModules" ] [ ];
  logins = builtins.filter (name: (name == "root" || builtins.elem "wheel" (users.\${name}.extraGroups or [ ])) && canLogIn users.\${name}) (builtins.attrNames users);
}`;

export type BootConfigResult = { config: BootConfig } | { skipped: string } | { hosts: string[] };

/**
 * Evaluates the host's boot settings; `skipped` says why not (no nix here, or the evaluation
 * failed: then the error's last lines). `env` is for tests (a scratch store).
 */
export async function evaluateBootConfig(flakeRef: string, host: string, env: NodeJS.ProcessEnv = process.env): Promise<BootConfigResult> {
  // A first `nix` command would create /nix as a side effect: only a Nix that is set up is used.
  if (!existsSync('/nix/store') && !env.NIX_REMOTE && !/^\s*store\s*=/m.test(env.NIX_CONFIG ?? '')) {
    return { skipped: 'Nix is not set up on this machine (no /nix/store)' };
  }
  const result = await execa('nix', ['--extra-experimental-features', 'nix-command flakes', 'eval', '--impure', '--json', '--expr', bootConfigExpression], {
    env: { ...env, NB_FLAKE: flakeRef, NB_HOST: host },
    extendEnv: false,
    reject: false,
    stdin: 'ignore',
  });
  if (result.failed && (result as { code?: string }).code === 'ENOENT') return { skipped: 'nix is not installed on this machine' };
  if (result.exitCode !== 0) {
    // Nix's own message, without the source excerpt and the --show-trace advice.
    const lines = String(result.stderr).split('\n').filter((line) => line.trim() && !/^\s*(\d+\||…)|--show-trace/.test(line));
    const reason = lines.slice(-3).join(' ').replace(/\s+/g, ' ');
    return { skipped: `nix eval of ${flakeRef}#${host} failed: ${reason.slice(0, 400)}` };
  }
  const value = JSON.parse(String(result.stdout)) as BootConfig | { hosts: string[] };
  return 'hosts' in value ? { hosts: value.hosts } : { config: value };
}
