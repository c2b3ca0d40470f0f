import type { PhaseDefinition } from '../phase.js';
import type { PlanContext } from '../plan-context.js';
import { shellQuote as q } from '../shell.js';

export const extraFiles: PhaseDefinition<'extra-files'> = {
  id: 'extra-files',
  title: 'Copy the extra files into the new system',
  applies: (c): c is PlanContext => Boolean(c.choices.extraFiles),
  commands: (c) => {
    const { dir, owners } = c.choices.extraFiles!;
    return [
      // Directories that already exist (/mnt itself, /mnt/etc) keep their owner and mode.
      { run: 'tar -x -C /mnt --no-overwrite-dir --same-permissions --numeric-owner', input: { tree: dir } },
      ...owners.map((o) => ({ run: `chown -R ${o.uid}:${o.gid} ${q(`/mnt/${o.path.replace(/^\/+/, '')}`)}` })),
    ];
  },
};
