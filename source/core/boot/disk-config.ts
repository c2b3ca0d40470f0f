// The NixOS settings that match what a labels install creates, exactly: shown with the plan, and
// written into the flake with --write-disk-config so the configuration mounts what is there.
import { createHash } from 'node:crypto';
import type { Facts } from '../facts/types.js';
import type { BootCheck } from './boot-findings.js';
import { findDisk, layoutLuks } from '../plan/plan-context.js';
import type { Plan } from '../plan/types.js';

/** The first line of every module this tool writes. */
export const diskConfigHeader = '# The disk layout nixos-bootstrap installs';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
/** The last line: the hash of everything above it, so an edited file is never replaced. */
const seal = (body: string) => `${body}# nixos-bootstrap wrote this file (sha256 ${sha256(body)}); once edited, it is never replaced.\n`;
const sealLine = /^# nixos-bootstrap wrote this file \(sha256 ([0-9a-f]{64})\); once edited, it is never replaced\.\n$/;

/** Whether a file is a module this tool wrote and nobody changed since: only such a file may be replaced. */
export function isUneditedDiskConfig(text: string): boolean {
  if (!text.startsWith(diskConfigHeader)) return false;
  const lastLine = text.lastIndexOf('\n', text.length - 2) + 1;
  const hash = sealLine.exec(text.slice(lastLine))?.[1];
  return hash !== undefined && hash === sha256(text.slice(0, lastLine));
}

const nixString = (text: string) => JSON.stringify(text).replace(/\$\{/g, '\\${');

/** The module text, or undefined for layouts whose disks this tool does not lay out (disko, mounted). */
export function diskConfigNix(plan: Plan, facts: Facts): string | undefined {
  const { layout, labels } = plan.choices;
  if (layout.kind !== 'labels') return undefined;
  const luks = layoutLuks(layout);
  const byLabel = (label: string) => nixString(`/dev/disk/by-label/${label}`);
  const modules = (plan.disk ? findDisk(facts, plan.disk.path)?.modules : undefined) ?? [];
  const body = [
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
  return seal(body);
}

/**
 * The module offered when the boot check could not confirm that the configuration mounts what
 * this labels install creates (a finding, a failed or a skipped check), and nobody asked for it
 * to be written: with the flag that writes it.
 */
export function diskConfigOffer(plan: Plan, facts: Facts, check: BootCheck): string | undefined {
  const text = diskConfigNix(plan, facts);
  if (!text || (!check.skipped && !check.failed && check.findings.length === 0)) return undefined;
  const host = plan.choices.flake.host;
  return `The module that matches this layout: import it from ${host}'s configuration (--write-disk-config hosts/${host}/disks.nix writes it into a local flake):\n${text.trimEnd().replace(/^/gm, '  ')}`;
}
