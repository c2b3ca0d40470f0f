import type { Disk } from '../facts/types.js';
import { formatBytes } from './sizes.js';

/** `/dev/vda (virtio, 8 GiB, QEMU HARDDISK, serial NB-LAB-DISK0)` */
export function describeDisk(disk: Disk): string {
  const details = [disk.transport, formatBytes(disk.sizeBytes), disk.model, disk.serial ? `serial ${disk.serial}` : undefined].filter(Boolean);
  return `${disk.path} (${details.join(', ')})`;
}
