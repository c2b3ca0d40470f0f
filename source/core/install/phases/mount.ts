import type { PhaseDefinition } from '../phase.js';
import { shellQuote as q } from '../../plan/shell.js';

// Both sides canonical: findmnt names /dev/mapper/x where readlink -f gives /dev/dm-0.
const mountedFrom = (target: string, device: string) =>
  `[ "$(readlink -f "$(findmnt -n -o SOURCE --mountpoint ${target})")" = "$(readlink -f ${q(device)})" ]`;

export const mount: PhaseDefinition = {
  id: 'mount',
  title: 'Mount the new system under /mnt',
  applies: (c) => c.choices.layout.kind !== 'disko',
  commands: (c) => {
    const labels = c.choices.layout.kind === 'labels';
    const swap = c.swapDevice
      ? labels
        ? [{ run: `swapon ${q(c.swapDevice)}` }]
        : [{ run: `if [ -e ${q(c.swapDevice)} ]; then swapon ${q(c.swapDevice)}; fi` }]
      : [];
    return [
      { run: `mount ${q(c.rootDevice!)} /mnt` },
      { run: 'mkdir -p /mnt/boot' },
      // The ESP holds the boot loader's secrets too (random seed): keep it root-only.
      { run: `mount ${labels ? '-o fmask=0077,dmask=0077 ' : ''}${q(c.bootDevice!)} /mnt/boot` },
      ...swap,
    ];
  },
  doneCheck: (c) => {
    const checks = [mountedFrom('/mnt', c.rootDevice!), mountedFrom('/mnt/boot', c.bootDevice!)];
    if (c.swapDevice && c.choices.layout.kind === 'labels') {
      checks.push(`swapon --show=NAME --noheadings | grep -qx "$(readlink -f ${q(c.swapDevice)})"`);
    }
    return checks.join(' && ');
  },
  cleanUp: (c) => [
    ...(c.swapDevice ? [{ run: `swapoff ${q(c.swapDevice)} 2>/dev/null || true` }] : []),
    { run: 'umount -R /mnt' },
  ],
};
