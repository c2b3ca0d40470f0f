import type { PhaseDefinition } from '../phase.js';
import { mountsItself, type LabelsContext, type MountedContext } from '../plan-context.js';
import { shellQuote as q } from '../shell.js';

const swapActive = (device: string) => `swapon --show=NAME --noheadings | grep -qx "$(readlink -f ${q(device)})"`;

// Both sides canonical: findmnt names /dev/mapper/x where readlink -f gives /dev/dm-0.
const mountedFrom = (target: string, device: string) => `[ "$(readlink -f "$(findmnt -n -o SOURCE --mountpoint ${target})")" = "$(readlink -f ${q(device)})" ]`;

export const mount: PhaseDefinition<'mount', LabelsContext | MountedContext> = {
  id: 'mount',
  title: 'Mount the new system under /mnt',
  applies: mountsItself,
  commands: (c) => {
    const labels = c.kind === 'labels';
    const swapOn = c.swapDevice ? `${swapActive(c.swapDevice)} || swapon ${q(c.swapDevice)}` : '';
    const swap = c.swapDevice ? [{ run: labels ? swapOn : `if [ -e ${q(c.swapDevice)} ]; then ${swapOn}; fi` }] : [];
    return [
      // Rerun after a cut (resume): start again from nothing mounted rather than half of it.
      { run: 'if mountpoint -q /mnt; then umount -R /mnt; fi' },
      { run: `mount ${q(c.rootDevice)} /mnt` },
      { run: 'mkdir -p /mnt/boot' },
      // The ESP holds the boot loader's secrets too (random seed): keep it root-only.
      { run: `mount ${labels ? '-o fmask=0077,dmask=0077 ' : ''}${q(c.bootDevice)} /mnt/boot` },
      ...swap,
    ];
  },
  doneCheck: (c) => {
    const checks = [mountedFrom('/mnt', c.rootDevice), mountedFrom('/mnt/boot', c.bootDevice)];
    if (c.swapDevice && c.kind === 'labels') checks.push(swapActive(c.swapDevice));
    return checks.join(' && ');
  },
  cleanUp: (c) => [
    ...(c.swapDevice ? [{ run: `swapoff ${q(c.swapDevice)} 2>/dev/null || true` }] : []),
    { run: 'if mountpoint -q /mnt; then umount -R /mnt; fi' },
  ],
};
