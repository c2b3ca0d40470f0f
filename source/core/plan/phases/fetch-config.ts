import type { PhaseDefinition } from '../phase.js';
import type { PlanContext } from '../plan-context.js';
import { shellQuote as q } from '../shell.js';

export const fetchConfig: PhaseDefinition<'fetch-config'> = {
  id: 'fetch-config',
  title: 'Clone the configuration repository',
  applies: (c): c is PlanContext => c.choices.install.mode === 'clone',
  commands: (c) => {
    const path = q(c.choices.install.repoPath);
    return [{ run: `rm -rf ${path} && git clone --depth 1 ${q(c.choices.install.repo!)} ${path}` }, { run: `test -f ${path}/flake.nix` }];
  },
  doneCheck: (c) => `git -C ${q(c.choices.install.repoPath)} rev-parse --verify HEAD >/dev/null && test -f ${q(c.choices.install.repoPath)}/flake.nix`,
};
