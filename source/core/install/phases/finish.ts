import type { PhaseDefinition } from '../phase.js';
import { shellQuote as q } from '../../plan/shell.js';

const powerCommand = { poweroff: 'poweroff', reboot: 'reboot' } as const;

export const finish: PhaseDefinition = {
  id: 'finish',
  title: 'Unmount and finish',
  applies: () => true,
  commands: (c) => {
    const { luks } = c;
    const action = c.choices.finish;
    return [
      { run: 'sync' },
      // Each step checks first, so a finish cut short can run again on --resume.
      ...(c.choices.tmpstore ? [{ run: 'if mountpoint -q /nix/store; then umount /nix/store; fi' }] : []),
      { run: 'if mountpoint -q /mnt; then umount -R /mnt; fi' },
      ...(c.swapDevice ? [{ run: `swapoff ${q(c.swapDevice)} 2>/dev/null || true` }] : []),
      ...(luks ? [{ run: `if cryptsetup status ${q(luks.name)} >/dev/null; then cryptsetup close ${q(luks.name)}; fi` }] : []),
      // Detached, so this command returns before the connection goes down with the machine.
      ...(action === 'none' ? [] : [{ run: `nohup sh -c 'sleep 2; ${powerCommand[action]}' >/dev/null 2>&1 &` }]),
    ];
  },
};
