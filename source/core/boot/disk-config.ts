// The NixOS settings that match what a labels install creates, exactly: shown with the plan, and
// written into the flake with --write-disk-config so the configuration mounts what is there.
import type { Facts } from '../facts/types.js';
import { findDisk, layoutLuks } from '../plan/plan-context.js';
import type { Plan } from '../plan/types.js';

/** The first line of every module this tool writes: such a file may be replaced. */
export const diskConfigHeader = '# The disk layout nixos-bootstrap installs';

const nixString = (text: string) => JSON.stringify(text).replace(/\$\{/g, '\\${');

/** The module text, or undefined for layouts whose disks this tool does not lay out (disko, mounted). */
export function diskConfigNix(plan: Plan, facts: Facts): string | undefined {
  const { layout, labels } = plan.choices;
  if (layout.kind !== 'labels') return undefined;
  const luks = layoutLuks(layout);
  const byLabel = (label: string) => nixString(`/dev/disk/by-label/${label}`);
  const modules = (plan.disk ? findDisk(facts, plan.disk.path)?.modules : undefined) ?? [];
  return [
    `${diskConfigHeader} for ${plan.choices.flake.host} (labels, ${luks ? 'LUKS2' : 'no encryption'}):`,
    "# import this file from the host's configuration.",
    '{',
    `  fileSystems."/" = { device = ${luks ? nixString(`/dev/mapper/${luks.name}`) : byLabel(labels.root)}; fsType = "ext4"; };`,
    `  fileSystems."/boot" = { device = ${byLabel(labels.efi)}; fsType = "vfat"; options = [ "fmask=0077" "dmask=0077" ]; };`,
    `  swapDevices = [ ${layout.swapSizeMiB > 0 ? `{ device = ${byLabel(labels.swap)}; } ` : ''}];`,
    ...(luks ? [`  boot.initrd.luks.devices.${nixString(luks.name)}.device = ${byLabel(luks.label)};`] : []),
    ...(modules.length
      ? [
          `  # The drivers between the disk and its controller on this machine.`,
          `  boot.initrd.availableKernelModules = [ ${modules.map(nixString).join(' ')} ];`,
        ]
      : []),
    '}',
    '',
  ].join('\n');
}
