// The secrets one run hands to its commands, from what the user gave: only those the plan's
// choices use, so a passphrase typed and then not needed (LUKS switched off) never travels.
import { readFile } from 'node:fs/promises';
import { usageError } from '../exit-codes.js';
import { ageKeyFileText, type AgeKey } from '../keys/age.js';
import { layoutLuks } from '../plan/plan-context.js';
import { diskEncryptionKeyName, type Choices, type Secrets } from '../plan/types.js';

export interface GivenSecrets {
  luksPassphrase?: string | undefined;
  ageKey?: AgeKey | null | undefined;
  /** The private half of --host-key. */
  hostKey?: string | undefined;
  /** The contents of the --disk-encryption-keys files, in order. */
  diskEncryptionKeys?: Buffer[] | undefined;
}

export function runSecrets(choices: Pick<Choices, 'layout' | 'ageKey' | 'hostKey'>, given: GivenSecrets, created = new Date()): Secrets {
  const secrets: Secrets = {};
  if (layoutLuks(choices.layout) && given.luksPassphrase !== undefined) secrets['luks-passphrase'] = given.luksPassphrase;
  if (choices.ageKey && given.ageKey) secrets['age-identity'] = ageKeyFileText(given.ageKey, created);
  if (choices.hostKey && given.hostKey !== undefined) secrets['host-key'] = given.hostKey;
  if (choices.layout.kind === 'disko') {
    // Sent as base64 (a key file may be binary); the text itself is redacted too, by secretValues.
    choices.layout.keys.forEach((_, index) => {
      const content = given.diskEncryptionKeys?.[index];
      if (content) secrets[diskEncryptionKeyName(index)] = content.toString('base64');
    });
  }
  return secrets;
}

/** The --disk-encryption-keys files' contents, read when a run starts (again on --resume). */
export async function readDiskEncryptionKeys(layout: Choices['layout']): Promise<Buffer[]> {
  if (layout.kind !== 'disko') return [];
  return Promise.all(
    layout.keys.map(async (key) => {
      const content = await readFile(key.local).catch((error: NodeJS.ErrnoException) => {
        throw usageError(
          `cannot read --disk-encryption-keys ${key.remote} ${key.local} (${error.code ?? 'unreadable'})`,
          'the file is read when a run starts and again on --resume: make it readable at that path (a <(…) stream of an earlier run is gone)',
        );
      });
      if (content.length === 0) throw usageError(`--disk-encryption-keys ${key.remote} ${key.local}: the file is empty`);
      return content;
    }),
  );
}
