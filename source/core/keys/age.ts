import { generateX25519Identity, identityToRecipient } from 'age-encryption';
import { usageError } from '../exit-codes.js';

export interface AgeKey {
  /** `AGE-SECRET-KEY-1…` — a secret: never logged, never in argv. */
  identity: string;
  /** `age1…` — public. */
  recipient: string;
}

const identityLine = /^AGE-SECRET-KEY-1[0-9A-Z]+$/;

/** A new X25519 identity (readable by every age and rage version, unlike post-quantum keys). */
export async function generateAgeKey(): Promise<AgeKey> {
  const identity = await generateX25519Identity();
  return { identity, recipient: await identityToRecipient(identity) };
}

/** Reads an identity file as age-keygen writes it (comments allowed); the error never quotes the key. */
export async function parseAgeKeyFile(text: string, source: string): Promise<AgeKey> {
  const keys = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
  if (keys.length !== 1 || !identityLine.test(keys[0]!)) {
    throw usageError(`${source} is not an age identity file`, 'expected one AGE-SECRET-KEY-1… line, as written by age-keygen');
  }
  try {
    return { identity: keys[0]!, recipient: await identityToRecipient(keys[0]!) };
  } catch {
    throw usageError(`${source} holds an invalid age identity`, 'the AGE-SECRET-KEY-1… line does not decode');
  }
}

/** The file a key is saved in, in age-keygen's format. */
export const ageKeyFileText = (key: AgeKey, created: Date) =>
  `# created: ${created.toISOString().replace(/\.\d+Z$/, 'Z')}\n# public key: ${key.recipient}\n${key.identity}\n`;
