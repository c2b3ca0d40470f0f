import { readFile } from 'node:fs/promises';
import { BootstrapError, ExitCode, usageError } from '../exit-codes.js';

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

/**
 * Reads --luks-passphrase-file (a path, or - for stdin); one trailing newline is dropped. From a
 * terminal it is asked for twice, with echo off: a typo would lock the disk for good.
 */
export async function readPassphraseFile(source: string, stdin: NodeJS.ReadableStream = process.stdin): Promise<string> {
  if (source === '-' && isTerminal(stdin)) return askPassphraseTwice(stdin);
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

const isTerminal = (stream: NodeJS.ReadableStream): stream is NodeJS.ReadStream => (stream as NodeJS.ReadStream).isTTY === true;

async function askPassphraseTwice(stdin: NodeJS.ReadStream, prompts: NodeJS.WriteStream = process.stderr): Promise<string> {
  for (;;) {
    const first = await readHiddenLine('LUKS passphrase (not shown): ', stdin, prompts);
    try {
      checkPassphrase(first);
    } catch (error) {
      prompts.write(`${(error as Error).message}; once more.\n`);
      continue;
    }
    const second = await readHiddenLine('The same passphrase again: ', stdin, prompts);
    if (first === second) return first;
    prompts.write('The two did not match; once more.\n');
  }
}

// eslint-disable-next-line no-control-regex -- escape sequences are what this skips
const escapeSequence = /\x1b(\[[0-?]*[ -/]*[@-~]|O.|.)?/g;

/** One line from the terminal in raw mode, nothing echoed; Backspace edits, Ctrl-C/Ctrl-D stop. */
export function readHiddenLine(prompt: string, stdin: NodeJS.ReadStream, prompts: NodeJS.WriteStream): Promise<string> {
  prompts.write(prompt);
  stdin.setRawMode(true);
  stdin.resume();
  let line = '';
  return new Promise<string>((resolve, reject) => {
    const finish = (error?: Error) => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      prompts.write('\n');
      if (error) reject(error);
      else resolve(line);
    };
    const onData = (chunk: Buffer | string) => {
      // Cursor and function keys send escape sequences: they are not part of a passphrase.
      for (const char of chunk.toString().replace(escapeSequence, '')) {
        if (char === '\r' || char === '\n') return finish();
        if (char === '\u0003') return finish(new BootstrapError('stopped at the passphrase prompt', ExitCode.aborted));
        if (char === '\u0004') return finish(usageError('no passphrase given (end of input at the prompt)'));
        if (char === '\u007f' || char === '\b') line = [...line].slice(0, -1).join('');
        else if (char === '\u0015') line = '';
        else if (char >= ' ') line += char;
      }
    };
    stdin.on('data', onData);
  });
}
