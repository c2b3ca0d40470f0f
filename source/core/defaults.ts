// Every default a user can override, and the patterns names must match: one place for both
// front ends (flags, wizard screens) and the core.

/** The static link-local address installer images put on every link (and docs tell users to type). */
export const installerLinkLocal = 'fe80::47';

/** A nixosConfigurations attribute that is also a file name (`web`, `db-1`, `host_2.lab`). */
export const hostNamePattern = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

export const defaultLuksName = 'cryptroot';
export const defaultLuksLabel = 'cryptroot';
/** GPT partition names hold 36 UTF-16 units; a longer LUKS label never matches its own done-check. */
export const gptPartitionNameMaxUnits = 36;

export const defaultEfiSize = '512M';
export const minimumEfiSizeMiB = 32;
export const defaultLabels = { efi: 'boot', root: 'nixos', swap: 'swap' } as const;

/** Where clone mode puts the repository when --repo-path is not given. */
export const defaultRepoPath = '/mnt/nix-config';

/** Where the new system's age identity is handed off by default (agenix/sops read it on first boot). */
export const defaultAgeKeyPath = (name: string) => `/etc/age/${name}.agekey`;
/** What --generate-hardware-config can run on the installer (nixos-anywhere's names). */
export const hardwareGenerators = ['nixos-generate-config', 'nixos-facter'] as const;
export type HardwareGenerator = (typeof hardwareGenerators)[number];
/** The file each generator's output goes by. */
export const hardwareFileName = (generator: HardwareGenerator) => (generator === 'nixos-facter' ? 'facter.json' : 'hardware-configuration.nix');

/** A path of the new system as the installer sees it, under /mnt. */
export const underMnt = (path: string) => `/mnt${path}`;

/** install --hosts: machines installed at once by default (the work is mostly waiting on them). */
export const defaultConcurrency = 4;
