import type { PhaseDefinition } from '../phase.js';
import type { LabelsContext } from '../plan-context.js';
import { shellQuote as q } from '../shell.js';

const hasFs = (device: string, type: string, label: string) =>
  `[ "$(blkid -o value -s TYPE ${q(device)})" = ${type} ] && [ "$(blkid -o value -s LABEL ${q(device)})" = ${q(label)} ]`;

export const format: PhaseDefinition<'format', LabelsContext> = {
  id: 'format',
  title: 'Create filesystems',
  applies: (c) => c.kind === 'labels',
  commands: (c) => {
    const { labels } = c.choices;
    return [
      { run: `mkfs.vfat -F 32 -n ${q(labels.efi)} ${q(c.bootDevice)}` },
      ...(c.swapDevice ? [{ run: `mkswap -L ${q(labels.swap)} ${q(c.swapDevice)}` }] : []),
      { run: `mkfs.ext4 -F -q -L ${q(labels.root)} ${q(c.rootDevice)}` },
    ];
  },
  destroys: (c) => [`any data on ${[c.bootDevice, c.swapDevice, c.rootDevice].filter(Boolean).join(', ')} (new filesystems)`],
  doneCheck: (c) => {
    const { labels } = c.choices;
    return [
      hasFs(c.bootDevice, 'vfat', labels.efi),
      ...(c.swapDevice ? [hasFs(c.swapDevice, 'swap', labels.swap)] : []),
      hasFs(c.rootDevice, 'ext4', labels.root),
    ].join(' && ');
  },
};
