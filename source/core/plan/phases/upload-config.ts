import type { PhaseDefinition } from '../phase.js';
import type { PlanContext } from '../plan-context.js';
import { uploadedFlakeDir } from '../flake-ref.js';

export const uploadConfig: PhaseDefinition<'upload-config'> = {
  id: 'upload-config',
  title: 'Copy the flake to the installer',
  applies: (c): c is PlanContext => c.choices.flake.localPath !== undefined && c.choices.install.mode !== 'clone' && c.choices.install.mode !== 'copy',
  commands: (c) => [
    { run: `rm -rf ${uploadedFlakeDir} && mkdir -p ${uploadedFlakeDir} && tar -x -C ${uploadedFlakeDir}`, input: { directory: c.choices.flake.localPath! } },
    { run: `test -f ${uploadedFlakeDir}/flake.nix` },
  ],
};
