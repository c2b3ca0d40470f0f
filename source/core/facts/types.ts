/** A partition (or a LUKS/dm child) as the probe saw it. */
export interface BlockChild {
  name: string;
  path: string;
  type: string; // part, crypt, lvm, …
  sizeBytes: number;
  fsType?: string;
  label?: string;
  partLabel?: string;
  /** GPT partition type GUID (lower case), e.g. c12a7328-f81f-11d2-ba4b-00a0c93ec93b for an ESP. */
  partTypeGuid?: string;
  uuid?: string;
  partUuid?: string;
  mountpoints: string[];
  children: BlockChild[];
}

/** A whole block device of the target. */
export interface Disk {
  /** Kernel name, e.g. `nvme0n1`. */
  name: string;
  /** `/dev/nvme0n1` */
  path: string;
  /** Stable names under /dev/disk/by-id, most specific first. */
  byId: string[];
  /** lsblk TYPE: disk, loop, rom, … */
  type: string;
  model?: string;
  serial?: string;
  sizeBytes: number;
  removable: boolean;
  readOnly: boolean;
  /** nvme, sata, usb, virtio, mmc (eMMC), sd (an SD card), … */
  transport?: string;
  /** Where it sits: its /sys/devices path (the probe's sysfs section). */
  busPath?: string;
  /** Kernel modules of the drivers between the disk and its controller (virtio_blk, nvme, ahci, …). */
  modules?: string[];
  partitionTable?: string;
  /** Filesystem directly on the disk, if any. */
  fsType?: string;
  label?: string;
  uuid?: string;
  mountpoints: string[];
  children: BlockChild[];
}

export interface EfiBootEntry {
  /** Boot0001 → "0001" */
  id: string;
  label: string;
  /** Partition GUID the entry points at, lower case, when the entry names one. */
  partUuid?: string;
  active: boolean;
}

/** What the read-only probe learned about the target. */
export interface Facts {
  osRelease: Record<string, string>;
  /** `VARIANT_ID=installer` in /etc/os-release. */
  isInstaller: boolean;
  hostname: string;
  /** `uname -m`: x86_64, aarch64, … */
  arch: string;
  memoryBytes: number;
  firmware: 'efi' | 'bios';
  disks: Disk[];
  efiBootEntries: EfiBootEntry[];
  /** Kernel names of the disks that hold the installer's own root, ISO or store. */
  bootDisks: string[];
  /** Which tools exist on the target (nixos-install, disko, cryptsetup, sgdisk, efibootmgr, …). */
  tools: Record<string, boolean>;
  /** Devices of active swap areas (/proc/swaps). */
  activeSwaps?: string[];
  /** Imported ZFS pools: their members are in use even with nothing mounted. */
  zfsPools?: string[];
  /** The target's interface this SSH session arrived on, when the probe could tell. */
  connection?: { interface: string; mac?: string };
}
