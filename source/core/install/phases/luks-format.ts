import type { PhaseDefinition } from '../phase.js';
import { shellQuote as q } from '../../plan/shell.js';
import type { LuksChoice } from '../../plan/types.js';

export const luksOf = (c: { choices: { layout: { kind: string; luks?: LuksChoice | null } } }): LuksChoice | null =>
  'luks' in c.choices.layout ? (c.choices.layout.luks ?? null) : null;

export const luksFormat: PhaseDefinition = {
  id: 'luks-format',
  title: 'Encrypt the root partition (LUKS2)',
  applies: (c) => c.choices.layout.kind === 'labels' && luksOf(c) !== null,
  commands: (c) => {
    const luks = luksOf(c)!;
    const device = q(c.luksDevice!);
    const iterTime = luks.iterTimeMs ? ` --iter-time ${luks.iterTimeMs}` : '';
    return [
      // The passphrase arrives on stdin only (--key-file -): never in argv, env or a file.
      { run: `cryptsetup luksFormat --batch-mode --type luks2 --label ${q(luks.label)}${iterTime} --key-file - ${device}`, input: { secret: 'luks-passphrase' } },
      { run: `cryptsetup open --test-passphrase --key-file - ${device}`, input: { secret: 'luks-passphrase' } },
    ];
  },
  doneCheck: (c) => {
    const device = q(c.luksDevice!);
    return `cryptsetup isLuks ${device} && [ "$(cryptsetup luksDump ${device} | sed -n 's/^Label:[[:space:]]*//p')" = ${q(luksOf(c)!.label)} ]`;
  },
};
