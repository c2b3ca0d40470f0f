import type { PhaseDefinition } from '../phase.js';
import type { PlanContext } from '../plan-context.js';

export const tmpstore: PhaseDefinition<'tmpstore'> = {
  id: 'tmpstore',
  title: 'Give the live Nix store room on the new disk',
  applies: (c): c is PlanContext => c.choices.tmpstore,
  commands: () => [
    { run: 'mkdir -p /mnt/tmpstore/store /mnt/tmpstore/work' },
    // Installers run from RAM: new store paths land on the disk instead, under the live store.
    { run: 'mount -t overlay overlay -o lowerdir=/nix/store,upperdir=/mnt/tmpstore/store,workdir=/mnt/tmpstore/work /nix/store' },
  ],
  doneCheck: () => '[ "$(findmnt -n -o FSTYPE --mountpoint /nix/store)" = overlay ]',
  cleanUp: () => [{ run: 'if mountpoint -q /nix/store; then umount /nix/store; fi' }],
};
