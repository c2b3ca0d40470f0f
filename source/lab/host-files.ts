// Configuration files of lab hosts. Kept apart from the code that starts the hosts.

/** A NixOS 24.11 os-release; an installer says so with VARIANT_ID=installer. */
export const osRelease = (isInstaller: boolean, variant = 'nixos-bootstrap lab') => `ANSI_COLOR="1;34"
BUG_REPORT_URL="https://github.com/NixOS/nixpkgs/issues"
BUILD_ID="24.11.20241130.lab"
DOCUMENTATION_URL="https://nixos.org/learn.html"
HOME_URL="https://nixos.org/"
ID=nixos
ID_LIKE=""
LOGO="nix-snowflake"
NAME=NixOS
PRETTY_NAME="NixOS 24.11 (Vicuna)"
SUPPORT_URL="https://nixos.org/community.html"
${isInstaller ? `VARIANT="Installer (${variant})"\nVARIANT_ID=installer\n` : ''}VENDOR_NAME=NixOS
VERSION="24.11 (Vicuna)"
VERSION_CODENAME=vicuna
VERSION_ID="24.11"
`;

export const sshdConfig = (hostKeyFile: string, passwordAuth: boolean, rootLogin = true) => `Port 22
ListenAddress ::
ListenAddress 0.0.0.0
HostKey ${hostKeyFile}
PidFile /run/sshd.pid
PermitRootLogin ${rootLogin ? 'yes' : 'no'}
PubkeyAuthentication yes
AuthorizedKeysFile .ssh/authorized_keys
PasswordAuthentication ${passwordAuth ? 'yes' : 'no'}
PermitEmptyPasswords no
KbdInteractiveAuthentication no
UsePAM no
UseDNS no
PrintMotd no
PrintLastLog no
StrictModes no
# Every authentication attempt is logged (VERBOSE; DEBUG would also print to sessions), so
# tests can prove a host was sent none.
LogLevel VERBOSE
Subsystem sftp /usr/lib/openssh/sftp-server
`;

/** avahi-daemon.conf; `interfaces` empty = every interface of the host. */
export const avahiConfig = (hostname: string, interfaces: string[], dbus: boolean) => `[server]
host-name=${hostname}
domain-name=local
use-ipv4=yes
use-ipv6=yes
${interfaces.length ? `allow-interfaces=${interfaces.join(',')}\n` : ''}enable-dbus=${dbus ? 'yes' : 'no'}
ratelimit-interval-usec=1000000
ratelimit-burst=1000
[wide-area]
enable-wide-area=no
[publish]
publish-addresses=yes
publish-hinfo=no
publish-workstation=no
publish-aaaa-on-ipv4=yes
publish-a-on-ipv6=no
[reflector]
[rlimits]
`;

/** What a NixOS installer with services.avahi.publish.userServices announces. */
export const avahiSshService = `<?xml version="1.0" standalone='no'?>
<!DOCTYPE service-group SYSTEM "avahi-service.dtd">
<service-group>
  <name replace-wildcards="yes">%h</name>
  <service><type>_ssh._tcp</type><port>22</port></service>
</service-group>
`;

export const dbusSystemConfig = `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=/run/dbus/system_bus_socket</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*"/>
    <allow receive_sender="*"/>
  </policy>
</busconfig>
`;

/**
 * udevadm — LAB STAND-IN for the netns installer, which has no udevd and whose kernel has no
 * GPT parser: `settle`/`trigger` re-read partition tables with partx and create the device
 * nodes of partitions in the installer's private /dev.
 */
export const udevadmStandIn = `#!/bin/bash
# udevadm — LAB STAND-IN (nixos-bootstrap netns installer): no udevd here.
case "\${1:-}" in
  --version|-V) echo 252; exit 0 ;;
  settle|trigger) ;;
  *) exit 0 ;;
esac
for blk in /sys/block/*; do
  disk=\${blk##*/}
  partx -u "/dev/$disk" >/dev/null 2>&1; partx -a "/dev/$disk" >/dev/null 2>&1
  for part in "$blk/$disk"*; do
    [ -f "$part/partition" ] || continue
    node=/dev/\${part##*/}; IFS=: read -r major minor < "$part/dev"
    [ -b "$node" ] || mknod -m 660 "$node" b "$major" "$minor"
  done
done
exit 0
`;

/**
 * poweroff/reboot/halt — LAB STAND-IN for the netns installer, which shares this machine's
 * kernel: the real command would stop the machine running the tests. Records the call instead.
 */
export const powerStandIn = `#!/bin/bash
# $(basename "$0") — LAB STAND-IN (nixos-bootstrap netns installer): records, does not power off.
mkdir -p /run/lab/calls
echo "$(basename "$0") $*" >> /run/lab/calls/power
echo "lab stand-in: $(basename "$0") recorded in /run/lab/calls/power, nothing stopped" >&2
`;

/**
 * Root's ~/.bashrc on an installer whose login shell talks and dawdles, as many users' rc files
 * do (bash reads it for every `ssh host command`): lines on both streams, one without a newline,
 * and a second's wait before the command runs.
 */
export const noisyBashrc = `# nixos-bootstrap lab: a noisy, slow login shell
echo "Welcome to the lab installer (printed by ~/.bashrc)"
echo "bashrc: a warning on stderr" >&2
printf 'bashrc: no newline here'
sleep 1
`;
