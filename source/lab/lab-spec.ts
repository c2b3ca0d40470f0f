/** What `lab up` builds. Every field has a default, so `{}` is a one-installer lab. */
export interface InstallerSpec {
  /** Host name announced by avahi (`<hostname>.local`). Default `bootstrap`. */
  hostname?: string;
  /** Also give the installer an IPv4 address (A record). Default false: IPv6 link-local only. */
  ipv4?: boolean;
  /** Root password accepted by sshd; key-only when unset. */
  password?: string;
  /** Run avahi-daemon. Default true. */
  avahi?: boolean;
  /** Also an EUI-64 link-local address beside fe80::47. Default true. */
  eui64?: boolean;
  /** Use this private host key instead of a fresh one (twins, spoofers). */
  hostKeyFile?: string;
  /**
   * A directory written by `nixos-bootstrap installer`: the installer boots as that image would,
   * with its name, host key and authorized keys (instead of the lab laptop's key).
   */
  installerDir?: string;
  /** Size of the sparse "internal" disk. Default 8 GiB. */
  diskSizeBytes?: number;
  /** `VARIANT_ID=installer` in os-release. Default true; false makes a non-installer target. */
  isInstaller?: boolean;
  /**
   * Behaves like the stock NixOS minimal ISO: no avahi, no fe80::47 (EUI-64 only), root may not
   * log in, a `nixos` user with the laptop's key and passwordless sudo.
   */
  stockIso?: boolean;
  /** Root's ~/.bashrc prints lines on both streams and sleeps 1 s (host-files.ts noisyBashrc). */
  noisyLoginShell?: boolean;
  /**
   * The internal disk ready for `install --layout mounted`: two ext4 partitions labelled boot and
   * nixos, with /dev/disk/by-label links in the installer's private /dev (a netns installer has
   * no vfat and no udev, so it cannot lay out a disk itself). The tool mounts and installs.
   */
  mountedLayout?: boolean;
}

export interface VmSpec {
  /** Boot with OVMF so /sys/firmware/efi exists. Default false (BIOS). */
  efi?: boolean;
  /** A reboot inside the VM boots the installer again (default: it ends the VM). */
  allowReboot?: boolean;
  hostname?: string;
  password?: string;
  /** As InstallerSpec.installerDir: the VM boots as that image would (name, host key, authorized keys). */
  installerDir?: string;
  /** As InstallerSpec.stockIso; the tests reach root with ~/.ssh/lab_backdoor, which the tool never tries. */
  stockIso?: boolean;
  /** Size of the virtio "internal" disk. Default 8 GiB. */
  diskSizeBytes?: number;
  /**
   * Also a USB-SATA backup drive that reports itself fixed (usb-storage removable=off, RM=0):
   * the disk a heuristic must never pick. Empty; tests put data on it.
   */
  usbBackupDisk?: boolean;
}

export interface LabSpec {
  /** Names every namespace, file and process of this lab, so labs can run side by side. */
  id?: string;
  installers?: InstallerSpec[];
  /** Put all installers on one bridged link (avahi renames twins, DAD rejects a second fe80::47). */
  sharedLink?: boolean;
  vm?: VmSpec | null;
}

export const defaultLabId = 'nbl';
export const GiB = 1024 ** 3;
export const MiB = 1024 ** 2;
export const staticLinkLocal = 'fe80::47';

export const labIdPattern = /^[a-z][a-z0-9]{0,7}$/;

export const labsRoot = '/var/tmp/nixos-bootstrap/labs';

export const labPaths = (id: string) => ({
  // Not under /run: every lab host mounts a private /run, which would hide it.
  stateDir: `${labsRoot}/${id}`,
  imageDir: `${labsRoot}/${id}/images`,
  laptopNetns: `${id}-laptop`,
  installerNetns: (index: number) => `${id}-i${index}`,
});

/** The laptop's interface towards installer `index` (1-based), or the bridge of a shared link. */
export const laptopInterface = (index: number) => `inst${index}`;
export const sharedBridge = 'lan0';
export const vmTap = 'vm0';
