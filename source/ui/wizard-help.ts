// Static text only: `nixos-bootstrap --flake x --help` must answer without loading Ink.
import { exitCodeHelp } from '../core/exit-codes.js';

export const wizardHelp = `Usage: nixos-bootstrap [TARGET] [options]

The interactive wizard (needs a terminal): finds the installer, shows its host key, lets you pick
the disk, the layout and encryption, the configuration (and its hardware configuration, when a
local flake has none) and the age key, shows the whole plan and installs after you type the
disk's name. Without a terminal, use 'nixos-bootstrap install'.

Every option of 'nixos-bootstrap install' is accepted: a value given here pre-fills its screen,
and a screen whose answers are all given is skipped, e.g.
  nixos-bootstrap --flake .#web --disk /dev/disk/by-id/nvme-…
The host key is always shown (unless --expect-fingerprint matches), and the plan is always
confirmed by typing the disk's name: --yes, --json and --resume belong to 'install'.

Discovery (the first screen; skipped when TARGET is given)
  --timeout S          search for S seconds (default 3; r searches again)
  --interface IF       search only this interface (repeatable)
  --name N             also look for the mDNS name N (repeatable)

Screens and the options that fill them
  Connect              TARGET, -p/--port, -i/--identity, --env-password, --expect-fingerprint, --force
  Disk                 --disk DEV or only:BUS (or $INSTALL_DISK), --allow-loop-disks (lab only)
  Layout & encryption  --layout, --luks, --luks-passphrase-file FILE, --swap, --efi-size,
                       --luks-label, --luks-name, --luks-iter-time, --label-*, --mkdir, --post-mount, --tmpstore,
                       --extra-files DIR, --chown PATH UID:GID
  Flake & host         --flake URI#HOST, --mode, --repo, --repo-path, --system, --host
  Hardware             shown for a local flake without the host's hardware configuration;
                       --generate-hardware-config nixos-generate-config|nixos-facter PATH pre-selects
                       the generator and the path (and shows the screen even when the flake has one)
  Keys                 --age-key generate|FILE|none, --age-key-out, --replace-age-key, --age-key-name, --secrets,
                       --allow-unreadable-secrets
  Review / Install     --dry-run (show the plan, change nothing), --finish, --log FILE,
                       --write-disk-config PATH (the labels layout as a module, written into the
                       local flake when the plan is made, unless --dry-run), --skip-boot-check

Many machines: nixos-bootstrap --hosts FILE [--only HOST] [--concurrency N] [options]
  The hosts file of install --hosts (see nixos-bootstrap install --help) names each machine and
  holds its flags; options given here apply to every machine. The installers found are matched
  to its entries (Space marks the ones to install; --only pre-marks), every marked machine is
  connected, probed and planned, one typed confirmation (their number) installs them, N at a
  time, each with its own session, journal, log and age key; the end lists every machine and
  the command that resumes the stopped ones. Secrets come from files named in the flags.

Keys: arrows move, Enter goes on, Esc goes back (answers are kept), ? shows help, Ctrl-C quits
(during the install it asks first, then stops safely after the running command).

${exitCodeHelp}
`;
