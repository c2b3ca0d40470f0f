import type { PhaseDefinition } from '../phase.js';
import { shellQuote as q } from '../../plan/shell.js';
import { luksOf } from './luks-format.js';

const powerCommand = { poweroff: 'poweroff', reboot: 'reboot' } as const;

export const finish: PhaseDefinition = {
  id: 'finish',
  title: 'Unmount and finish',
  applies: () => true,
  commands: (c) => {
    const luks = luksOf(c);
    const action = c.choices.finish;
    return [
      { run: 'sync' },
      ...(c.choices.tmpstore ? [{ run: 'umount /nix/store' }] : []),
      { run: 'umount -R /mnt' },
      ...(c.swapDevice ? [{ run: `swapoff ${q(c.swapDevice)} 2>/dev/null || true` }] : []),
      ...(luks && c.choices.layout.kind !== 'disko' ? [{ run: `cryptsetup close ${q(luks.name)}` }] : []),
      // Detached, so this command returns before the connection goes down with the machine.
      ...(action === 'none' ? [] : [{ run: `nohup sh -c 'sleep 2; ${powerCommand[action]}' >/dev/null 2>&1 &` }]),
    ];
  },
};
