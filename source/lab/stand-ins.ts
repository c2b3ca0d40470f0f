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

export const diskoStandIn = `#!/bin/bash
# disko — LAB STAND-IN (nixos-bootstrap lab), not the disko tool: it cannot evaluate a flake here.
# It applies one fixed layout (GPT: ESP "disk-main-ESP" 256M vfat + root "disk-main-root" ext4)
# to the disk passed with --arg disks '[ "/dev/…" ]' and mounts it at /mnt like disko would.
set -eu
${recordCall}
echo "disko (lab stand-in): $*" >&2
mode="" flake="" disk="" wipe=0
while [ $# -gt 0 ]; do
  case "$1" in
    --mode|-m) mode=$2; shift 2 ;;
    --flake|-f) flake=$2; shift 2 ;;
    --arg) [ "$2" = disks ] && disk=$(printf '%s' "$3" | sed -n 's/.*"\\(\\/dev\\/[^"]*\\)".*/\\1/p'); shift 3 ;;
    --yes-wipe-all-disks) wipe=1; shift ;;
    *) echo "disko: unrecognised argument '$1'" >&2; exit 1 ;;
  esac
done
record_call disko
[ -n "$flake" ] && [ "$flake" != "\${flake%%#*}" ] || { echo "disko: expected --flake URI#host" >&2; exit 1; }
[ -b "$disk" ] || { echo "disko: no disk given (--arg disks '[ \\"/dev/…\\" ]')" >&2; exit 1; }
case "$mode" in destroy,format,mount|disko) ;; *) echo "disko: lab stand-in supports --mode destroy,format,mount only" >&2; exit 1 ;; esac
[ "$wipe" = 1 ] || { echo "disko: refusing to destroy without --yes-wipe-all-disks" >&2; exit 1; }
part() { case "$disk" in *[0-9]) echo "$disk"p"$1" ;; *) echo "$disk$1" ;; esac; }
umount -R /mnt 2>/dev/null || true
wipefs -a "$disk" >/dev/null
sgdisk -Z "$disk" >/dev/null 2>&1 || true
sgdisk -n1:1M:+256M -t1:EF00 -c1:disk-main-ESP -n2:0:0 -t2:8300 -c2:disk-main-root "$disk"
partprobe "$disk" 2>/dev/null || true; udevadm settle 2>/dev/null || true
mkfs.vfat -F 32 -n ESP "$(part 1)" >/dev/null
mkfs.ext4 -q -F -L disk-main-root "$(part 2)"
mount "$(part 2)" /mnt
mkdir -p /mnt/boot
mount -o umask=0077 "$(part 1)" /mnt/boot
progress disko
echo "disko (lab stand-in): destroyed, formatted and mounted $disk"
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
