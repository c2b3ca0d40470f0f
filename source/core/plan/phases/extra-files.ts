import type { PhaseDefinition } from '../phase.js';
import type { PlanContext } from '../plan-context.js';
import { shellQuote as q } from '../shell.js';

const systemDirectories = ['etc', 'var', 'var/lib', 'home', 'srv', 'opt', 'persist'];

export const extraFiles: PhaseDefinition<'extra-files'> = {
  id: 'extra-files',
  title: 'Copy the extra files into the new system',
  applies: (c): c is PlanContext => Boolean(c.choices.extraFiles),
  commands: (c) => {
    const { dir, owners } = c.choices.extraFiles!;
    return [
      // The system's own directories get the modes NixOS gives them, not those of the laptop's
      // copy (a umask 077 there would make /etc root-only); existing ones keep theirs (tar below).
      {
        run: `for d in ${systemDirectories.join(' ')}; do [ -d "/mnt/$d" ] || install -d -m 755 "/mnt/$d"; done; [ -d /mnt/root ] || install -d -m 700 /mnt/root`,
      },
      { run: 'tar -x -C /mnt --no-overwrite-dir --same-permissions --numeric-owner', input: { tree: dir } },
      ...owners.map((o) => ({ run: `chown -R ${o.uid}:${o.gid} ${q(`/mnt/${o.path.replace(/^\/+/, '')}`)}` })),
    ];
  },
};
