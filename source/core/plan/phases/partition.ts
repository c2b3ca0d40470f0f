import type { PhaseDefinition } from '../phase.js';
import type { LabelsContext } from '../plan-context.js';
import { describeDisk } from '../describe.js';
import { shellQuote as q } from '../shell.js';

export const partition: PhaseDefinition<'partition', LabelsContext> = {
  id: 'partition',
  title: 'Partition the disk',
  applies: (c) => c.kind === 'labels',
  commands: (c) => {
    const disk = q(c.diskRef);
    const create = c.partitions
      .flatMap((p) => [
        `-n${p.number}:${p.number === 1 ? '1MiB' : '0'}:${p.sizeMiB ? `+${p.sizeMiB}MiB` : '0'}`,
        `-t${p.number}:${p.typeCode}`,
        `-c${p.number}:${q(p.name)}`,
      ])
      .join(' ');
    return [
      // Old signatures inside partitions first, then the disk's own (GPT, MBR, filesystem).
      { run: `lsblk -nrpo NAME ${disk} | tac | xargs -r wipefs --all --force` },
      { run: `sgdisk --zap-all ${disk}` },
      { run: `sgdisk ${create} ${disk}` },
      { run: `partprobe ${disk}` },
      {
        run: `udevadm settle --timeout=30 && for p in ${c.partitions.map((p) => q(p.device)).join(' ')}; do test -b "$p" || { echo "partition $p did not appear" >&2; exit 1; }; done`,
      },
    ];
  },
  destroys: (c) => [`every partition and all data on ${describeDisk(c.disk)}`],
  doneCheck: (c) =>
    c.partitions.map((p) => `[ "$(sfdisk --part-label ${q(c.diskRef)} ${p.number} 2>/dev/null)" = ${q(p.name)} ] && test -b ${q(p.device)}`).join(' && '),
};
