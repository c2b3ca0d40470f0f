import type { Disk, Facts } from '../../../source/core/facts/types.js';
import type { Choices } from '../../../source/core/plan/types.js';
import { GiB } from '../../../source/core/plan/sizes.js';

export const disk = (over: Partial<Disk> = {}): Disk => ({
  name: 'vda',
  path: '/dev/vda',
  byId: [],
  type: 'disk',
  model: 'QEMU HARDDISK',
  serial: 'NB-LAB-DISK0',
  sizeBytes: 8 * GiB,
  removable: false,
  readOnly: false,
  transport: 'virtio',
  mountpoints: [],
  children: [],
  ...over,
});

export const facts = (over: Partial<Facts> = {}): Facts => ({
  osRelease: { ID: 'nixos', VARIANT_ID: 'installer' },
  isInstaller: true,
  hostname: 'bootstrap',
  arch: 'x86_64',
  memoryBytes: 4 * GiB,
  firmware: 'efi',
  disks: [disk()],
  efiBootEntries: [],
  bootDisks: [],
  tools: {},
  ...over,
});

export const choices = (over: Partial<Choices> = {}): Choices => ({
  disk: '/dev/vda',
  layout: { kind: 'labels', efiSizeMiB: 512, swapSizeMiB: 0, luks: null },
  labels: { efi: 'boot', root: 'nixos', swap: 'swap' },
  mkdirs: [],
  postMount: [],
  tmpstore: false,
  flake: { uri: 'github:me/nixos-config', host: 'web' },
  install: { mode: 'flake', repoPath: '/mnt/nix-config' },
  ageKey: { recipient: 'age1qqqq', path: '/etc/age/web.agekey' },
  hostKey: null,
  finish: 'poweroff',
  ...over,
});

export const luks = { label: 'cryptroot', name: 'cryptroot' };
