import type { PhaseDefinition } from '../phase.js';
import { hasLuks, type LabelsContext, type LuksContext } from '../plan-context.js';
import { shellQuote as q } from '../shell.js';

export const luksFormat: PhaseDefinition<'luks-format', LuksContext & LabelsContext> = {
  id: 'luks-format',
  title: 'Encrypt the root partition (LUKS2)',
  applies: (c): c is LuksContext & LabelsContext => c.kind === 'labels' && hasLuks(c),
  commands: (c) => {
    const luks = c.luks;
    const device = q(c.luksDevice);
    const iterTime = luks.iterTimeMs ? ` --iter-time ${luks.iterTimeMs}` : '';
    return [
      // The passphrase arrives on stdin only (--key-file -): never in argv, env or a file.
      {
        run: `cryptsetup luksFormat --batch-mode --type luks2 --label ${q(luks.label)}${iterTime} --key-file - ${device}`,
        input: { secret: 'luks-passphrase' },
      },
      { run: `cryptsetup open --test-passphrase --key-file - ${device}`, input: { secret: 'luks-passphrase' } },
    ];
  },
  doneCheck: (c) => {
    const device = q(c.luksDevice);
    return `cryptsetup isLuks ${device} && [ "$(cryptsetup luksDump ${device} | sed -n 's/^Label:[[:space:]]*//p')" = ${q(c.luks.label)} ]`;
  },
};
