import type { PhaseDefinition } from '../phase.js';
import { hasLuks, type LuksContext } from '../plan-context.js';
import { shellQuote as q } from '../shell.js';

export const luksOpen: PhaseDefinition<'luks-open', LuksContext> = {
  id: 'luks-open',
  title: 'Open the encrypted root',
  applies: hasLuks,
  commands: (c) => [{ run: `cryptsetup open --key-file - ${q(c.luksDevice)} ${q(c.luks.name)}`, input: { secret: 'luks-passphrase' } }],
  doneCheck: (c) => {
    const name = q(c.luks.name);
    return `[ "$(readlink -f "$(cryptsetup status ${name} | awk '$1 == "device:" {print $2}')")" = "$(readlink -f ${q(c.luksDevice)})" ]`;
  },
  cleanUp: (c) => [{ run: `if cryptsetup status ${q(c.luks.name)} >/dev/null; then cryptsetup close ${q(c.luks.name)}; fi` }],
};
