import type { PhaseDefinition } from '../phase.js';
import type { PlanContext } from '../plan-context.js';
import { shellQuote as q } from '../shell.js';

export const postMount: PhaseDefinition<'post-mount'> = {
  id: 'post-mount',
  title: 'Extra directories and post-mount commands',
  applies: (c): c is PlanContext => c.choices.mkdirs.length > 0 || c.choices.postMount.length > 0,
  commands: (c) => [
    ...c.choices.mkdirs.map((dir) => ({ run: `mkdir -p ${q(`/mnt/${dir.replace(/^\/+/, '')}`)}` })),
    ...c.choices.postMount.map((command) => ({ run: command })),
  ],
};
