import { always, type PhaseDefinition } from '../phase.js';
import { mountsItself } from '../plan-context.js';
import { shellQuote as q } from '../shell.js';

const powerCommand = { poweroff: 'poweroff', reboot: 'reboot' } as const;

export const finish: PhaseDefinition<'finish'> = {
  id: 'finish',
  title: 'Unmount and finish',
  applies: always,
  commands: (c) => {
    const luks = mountsItself(c) ? c.luks : null;
    const swapDevice = mountsItself(c) ? c.swapDevice : null;
    const action = c.choices.finish;
    return [
      { run: 'sync' },
      // Each step checks first, so a finish cut short can run again on --resume.
      ...(c.choices.tmpstore ? [{ run: 'if mountpoint -q /nix/store; then umount /nix/store; fi' }] : []),
      { run: 'if mountpoint -q /mnt; then umount -R /mnt; fi' },
      ...(swapDevice ? [{ run: `swapoff ${q(swapDevice)} 2>/dev/null || true` }] : []),
      ...(luks ? [{ run: `if cryptsetup status ${q(luks.name)} >/dev/null; then cryptsetup close ${q(luks.name)}; fi` }] : []),
      // Detached, so this command returns before the connection goes down with the machine.
      ...(action === 'none' ? [] : [{ run: `nohup sh -c 'sleep 2; ${powerCommand[action]}' >/dev/null 2>&1 &` }]),
    ];
  },
};
