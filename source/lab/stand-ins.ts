// Honest stand-ins for the Nix tools that cannot exist in the lab. They are installed on lab
// installers only (netns: /usr/local/sbin, VM: /usr/local/sbin), say what they are when run,
// record every call (argv + environment) under /run/lab/calls/ for the tests to read, check what
// the real tool would need, and leave behind what a real run leaves behind.
//
// Knobs for fault tests (files on the installer):
//   /run/lab/<tool>.fail      exit with the status written in it, after some output
//   /run/lab/<tool>.lines     number of progress lines to print (default 20)
//   /run/lab/<tool>.delay-ms  pause between progress lines (default 0)

const recordCall = `
record_call() { # $1 tool name: keep argv and environment of this very process
  local dir=/run/lab/calls n
  mkdir -p "$dir"
  n=$(ls "$dir" | grep -c "^$1\\." || true)
  call_dir="$dir/$1.$n"
  mkdir "$call_dir"
  cp /proc/$$/cmdline "$call_dir/cmdline"
  cp /proc/$$/environ "$call_dir/environ"
  pwd > "$call_dir/cwd"
}
knob() { [ -f "/run/lab/$1" ] && cat "/run/lab/$1" || echo "$2"; }
progress() { # $1 tool
  local lines delay i
  lines=$(knob "$1.lines" 20); delay=$(knob "$1.delay-ms" 0)
  for i in $(seq 1 "$lines"); do
    echo "copying path '/nix/store/$(printf '%032d' "$i" | tr 0-9 a-j)-lab-package-$i' from 'https://cache.nixos.org'..."
    [ "$delay" -gt 0 ] && sleep "$(awk -v ms="$delay" 'BEGIN{printf "%.3f", ms/1000}')"
  done
  if [ -f "/run/lab/$1.fail" ]; then
    echo "error: lab stand-in told to fail (/run/lab/$1.fail)" >&2
    exit "$(cat "/run/lab/$1.fail")"
  fi
}
`;

export const nixosInstallStandIn = `#!/bin/bash
# nixos-install — LAB STAND-IN (nixos-bootstrap lab), not the NixOS tool: no Nix exists here.
set -u
${recordCall}
echo "nixos-install (lab stand-in): $*" >&2
root=/mnt flake="" system="" passwd=1
while [ $# -gt 0 ]; do
  case "$1" in
    --root) root=$2; shift 2 ;;
    --flake) flake=$2; shift 2 ;;
    --system) system=$2; shift 2 ;;
    --no-root-passwd|--no-root-password) passwd=0; shift ;;
    --no-channel-copy|--no-bootloader|--impure|--show-trace|-v|--verbose) shift ;;
    --option) shift 3 ;;
    *) echo "nixos-install: unrecognised flag '$1'" >&2; exit 1 ;;
  esac
done
record_call nixos-install
if [ -z "$flake$system" ]; then echo "error: this lab expects --flake or --system" >&2; exit 1; fi
if [ -n "$flake" ] && [ "$flake" = "\${flake%%#*}" ]; then
  echo "error: flake reference '$flake' names no configuration (expected URI#host)" >&2; exit 1
fi
if ! mountpoint -q "$root"; then echo "error: $root is not a mount point" >&2; exit 1; fi
# Like Nix, a flake given as a local path must be there (an uploaded or cloned configuration).
case "$flake" in /*) [ -f "\${flake%%#*}/flake.nix" ] || { echo "error: path '\${flake%%#*}' does not contain a 'flake.nix'" >&2; exit 1; } ;; esac
# What was mounted where when the install ran: the tests check the layout through it.
findmnt -rn -o TARGET,SOURCE,FSTYPE -R "$root" > "$call_dir/mounts"
swapon --show=NAME --noheadings > "$call_dir/swaps" 2>/dev/null || true
echo "building the system configuration..."
progress nixos-install
mkdir -p "$root/etc" "$root/nix/var/nix/profiles" "$root/boot"
echo "lab stand-in install of \${flake:-$system}" > "$root/etc/nixos-install.lab-stand-in"
: > "$root/etc/NIXOS"
ln -sfn "/nix/store/lab-stand-in-system" "$root/nix/var/nix/profiles/system"
if mountpoint -q "$root/boot"; then mkdir -p "$root/boot/loader/entries"; echo "title NixOS (lab stand-in)" > "$root/boot/loader/entries/nixos-lab.conf"; fi
sync
[ "$passwd" = 1 ] && echo "setting root password... (lab stand-in: skipped, no terminal)"
echo "installation finished!"
`;

/**
 * What the disko stand-in reads from the flake with real Nix, as disko reads its config: per disk
 * its device and, when a partition is LUKS, the mapper name and the key file the config names.
 */
const diskoConfigExpression = `let
  flake = builtins.getFlake (builtins.getEnv "NB_FLAKE");
  host = builtins.getEnv "NB_HOST";
  own = flake.diskoConfigurations or { };
  chosen = if own ? \${host} then own.\${host} else { disko = flake.nixosConfigurations.\${host}.config.disko; };
  config = if builtins.isFunction chosen then chosen (builtins.intersectAttrs (builtins.functionArgs chosen) { disks = builtins.fromJSON (builtins.getEnv "NB_DISKS"); }) else chosen;
  disks = config.disko.devices.disk or { };
  luks = disk: builtins.filter (part: (part.content.type or "") == "luks") (builtins.attrValues (disk.content.partitions or { }));
  describe = name: let disk = disks.\${name}; found = luks disk; part = builtins.head found; in
    if found == [ ] then "\${name} \${disk.device} - -"
    else "\${name} \${disk.device} \${part.content.name or "crypted"} \${part.content.passwordFile or (part.content.settings.keyFile or "-")}";
in builtins.concatStringsSep "\\n" (map describe (builtins.attrNames disks))`;

export const diskoStandIn = `#!/bin/bash
# disko — LAB STAND-IN (nixos-bootstrap lab), not the disko tool. Like disko it reads its config
# from the flake (with the real Nix in the lab): the disks it names, and for a LUKS partition the
# mapper name and the passwordFile/keyFile. On the one disk it applies a fixed layout: GPT, ESP
# "disk-NAME-ESP" 256M vfat + "disk-NAME-root" ext4 (inside LUKS2 when the config has LUKS),
# mounted at /mnt. Modes: destroy,format,mount (disko), format,mount (format: only what is
# missing), mount.
set -u
${recordCall}
echo "disko (lab stand-in): $*" >&2
mode="" flake="" disks_arg="[ ]" wipe=0
while [ $# -gt 0 ]; do
  case "$1" in
    --mode|-m) mode=$2; shift 2 ;;
    --flake|-f) flake=$2; shift 2 ;;
    --arg) [ "$2" = disks ] && disks_arg=$3; shift 3 ;;
    --yes-wipe-all-disks) wipe=1; shift ;;
    *) echo "disko: unrecognised argument '$1'" >&2; exit 1 ;;
  esac
done
record_call disko
case "$flake" in *#*) ;; *) echo "disko: expected --flake URI#host" >&2; exit 1 ;; esac
case "$mode" in
  destroy,format,mount|disko) mode=destroy,format,mount; [ "$wipe" = 1 ] || { echo "disko: refusing to destroy without --yes-wipe-all-disks" >&2; exit 1; } ;;
  format,mount|format) mode=format,mount ;;
  mount) ;;
  *) echo "disko: unknown mode '$mode'" >&2; exit 1 ;;
esac
disks_json=$(printf '%s' "$disks_arg" | sed 's/^\\[ *//; s/ *\\]$//; s/" *"/","/g; s/^/[/; s/$/]/')
config=$(NB_FLAKE="\${flake%%#*}" NB_HOST="\${flake#*#}" NB_DISKS="$disks_json" nix --extra-experimental-features 'nix-command flakes' eval --impure --raw --expr '${diskoConfigExpression}') || exit 1
[ -n "$config" ] || { echo "disko: the config names no disk" >&2; exit 1; }
[ "$(printf '%s\\n' "$config" | wc -l)" = 1 ] || { echo "disko (lab stand-in): handles one disk only" >&2; exit 1; }
read -r name disk mapper keyfile <<< "$config"
# disko's generated script fails on the first command that touches a missing device.
[ -b "$disk" ] || { echo "+ lsblk -a -f $disk" >&2; echo "lsblk: $disk: not a block device" >&2; exit 32; }
part() { case "$disk" in *[0-9]) echo "$disk"p"$1" ;; *) echo "$disk$1" ;; esac; }
esp=$(part 1) root=$(part 2) rootfs=$(part 2)
if [ "$mode" = destroy,format,mount ]; then
  umount -R /mnt 2>/dev/null || true
  [ "$mapper" = - ] || cryptsetup close "$mapper" 2>/dev/null || true
  wipefs -a "$disk" >/dev/null
  sgdisk -Z "$disk" >/dev/null 2>&1 || true
fi
if [ "$mode" != mount ] && ! sgdisk -p "$disk" 2>/dev/null | grep -q "disk-$name-root"; then
  sgdisk -n1:1M:+256M -t1:EF00 -c1:"disk-$name-ESP" -n2:0:0 -t2:8300 -c2:"disk-$name-root" "$disk" || exit 1
  partprobe "$disk" 2>/dev/null || true; udevadm settle 2>/dev/null || true
fi
[ -b "$root" ] || { echo "mount: $root: special device does not exist" >&2; exit 32; }
if [ "$mapper" != - ]; then
  [ -f "$keyfile" ] || { echo "Failed to open key file $keyfile." >&2; exit 1; }
  if [ "$mode" != mount ] && ! cryptsetup isLuks "$root"; then
    cryptsetup luksFormat --batch-mode --type luks2 --pbkdf pbkdf2 --pbkdf-force-iterations 1000 --key-file "$keyfile" "$root" || exit 1
  fi
  [ -e "/dev/mapper/$mapper" ] || cryptsetup open --key-file "$keyfile" "$root" "$mapper" || exit 1
  rootfs=/dev/mapper/$mapper
fi
if [ "$mode" != mount ]; then
  [ -n "$(blkid -o value -s TYPE "$esp")" ] || mkfs.vfat -F 32 -n ESP "$esp" >/dev/null || exit 1
  [ -n "$(blkid -o value -s TYPE "$rootfs")" ] || mkfs.ext4 -q -F -L "disk-$name-root" "$rootfs" || exit 1
fi
mount "$rootfs" /mnt || exit 32
mkdir -p /mnt/boot
mount -o umask=0077 "$esp" /mnt/boot || exit 32
progress disko
echo "disko (lab stand-in): $mode done on $disk"
`;

/**
 * nixos-generate-config --show-hardware-config --no-filesystems, as the real one answers it: a
 * hardware module from this machine's /sys (the modules of its disks' drivers and their
 * controllers), its CPU's KVM module and its platform.
 */
export const generateConfigStandIn = `#!/bin/bash
# nixos-generate-config — LAB STAND-IN (nixos-bootstrap lab), not the NixOS tool: no Nix exists here.
set -u
${recordCall}
record_call nixos-generate-config
show=0
while [ $# -gt 0 ]; do
  case "$1" in
    --show-hardware-config) show=1; shift ;;
    --no-filesystems) shift ;;
    --root) shift 2 ;;
    *) echo "nixos-generate-config: unrecognised flag '$1'" >&2; exit 1 ;;
  esac
done
[ "$show" = 1 ] || { echo "nixos-generate-config (lab stand-in): only --show-hardware-config is supported" >&2; exit 1; }
modules=
for dev in /sys/block/*; do
  node=$(readlink -f "$dev/device" 2>/dev/null)
  while [ -n "$node" ] && [ "$node" != / ] && [ "$node" != /sys/devices ]; do
    [ -e "$node/driver/module" ] && modules="$modules $(basename "$(readlink -f "$node/driver/module")")"
    node=$(dirname "$node")
  done
done
quoted=$(printf '%s\\n' $modules | sort -u | sed '/^$/d; s/.*/"&"/' | tr '\\n' ' ')
kvm=
grep -qw vmx /proc/cpuinfo && kvm='"kvm-intel"'
grep -qw svm /proc/cpuinfo && kvm='"kvm-amd"'
cat <<MODULE
# Do not modify this file!  It was generated by 'nixos-generate-config' (LAB STAND-IN, nixos-bootstrap lab)
{ config, lib, pkgs, modulesPath, ... }:

{
  boot.initrd.availableKernelModules = [ $quoted];
  boot.initrd.kernelModules = [ ];
  boot.kernelModules = [ $kvm ];
  boot.extraModulePackages = [ ];
  nixpkgs.hostPlatform = lib.mkDefault "$(uname -m)-linux";
}
MODULE
`;
