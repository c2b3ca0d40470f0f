import type { PhaseDefinition } from '../phase.js';
import { diskEncryptionKeyName, type DiskEncryptionKey, type DiskoMode, type PlannedCommand } from '../types.js';
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

/** disko's own mode names for ours (nixos-anywhere's --disko-mode). */
const diskoModeArgument: Record<DiskoMode, string> = {
  disko: 'destroy,format,mount --yes-wipe-all-disks',
  format: 'format,mount',
  mount: 'mount',
};

/** The keys' installer paths, quoted, for one shell command. */
const keyPaths = (keys: DiskEncryptionKey[]) => keys.map((key) => q(key.remote)).join(' ');
/** The keys exist only while disko runs: removed when it exits, whatever its status, and on a stop. */
const removeKeys = (keys: DiskEncryptionKey[]) => `rm -f ${keyPaths(keys)}`;

/** Refuses a key path that is not in the installer's RAM (a key written to a disk outlives the run). */
function keysInRam(keys: DiskEncryptionKey[]): string {
  return [
    `for key in ${keyPaths(keys)}; do`,
    '  dir=$(dirname "$key"); mkdir -p -m 700 "$dir"',
    '  case "$(stat -f -c %T "$dir")" in tmpfs|ramfs) ;; *) echo "refusing: $key would be written to $(stat -f -c %T "$dir"), not to the installer\'s RAM (tmpfs)" >&2; exit 1 ;; esac',
    'done',
  ].join('\n');
}

/** Each key's content arrives on stdin (base64: key files may be binary), 0600 from the first byte. */
function writeKeys(keys: DiskEncryptionKey[]): PlannedCommand[] {
  return keys.map((key, index) => {
    const temp = q(`${key.remote}.nixos-bootstrap-tmp`);
    return {
      run: `umask 077 && base64 -d > ${temp} && mv -fT ${temp} ${q(key.remote)} || { rm -f ${temp} ${keyPaths(keys)}; exit 1; }`,
      input: { secret: diskEncryptionKeyName(index) },
    };
  });
}

export const disko: PhaseDefinition<'disko', DiskoContext> = {
  id: 'disko',
  title: "Partition, format and mount with the flake's disko config",
  applies: (c) => c.kind === 'disko',
  commands: (c) => {
    const { mode, keys } = c.layout;
    // Configs written as a function of `disks` receive the chosen disk.
    const run = `disko --mode ${diskoModeArgument[mode]} --flake ${q(targetFlake(c.choices))} --arg disks ${q(`[ "${c.diskRef}" ]`)}`;
    if (keys.length === 0) return [{ run: diskoDeviceGuard(c) }, { run }];
    return [{ run: diskoDeviceGuard(c) }, { run: keysInRam(keys) }, ...writeKeys(keys), { run: `${run}; status=$?; ${removeKeys(keys)}; exit $status` }];
  },
  destroys: (c) => {
    const disk = describeDisk(c.disk);
    const only = '(disko runs only if its config names this disk and no other)';
    if (c.layout.mode === 'mount') return [];
    // disko's format mode renames and retypes a partition whose number its config uses, and makes
    // a filesystem on any partition that has none: nothing on the disk is safe from it.
    if (c.layout.mode === 'format')
      return [`any partition and its data on ${disk}: format keeps what already matches the config, and renames, retypes or formats the rest ${only}`];
    return [`every partition and all data on ${disk} ${only}`];
  },
  doneCheck: () => 'mountpoint -q /mnt',
  cleanUp: (c) => [...(c.layout.keys.length ? [{ run: removeKeys(c.layout.keys) }] : []), { run: 'umount -R /mnt' }],
};
