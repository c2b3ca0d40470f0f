import type { PhaseDefinition } from '../phase.js';
import { shellQuote as q } from '../../plan/shell.js';
import { luksOf } from './luks-format.js';

export const luksOpen: PhaseDefinition = {
  id: 'luks-open',
  title: 'Open the encrypted root',
  applies: (c) => c.choices.layout.kind !== 'disko' && luksOf(c) !== null,
  commands: (c) => [
    { run: `cryptsetup open --key-file - ${q(c.luksDevice!)} ${q(luksOf(c)!.name)}`, input: { secret: 'luks-passphrase' } },
  ],
  doneCheck: (c) => {
    const name = q(luksOf(c)!.name);
    return `[ "$(readlink -f "$(cryptsetup status ${name} | awk '$1 == "device:" {print $2}')")" = "$(readlink -f ${q(c.luksDevice!)})" ]`;
  },
  cleanUp: (c) => [{ run: `if cryptsetup status ${q(luksOf(c)!.name)} >/dev/null; then cryptsetup close ${q(luksOf(c)!.name)}; fi` }],
};
