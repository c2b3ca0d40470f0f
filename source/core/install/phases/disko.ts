import type { PhaseDefinition } from '../phase.js';
import { describeDisk } from '../../plan/describe.js';
import { targetFlake } from '../../plan/flake-ref.js';
import { shellQuote as q } from '../../plan/shell.js';

export const disko: PhaseDefinition = {
  id: 'disko',
  title: "Partition, format and mount with the flake's disko config",
  applies: (c) => c.choices.layout.kind === 'disko',
  commands: (c) => [
    {
      // Configs written as a function of `disks` receive the chosen disk.
      run: `disko --mode destroy,format,mount --yes-wipe-all-disks --flake ${q(targetFlake(c.choices))} --arg disks ${q(`[ "${c.diskRef}" ]`)}`,
    },
  ],
  destroys: (c) => [`every partition and all data on ${describeDisk(c.disk!)} (and any other disk the disko config names)`],
  doneCheck: () => 'mountpoint -q /mnt',
  cleanUp: () => [{ run: 'umount -R /mnt' }],
};
