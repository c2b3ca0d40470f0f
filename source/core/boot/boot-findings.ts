// Will it boot? The evaluated configuration against the plan and the probed hardware. Each
// mismatch names the line to add; `refuse` marks the ones that cannot boot at all (a root file
// system, or its LUKS device, that this install does not create).
import type { Facts } from '../facts/types.js';
import { findDisk, layoutLuks } from '../plan/plan-context.js';
import type { Plan } from '../plan/types.js';
import type { BootConfig, MountConfig } from './boot-config.js';

export interface BootFinding {
  refuse: boolean;
  message: string;
  /** Nix to add to the host's configuration. */
  fix: string;
}

const byLabel = (label: string) => `/dev/disk/by-label/${label}`;
/** Partitions are named after their labels (GPT names), so by-partlabel names them too. */
const byPartLabel = (label: string) => `/dev/disk/by-partlabel/${label}`;
const mountIs = (mount: MountConfig | null, devices: string[], label: string) =>
  mount !== null && (mount.device !== null ? devices.includes(mount.device) : mount.label === label);

export interface BootCheck {
  /** Why the configuration was not checked. */
  skipped?: string;
  /** The evaluation failed: nixos-install would fail the same way, after the disk is wiped. */
  failed?: string;
  /** Where `nix eval` ran: this machine, or the installer when this machine has no Nix. */
  evaluatedOn?: 'this machine' | 'the installer';
  findings: BootFinding[];
}

export function bootFindings(config: BootConfig, plan: Plan, facts: Facts): BootFinding[] {
  const { choices } = plan;
  const { layout, labels } = choices;
  const findings: BootFinding[] = [];
  const find = (refuse: boolean, message: string, fix: string) => findings.push({ refuse, message, fix });

  // Only the labels layout lays out the disk here: disko writes its own fileSystems from the
  // config it formats with, and the mounted layout is the user's own (any name may be right).
  if (layout.kind === 'labels') {
    const luks = layoutLuks(layout);
    // What this install creates, by every name NixOS may use for it.
    const encrypted = luks ? [byLabel(luks.label), byPartLabel(luks.label)] : [];
    const opened = Object.entries(config.luks)
      .filter(([, device]) => device !== null && encrypted.includes(device))
      .map(([name]) => name);
    // With no entry opening it, the LUKS finding below says so; the root is judged by our name.
    const mappers = (opened.length ? opened : luks ? [luks.name] : []).map((name) => `/dev/mapper/${name}`);
    const roots = luks ? [...mappers, byLabel(labels.root)] : [byLabel(labels.root), byPartLabel(labels.root)];
    const root = luks ? mappers[0]! : byLabel(labels.root);
    const rootMatches = config.root !== null && (config.root.device !== null ? roots.includes(config.root.device) : config.root.label === labels.root);
    if (!rootMatches) {
      const now = config.root ? `mounts / from ${config.root.device ?? `label ${config.root.label}`}` : 'has no fileSystems."/"';
      find(
        true,
        `the configuration ${now}, which this install does not create (it creates ${root})`,
        `fileSystems."/" = { device = "${root}"; fsType = "ext4"; };`,
      );
    } else if (config.root?.fsType && !['ext4', 'auto'].includes(config.root.fsType)) {
      find(true, `fileSystems."/" says ${config.root.fsType}; this install formats ext4`, `fileSystems."/".fsType = "ext4";`);
    }
    if (luks && opened.length === 0) {
      const other = config.luks[luks.name];
      const message =
        other === undefined
          ? `the initrd opens no LUKS device on the partition this install encrypts (${encrypted[0]}), so ${root} never appears`
          : `boot.initrd.luks.devices.${luks.name} opens ${other ?? 'no device'}, not the partition this install encrypts (${encrypted[0]})`;
      find(true, message, `boot.initrd.luks.devices.${luks.name}.device = "${encrypted[0]}";`);
    }
    if (facts.firmware === 'efi' && !mountIs(config.boot, [byLabel(labels.efi), byPartLabel(labels.efi)], labels.efi)) {
      find(
        false,
        `/boot is ${config.boot ? `mounted from ${config.boot.device ?? `label ${config.boot.label}`}` : 'not mounted'}; the boot loader goes on the ESP this install creates`,
        `fileSystems."/boot" = { device = "${byLabel(labels.efi)}"; fsType = "vfat"; };`,
      );
    }
    const swap = layout.swapSizeMiB > 0 ? byLabel(labels.swap) : undefined;
    const swapNames = [byLabel(labels.swap), byPartLabel(labels.swap)];
    if (swap && !config.swap.some((d) => d !== null && swapNames.includes(d)))
      find(false, 'the swap partition this install creates is not used', `swapDevices = [ { device = "${swap}"; } ];`);
    for (const device of config.swap.filter((d) => !swap || d === null || !swapNames.includes(d))) {
      find(
        false,
        `swapDevices names ${device ?? 'a device without a path'}, which this install does not create: every boot waits for it`,
        swap ? `swapDevices = [ { device = "${swap}"; } ];` : 'swapDevices = [ ];',
      );
    }
  }

  if (facts.firmware === 'efi' && !config.systemdBoot && !(config.grub && config.grubEfi)) {
    find(false, 'the machine boots with EFI, but neither systemd-boot nor GRUB with EFI support is enabled', 'boot.loader.systemd-boot.enable = true;');
  }
  const disk = plan.disk ? findDisk(facts, plan.disk.path) : undefined;
  if (facts.firmware === 'bios') {
    const names = [plan.disk?.path, plan.disk?.byId, ...(disk?.byId ?? [])].filter(Boolean);
    if (!config.grub || !config.grubDevices.some((d) => names.includes(d) || d === 'nodev')) {
      find(
        false,
        'the machine boots with BIOS: GRUB must be installed on this disk',
        `boot.loader.grub = { enable = true; device = "${plan.disk?.byId ?? plan.disk?.path ?? '/dev/sda'}"; };`,
      );
    }
  }

  const missing = (disk?.modules ?? []).filter((m) => !config.initrdModules.includes(m));
  if (missing.length) {
    find(
      false,
      `the initrd may not find the disk: its driver${missing.length > 1 ? 's' : ''} ${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} not in boot.initrd.availableKernelModules`,
      `boot.initrd.availableKernelModules = [ ${missing.map((m) => `"${m}"`).join(' ')} ];`,
    );
  }
  // The age key this install hands over must be where the secrets modules look for it.
  const agePath = choices.ageKey?.path;
  if (agePath && config.sopsAgeKeyFile !== null && config.sopsAgeKeyFile !== agePath) {
    find(
      false,
      `sops-nix reads its age key from ${config.sopsAgeKeyFile}, but this install puts the key at ${agePath}: no secret decrypts at boot`,
      `sops.age.keyFile = "${agePath}";   (or install with --age-key-path ${config.sopsAgeKeyFile})`,
    );
  }
  if (agePath && config.agenixIdentityPaths.length > 0 && !config.agenixIdentityPaths.includes(agePath)) {
    find(
      false,
      `agenix reads its identities from ${config.agenixIdentityPaths.join(', ')}, not from ${agePath} where this install puts the age key: no secret decrypts at boot`,
      `age.identityPaths = [ "${agePath}" ];`,
    );
  }
  if (config.logins.length === 0) {
    find(
      false,
      'nobody can log in after the first boot: neither root nor a wheel user has an authorized key or a password',
      'users.users.root.openssh.authorizedKeys.keys = [ "ssh-ed25519 AAAA… you@laptop" ];',
    );
  }
  return findings;
}

/** For a person: each finding with its fix, or why there was no check. */
export function describeBootCheck(check: BootCheck): string {
  if (check.skipped) return `Boot check skipped: ${check.skipped}.`;
  const title = check.evaluatedOn === 'the installer' ? 'Boot check (evaluated on the installer, this machine has no Nix)' : 'Boot check';
  if (check.failed) return `${title}: ✖ the configuration does not evaluate: ${check.failed}`;
  if (check.findings.length === 0) return `${title}: the configuration mounts what this install creates, and boots on this hardware.`;
  return [`${title}:`, ...check.findings.map((f) => `  ${f.refuse ? '✖' : '!'} ${f.message}\n      add: ${f.fix}`)].join('\n');
}

/** What stops an install: a failed evaluation or a finding that cannot boot. */
export const bootBlockers = (check: BootCheck): string[] => [
  ...(check.failed ? [`the configuration does not evaluate (${check.failed})`] : []),
  ...check.findings.filter((f) => f.refuse).map((f) => f.message),
];
