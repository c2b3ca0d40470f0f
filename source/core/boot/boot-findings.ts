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
const mountIs = (mount: MountConfig | null, device: string, label?: string) =>
  mount !== null && (mount.device === device || (label !== undefined && mount.label === label && (mount.device === null || mount.device === device)));

export interface BootCheck {
  /** Why the configuration was not checked. */
  skipped?: string;
  findings: BootFinding[];
}

export function bootFindings(config: BootConfig, plan: Plan, facts: Facts): BootFinding[] {
  const { choices } = plan;
  const { layout, labels } = choices;
  const findings: BootFinding[] = [];
  const find = (refuse: boolean, message: string, fix: string) => findings.push({ refuse, message, fix });

  // disko writes its own fileSystems from the same config it formats with.
  if (layout.kind !== 'disko') {
    const luks = layoutLuks(layout);
    const root = luks ? `/dev/mapper/${luks.name}` : byLabel(labels.root);
    if (!mountIs(config.root, root, luks ? undefined : labels.root)) {
      const now = config.root ? `mounts / from ${config.root.device ?? `label ${config.root.label}`}` : 'has no fileSystems."/"';
      find(true, `the configuration ${now}, which this install does not create (it creates ${root})`, `fileSystems."/" = { device = "${root}"; fsType = "ext4"; };`);
    } else if (config.root?.fsType && config.root.fsType !== 'ext4') {
      find(true, `fileSystems."/" says ${config.root.fsType}; this install formats ext4`, `fileSystems."/".fsType = "ext4";`);
    }
    if (luks) {
      const device = config.luks[luks.name];
      const made = [byLabel(luks.label), `/dev/disk/by-partlabel/${luks.label}`];
      if (device === undefined) find(true, `the initrd opens no LUKS device '${luks.name}', so ${root} never appears`, `boot.initrd.luks.devices.${luks.name}.device = "${made[0]}";`);
      else if (device === null || !made.includes(device)) find(true, `boot.initrd.luks.devices.${luks.name} opens ${device}, not the partition this install encrypts (${made[0]})`, `boot.initrd.luks.devices.${luks.name}.device = "${made[0]}";`);
    }
    if (facts.firmware === 'efi' && !mountIs(config.boot, byLabel(labels.efi), labels.efi)) {
      find(false, `/boot is ${config.boot ? `mounted from ${config.boot.device ?? `label ${config.boot.label}`}` : 'not mounted'}; the boot loader goes on the ESP this install creates`, `fileSystems."/boot" = { device = "${byLabel(labels.efi)}"; fsType = "vfat"; };`);
    }
    // The mounted layout's swap was made by hand: whatever the configuration names may exist.
    if (layout.kind === 'labels') {
      const swap = layout.swapSizeMiB > 0 ? byLabel(labels.swap) : undefined;
      if (swap && !config.swap.includes(swap)) find(false, 'the swap partition this install creates is not used', `swapDevices = [ { device = "${swap}"; } ];`);
      for (const device of config.swap.filter((d) => d !== swap)) {
        find(false, `swapDevices names ${device ?? 'a device without a path'}, which this install does not create: every boot waits for it`, swap ? `swapDevices = [ { device = "${swap}"; } ];` : 'swapDevices = [ ];');
      }
    }
  }

  if (facts.firmware === 'efi' && !config.systemdBoot && !(config.grub && config.grubEfi)) {
    find(false, 'the machine boots with EFI, but neither systemd-boot nor GRUB with EFI support is enabled', 'boot.loader.systemd-boot.enable = true;');
  }
  const disk = plan.disk ? findDisk(facts, plan.disk.path) : undefined;
  if (facts.firmware === 'bios') {
    const names = [plan.disk?.path, plan.disk?.byId, ...(disk?.byId ?? [])].filter(Boolean);
    if (!config.grub || !config.grubDevices.some((d) => names.includes(d) || d === 'nodev')) {
      find(false, 'the machine boots with BIOS: GRUB must be installed on this disk', `boot.loader.grub = { enable = true; device = "${plan.disk?.byId ?? plan.disk?.path ?? '/dev/sda'}"; };`);
    }
  }

  const missing = (disk?.modules ?? []).filter((m) => !config.initrdModules.includes(m));
  if (missing.length) {
    find(false, `the initrd may not find the disk: its driver${missing.length > 1 ? 's' : ''} ${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} not in boot.initrd.availableKernelModules`, `boot.initrd.availableKernelModules = [ ${missing.map((m) => `"${m}"`).join(' ')} ];`);
  }
  if (config.logins.length === 0) {
    find(false, 'nobody can log in after the first boot: neither root nor a wheel user has an authorized key or a password', 'users.users.root.openssh.authorizedKeys.keys = [ "ssh-ed25519 AAAA… you@laptop" ];');
  }
  return findings;
}

/** For a person: each finding with its fix, or why there was no check. */
export function describeBootCheck(check: BootCheck): string {
  if (check.skipped) return `Boot check skipped: ${check.skipped}.`;
  if (check.findings.length === 0) return 'Boot check: the configuration mounts what this install creates, and boots on this hardware.';
  return ['Boot check:', ...check.findings.map((f) => `  ${f.refuse ? '✖' : '!'} ${f.message}\n      add: ${f.fix}`)].join('\n');
}
