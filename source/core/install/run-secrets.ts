// The secrets one run hands to its commands, from what the user gave: only those the plan's
// choices use, so a passphrase typed and then not needed (LUKS switched off) never travels.
import { ageKeyFileText, type AgeKey } from '../keys/age.js';
import { layoutLuks } from '../plan/plan-context.js';
import type { Choices, Secrets } from '../plan/types.js';

export interface GivenSecrets {
  luksPassphrase?: string | undefined;
  ageKey?: AgeKey | null | undefined;
  /** The private half of --host-key. */
  hostKey?: string | undefined;
}

export function runSecrets(choices: Pick<Choices, 'layout' | 'ageKey' | 'hostKey'>, given: GivenSecrets, created = new Date()): Secrets {
  const secrets: Secrets = {};
  if (layoutLuks(choices.layout) && given.luksPassphrase !== undefined) secrets['luks-passphrase'] = given.luksPassphrase;
  if (choices.ageKey && given.ageKey) secrets['age-identity'] = ageKeyFileText(given.ageKey, created);
  if (choices.hostKey && given.hostKey !== undefined) secrets['host-key'] = given.hostKey;
  return secrets;
}
