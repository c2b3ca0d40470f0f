import type { PhaseDefinition } from '../phase.js';
import type { DiskoContext } from '../plan-context.js';
import { describeDisk } from '../describe.js';
import { targetFlake } from '../flake-ref.js';
import { shellQuote as q } from '../shell.js';

const nix = "nix --extra-experimental-features 'nix-command flakes'";

/**
 * The disks disko will format, as disko itself picks its config: the flake's
 * `diskoConfigurations.<host>` (called with `disks` when it is a function), else the host's
 * `disko.devices`. Flake, host and disk arrive in the environment, never inside Nix source.
 */
const devicesExpression = `let
  flake = builtins.getFlake (builtins.getEnv "NB_FLAKE");
  host = builtins.getEnv "NB_HOST";
  own = flake.diskoConfigurations or { };
  chosen = if own ? \${host} then own.\${host} else { disko = flake.nixosConfigurations.\${host}.config.disko; };
  args = { disks = [ (builtins.getEnv "NB_DISK") ]; } // (if flake ? inputs.nixpkgs then { inherit (flake.inputs.nixpkgs) lib; } else { });
  config = if builtins.isFunction chosen then chosen (builtins.intersectAttrs (builtins.functionArgs chosen) args) else chosen;
  disks = config.disko.devices.disk or { };
in builtins.concatStringsSep "\\n" (map (name: disks.\${name}.device) (builtins.attrNames disks))`;

/**
 * Before disko runs: which disks does the configuration format? A module-style disko config
 * ignores `--arg disks` and `--yes-wipe-all-disks` skips disko's own prompt, so the devices are
 * read with `nix eval` (read-only) and every one must be the disk the user confirmed.
 */
export function diskoDeviceGuard(c: Pick<DiskoContext, 'choices' | 'diskRef'>): string {
  const flake = targetFlake(c.choices).replace(/#[^#]*$/, '');
  const host = c.choices.flake.host;
  return [
    `devices=$(NB_FLAKE=${q(flake)} NB_HOST=${q(host)} NB_DISK=${q(c.diskRef)} ${nix} eval --impure --raw --expr ${q(devicesExpression)})`,
    `[ -n "$devices" ] || { echo ${q(`the disko config of ${host} names no disk`)} >&2; exit 1; }`,
    `confirmed=$(readlink -f ${q(c.diskRef)})`,
    'for device in $devices; do',
    `  [ "$(readlink -f "$device")" = "$confirmed" ] || { echo "refusing: the disko config would format $device, not the confirmed disk "${q(c.diskRef)} >&2; exit 1; }`,
    'done',
    'echo "the disko config formats only:" $devices',
  ].join('\n');
}

export const disko: PhaseDefinition<'disko', DiskoContext> = {
  id: 'disko',
  title: "Partition, format and mount with the flake's disko config",
  applies: (c) => c.kind === 'disko',
  commands: (c) => [
    { run: diskoDeviceGuard(c) },
    {
      // Configs written as a function of `disks` receive the chosen disk.
      run: `disko --mode destroy,format,mount --yes-wipe-all-disks --flake ${q(targetFlake(c.choices))} --arg disks ${q(`[ "${c.diskRef}" ]`)}`,
    },
  ],
  destroys: (c) => [`every partition and all data on ${describeDisk(c.disk)} (disko runs only if its config names this disk and no other)`],
  doneCheck: () => 'mountpoint -q /mnt',
  cleanUp: () => [{ run: 'umount -R /mnt' }],
};
