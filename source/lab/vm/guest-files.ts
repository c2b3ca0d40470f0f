// Files of the VM installer's root filesystem that are the same for every lab (the cached base
// initramfs). Per-lab files (host key, authorized_keys, hostname, shadow, sshd/avahi config)
// are in config-archive.ts.
import { hostKeyOnIso } from '../../core/installer/installer-flake.js';

/** The volume label of the NixOS 24.11 minimal ISO; the boot medium carries it, /init mounts it at /iso. */
export const bootMediumLabel = 'nixos-minimal-24.11-x86_64';
export const staticLinkLocal = 'fe80::47';
export const guestInterface = 'eth0';
/** Printed on the serial console when boot finished / failed; the host watches for them. */
export const readyMarker = 'LAB-VM READY';
export const failedMarker = 'LAB-VM FAILED';
/** Where an installer image's host key is once its boot medium is mounted (installer-flake.ts). */
const isoHostKey = `/iso${hostKeyOnIso}`;
/** Present when the per-lab config brings no host key: the boot medium must. */
export const hostKeyOnMediumMarker = '/etc/lab/host-key-on-medium';

export const passwd = `root:x:0:0:System administrator:/root:/bin/bash
sshd:x:998:998:SSH privilege separation user:/var/empty:/usr/sbin/nologin
avahi:x:997:997:avahi-daemon privilege separation user:/var/empty:/usr/sbin/nologin
nobody:x:65534:65534:Unprivileged account:/var/empty:/usr/sbin/nologin
`;

// udev rules name these groups; without them udevd warns for every device.
export const group =
  [
    'root:x:0:',
    'tty:x:5:',
    'disk:x:6:',
    'lp:x:7:',
    'kmem:x:9:',
    'dialout:x:20:',
    'cdrom:x:24:',
    'floppy:x:25:',
    'tape:x:26:',
    'audio:x:29:',
    'video:x:44:',
    'input:x:100:',
    'kvm:x:101:',
    'render:x:102:',
    'sgx:x:103:',
    'avahi:x:997:',
    'sshd:x:998:',
    'nogroup:x:65534:',
  ].join('\n') + '\n';

export const nsswitch = 'passwd: files\ngroup: files\nshadow: files\nhosts: files\n';

/** usb-storage waits 1 s before scanning a new stick by default; the lab boots faster without. */
export const modprobeConf = 'options usb_storage delay_use=0\n';

export const inittab = `::sysinit:/etc/rc.lab
ttyS0::respawn:-/bin/sh
::ctrlaltdel:/usr/sbin/reboot
::shutdown:/etc/rc.lab-shutdown
`;

export const shutdownScript = `#!/bin/bash
swapoff -a 2>/dev/null
umount -a -r 2>/dev/null
sync
`;

export const profile = `# /etc/profile of the nixos-bootstrap lab VM installer
PS1='[\\u@\\h:\\w]\\$ '
`;

/**
 * /etc/rc.lab, run once by busybox init (PID 1). Networking comes first so that duplicate address
 * detection of fe80::47 runs while modules, udev and the boot medium settle; sshd starts last, so
 * its banner means "ready". It runs under busybox's own shell on purpose: that shell runs busybox
 * applets (mount, modprobe, ip, ...) without exec-ing the dynamically linked real tools, which saves
 * about a second under TCG. Everything a user or nixos-bootstrap runs gets bash and the real tools.
 */
export const rcLab = `#!/usr/bin/busybox sh
# Boot of the nixos-bootstrap lab's VM installer (not NixOS: Debian's kernel + this host's tools).
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin
step() { read -r up _ < /proc/uptime; echo "lab-vm: [$up s] $*"; }
fail() { echo "${failedMarker}: $*"; exit 1; }
# /proc/net/if_inet6: address ifindex prefix scope flags name; flag 0x40 = tentative (DAD running)
tentative() {
  while read -r _ _ _ _ flags name; do
    [ "$name" = "$1" ] && [ $((0x$flags & 0x40)) -ne 0 ] && return 0
  done < /proc/net/if_inet6
  return 1
}

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mkdir -p /dev/pts /dev/shm
mount -t devpts -o gid=5,mode=620,ptmxmode=666 devpts /dev/pts
mount -t tmpfs -o nosuid,nodev,mode=1777 tmpfs /dev/shm
mount -t tmpfs -o nosuid,nodev,mode=755 tmpfs /run
mkdir -p /run/lab /run/sshd /run/avahi-daemon /run/udev /run/lock /run/cryptsetup /run/log
hostname -F /etc/hostname
syslogd -O /run/log/messages
step "kernel $(uname -r) up"

modprobe -a virtio_pci virtio_net || fail "no network driver"
ip link set lo up
# Duplicate address detection stays on, minus its random start delay (up to 1 s).
sysctl -qw net.ipv6.conf.${guestInterface}.router_solicitation_delay=0
ip link set ${guestInterface} up || fail "no ${guestInterface}"
# The stock-ISO variant announces nothing and holds no fe80::47, like nixpkgs' minimal ISO.
stock=; [ -e /etc/lab/stock-iso ] && stock=1
[ -n "$stock" ] || ip -6 addr add ${staticLinkLocal}/64 dev ${guestInterface}
[ -s /etc/lab/ipv4 ] && ip addr add "$(cat /etc/lab/ipv4)" dev ${guestInterface}
# Early, like on NixOS: it announces addresses as they become valid, and its start-up (multicast
# joins, probing) is over before sshd answers.
[ -n "$stock" ] || avahi-daemon -D --no-chroot --no-drop-root --no-rlimits || fail "avahi-daemon did not start"
modprobe -a $(cat /etc/lab/modules.boot) || fail "boot modules did not load"
if [ -d /sys/firmware/efi ]; then
  modprobe -a $(cat /etc/lab/modules.efi) && mount -t efivarfs efivarfs /sys/firmware/efi/efivars || fail "no efivarfs"
fi
step "boot modules loaded"

/usr/lib/systemd/systemd-udevd --daemon || fail "udevd did not start"
# Block devices only: the rest of sysfs (ttys, memory blocks, ...) costs seconds under TCG.
udevadm trigger --type=devices --action=add --subsystem-match=block
# The install modules load while the USB stick enumerates and udev works.
modprobe -a $(cat /etc/lab/modules.install) &
install_modules=$!
udevadm settle --timeout=30
step "udev settled"

# Like NixOS' stage 1: find the installer medium by its label, mount it read-only at /iso.
label=$(cat /etc/lab/boot-medium-label)
tries=0
until [ -e "/dev/disk/by-label/$label" ] || [ $tries -ge 300 ]; do sleep 0.05; tries=$((tries + 1)); done
medium=$(readlink -f "/dev/disk/by-label/$label")
mount -t iso9660 -o ro "$medium" /iso || fail "boot medium '$label' not found"
step "boot medium $medium at /iso"
# As an image made by nixos-bootstrap installer (its nixos-bootstrap-host-key service): the host
# key it was made with, from the medium, 0600, before sshd starts.
[ -e ${hostKeyOnMediumMarker} ] && [ ! -f ${isoHostKey} ] && fail "no host key on the boot medium (${isoHostKey})"
if [ -f ${isoHostKey} ]; then
  (umask 077 && cp ${isoHostKey} /etc/ssh/ssh_host_ed25519_key && chmod 600 /etc/ssh/ssh_host_ed25519_key) || fail "host key not copied from the boot medium"
  ssh-keygen -y -f /etc/ssh/ssh_host_ed25519_key > /etc/ssh/ssh_host_ed25519_key.pub || fail "host key on the boot medium unreadable"
  step "host key from the boot medium"
fi

wait $install_modules || fail "install modules did not load"
step "install modules loaded"

# sshd's banner must mean "reachable": wait out duplicate address detection of fe80::47.
tries=0
while tentative ${guestInterface} && [ $tries -lt 100 ]; do sleep 0.05; tries=$((tries + 1)); done
step "link-local addresses usable"

# -r: no re-exec of sshd per connection, which costs 0.2-0.5 s per login under TCG.
/usr/sbin/sshd -r -E /run/sshd.log || fail "sshd did not start"
step "${readyMarker}"
`;
