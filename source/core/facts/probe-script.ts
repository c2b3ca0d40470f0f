// The one remote script of the probe (in the spirit of nixos-anywhere's get-facts.sh). It only
// READS: no file, directory, mount, partition table or EFI variable is created or changed; its
// only redirections go to /dev/null. It prints sections that parse.ts understands:
//   @@nb probe 1          header (format version)
//   @@nb section NAME     start of a section
//   @@nb end              the whole output arrived
export const probeFormatVersion = 1;

/** lsblk columns, in lsblk's own names. MOUNTPOINTS (all mountpoints) exists from util-linux 2.37. */
export const lsblkColumns = [
  'NAME',
  'PATH',
  'MAJ:MIN',
  'TYPE',
  'SIZE',
  'MODEL',
  'SERIAL',
  'RM',
  'RO',
  'TRAN',
  'FSTYPE',
  'LABEL',
  'PARTLABEL',
  'PARTTYPE',
  'UUID',
  'PARTUUID',
  'MOUNTPOINTS',
  'PTTYPE',
];

/** Tools whose presence decides what the install can do. */
export const probedTools = [
  'nixos-install',
  'nixos-generate-config',
  'disko',
  'nix',
  'git',
  'cryptsetup',
  'sgdisk',
  'parted',
  'wipefs',
  'partprobe',
  'udevadm',
  'mkfs.vfat',
  'mkfs.ext4',
  'mkfs.btrfs',
  'mkswap',
  'efibootmgr',
  'lsblk',
  'findmnt',
];

export const probeScript = String.raw`
export LC_ALL=C
section() { printf '\n@@nb section %s\n' "$1"; }
# The leading newline: an rc file of this nested bash may have printed a line without one.
printf '\n@@nb probe ${probeFormatVersion}\n'

section os-release
cat /etc/os-release 2>/dev/null || cat /usr/lib/os-release 2>/dev/null

section system
printf 'hostname=%s\n' "$(cat /proc/sys/kernel/hostname 2>/dev/null || uname -n)"
printf 'arch=%s\n' "$(uname -m)"
printf 'kernel=%s\n' "$(uname -r)"
awk '/^MemTotal:/ { print "mem_total_kib=" $2 }' /proc/meminfo 2>/dev/null
if [ -d /sys/firmware/efi ]; then echo firmware=efi; else echo firmware=bios; fi
for tool in ${probedTools.join(' ')}; do
  if command -v "$tool" >/dev/null 2>&1; then echo "tool.$tool=1"; else echo "tool.$tool=0"; fi
done

# The link this session came in on, so the tool can say where the installed system will answer
# (its EUI-64 link-local address comes from this MAC).
section connection
server=$(printf '%s\n' "$SSH_CONNECTION" | cut -d' ' -f3 | cut -d% -f1)
if [ -n "$server" ] && command -v ip >/dev/null 2>&1; then
  for dev in /sys/class/net/*; do
    iface=$(basename "$dev")
    if ip -o addr show dev "$iface" 2>/dev/null | grep -qiF " $server/"; then
      printf 'interface=%s\nmac=%s\n' "$iface" "$(cat "$dev/address" 2>/dev/null)"
      break
    fi
  done
fi

section lsblk
cols='${lsblkColumns.join(',')}'
lsblk --json --bytes --output "$cols" 2>/dev/null \
  || lsblk --json --bytes --output "$(printf '%s' "$cols" | sed 's/MOUNTPOINTS/MOUNTPOINT/')" 2>/dev/null \
  || echo '@@nb failed lsblk'

# Filesystem facts straight from the devices, for systems where lsblk has no udev database to
# read them from. -c /dev/null: no blkid cache file is read or written.
section blkid
if command -v timeout >/dev/null 2>&1; then timeout 30 blkid -c /dev/null -o export 2>/dev/null; else blkid -c /dev/null -o export 2>/dev/null; fi

# Each disk's place on its bus, for when lsblk has no TRAN (no udev database): …/usb1/… is USB.
# MMC devices also say what they are: SD (a card) or MMC (soldered eMMC).
section sysfs
# name, /sys/devices path, mmc card type, and the drivers from the disk up to its controller
# (their modules where loadable: what the initrd needs to find the disk).
for dev in /sys/block/*; do
  modules=''
  node=$(readlink -f "$dev/device" 2>/dev/null)
  while [ -n "$node" ] && [ "$node" != / ] && [ "$node" != /sys/devices ]; do
    if [ -e "$node/driver/module" ]; then modules="$modules$(basename "$(readlink -f "$node/driver/module")"),"
    elif [ -e "$node/driver" ]; then modules="$modules$(basename "$(readlink -f "$node/driver")"),"; fi
    node=$(dirname "$node")
  done
  type=$(cat "$dev/device/type" 2>/dev/null)
  [ -n "$type" ] || type=-
  printf '%s %s %s %s\n' "$(basename "$dev")" "$(readlink -f "$dev")" "$type" "$modules"
done

section by-id
for link in /dev/disk/by-id/*; do
  [ -L "$link" ] && printf '%s %s\n' "$link" "$(readlink -f "$link")"
done

section mounts
findmnt --raw --noheadings --output TARGET,SOURCE,FSTYPE,MAJ:MIN 2>/dev/null \
  || awk '{ print $2, $1, $3, "-" }' /proc/self/mounts

section loops
for dev in /sys/block/loop*; do
  [ -r "$dev/loop/backing_file" ] && printf '%s %s\n' "$(basename "$dev")" "$(cat "$dev/loop/backing_file")"
done

# Things in use that lsblk may not show as mounted: swap, and imported ZFS pools (one directory
# per pool under /proc/spl/kstat/zfs).
section swaps
sed 1d /proc/swaps 2>/dev/null | cut -d' ' -f1

section zfs-pools
for pool in /proc/spl/kstat/zfs/*/; do
  [ -d "$pool" ] && basename "$pool"
done

section efibootmgr
if [ -d /sys/firmware/efi ] && command -v efibootmgr >/dev/null 2>&1; then efibootmgr -v 2>&1; fi

printf '\n@@nb end\n'
`;
