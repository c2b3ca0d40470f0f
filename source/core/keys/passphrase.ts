import { readFile } from 'node:fs/promises';
import { usageError } from '../exit-codes.js';

export const minimumPassphraseChars = 8;

export type PassphraseStrength = 'too short' | 'weak' | 'fair' | 'strong';

/** A rough entropy estimate (length × log2 of the character classes used); enough to warn, not to certify. */
export function passphraseStrength(passphrase: string): { strength: PassphraseStrength; bits: number } {
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^a-zA-Z0-9]/];
  const alphabet = [26, 26, 10, 33].reduce((sum, size, i) => sum + (classes[i]!.test(passphrase) ? size : 0), 0);
  const bits = Math.round([...passphrase].length * Math.log2(Math.max(alphabet, 2)));
  const strength = [...passphrase].length < minimumPassphraseChars ? 'too short' : bits < 50 ? 'weak' : bits < 80 ? 'fair' : 'strong';
  return { strength, bits };
}

/** Rejects what cannot be used; the messages never repeat the passphrase. */
export function checkPassphrase(passphrase: string): void {
  if ([...passphrase].length < minimumPassphraseChars) {
    throw usageError(`the LUKS passphrase is too short (at least ${minimumPassphraseChars} characters)`);
  }
  if (/[\r\n]/.test(passphrase)) throw usageError('the LUKS passphrase contains a line break; it could not be typed at boot');
}

/** Reads --luks-passphrase-file (a path, or - for stdin); one trailing newline is dropped. */
export async function readPassphraseFile(source: string, stdin: NodeJS.ReadableStream = process.stdin): Promise<string> {
  let text: string;
  try {
    if (source === '-') {
      const chunks: Buffer[] = [];
      for await (const chunk of stdin) chunks.push(Buffer.from(chunk as Buffer));
      text = Buffer.concat(chunks).toString('utf8');
    } else {
      text = await readFile(source, 'utf8');
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw usageError(`cannot read --luks-passphrase-file ${source} (${code})`);
  }
  const passphrase = text.replace(/\r?\n$/, '');
  checkPassphrase(passphrase);
  return passphrase;
}
