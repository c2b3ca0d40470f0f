import type { PhaseDefinition } from '../phase.js';
import type { PlanContext } from '../../plan/plan-context.js';
import { describeDisk } from '../../plan/describe.js';
import { targetFlake } from '../../plan/flake-ref.js';
import { shellQuote as q } from '../../plan/shell.js';

const nix = "nix --extra-experimental-features 'nix-command flakes'";

/**
 * Before disko runs: which disks does the configuration format? A module-style disko config
 * ignores `--arg disks` and `--yes-wipe-all-disks` skips disko's own prompt, so the devices are
 * read with `nix eval` (read-only) and every one must be the disk the user confirmed.
 */
export function diskoDeviceGuard(c: Pick<PlanContext, 'choices' | 'diskRef'>): string {
  const [uri, host] = [targetFlake(c.choices).replace(/#[^#]*$/, ''), c.choices.flake.host];
  const attribute = `${uri}#nixosConfigurations.${host}.config.disko.devices.disk`;
  const apply = 'disks: builtins.concatStringsSep "\\n" (map (name: disks.${name}.device) (builtins.attrNames disks))';
  return [
    `devices=$(${nix} eval --raw ${q(attribute)} --apply ${q(apply)})`,
    `[ -n "$devices" ] || { echo "the disko config of ${host} names no disk" >&2; exit 1; }`,
    `confirmed=$(readlink -f ${q(c.diskRef!)})`,
    'for device in $devices; do',
    `  [ "$(readlink -f "$device")" = "$confirmed" ] || { echo "refusing: the disko config would format $device, not the confirmed disk ${c.diskRef}" >&2; exit 1; }`,
    'done',
    'echo "the disko config formats only:" $devices',
  ].join('\n');
}

export const disko: PhaseDefinition = {
  id: 'disko',
  title: "Partition, format and mount with the flake's disko config",
  applies: (c) => c.choices.layout.kind === 'disko',
  commands: (c) => [
    { run: diskoDeviceGuard(c) },
    {
      // Configs written as a function of `disks` receive the chosen disk.
      run: `disko --mode destroy,format,mount --yes-wipe-all-disks --flake ${q(targetFlake(c.choices))} --arg disks ${q(`[ "${c.diskRef}" ]`)}`,
    },
  ],
  destroys: (c) => [`every partition and all data on ${describeDisk(c.disk!)} (disko runs only if its config names this disk and no other)`],
  doneCheck: () => 'mountpoint -q /mnt',
  cleanUp: () => [{ run: 'umount -R /mnt' }],
};
