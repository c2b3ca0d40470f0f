// The user's OpenSSH public keys: who an installer image lets in, and the line a person pastes on
// a stock installer's console when its SSH refuses them.
import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { usageError } from '../exit-codes.js';

const run = promisify(execFile);

/** One OpenSSH public key line: type, base64 blob, optional comment. */
const publicKeyLine = /^((?:sk-)?(?:ssh|ecdsa)-[a-z0-9@.-]+) ([A-Za-z0-9+/]+={0,2})(?: (.*))?$/;

/** The public keys in a file's text (one per line); a private key given by mistake is refused. */
export function publicKeysIn(text: string, source: string): string[] {
  if (/PRIVATE KEY/.test(text)) throw usageError(`${source} is a private key`, `give its public half: ${source}.pub`);
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => publicKeyLine.test(line));
}

/**
 * Who may log in: the --ssh-key files when given, else the agent's keys and ~/.ssh/*.pub, one
 * line per distinct key.
 */
export async function authorizedKeysFor(files: string[], env: NodeJS.ProcessEnv = process.env): Promise<string[]> {
  const lines: string[] = [];
  if (files.length > 0) {
    for (const file of files) {
      const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
        throw usageError(`cannot read --ssh-key ${file} (${error.code ?? 'unreadable'})`);
      });
      const keys = publicKeysIn(text, file);
      if (keys.length === 0) throw usageError(`--ssh-key ${file} holds no OpenSSH public key`, 'e.g. ~/.ssh/id_ed25519.pub');
      lines.push(...keys);
    }
  } else {
    if (env.SSH_AUTH_SOCK) {
      const agent = await run('ssh-add', ['-L'], { env: { PATH: env.PATH, SSH_AUTH_SOCK: env.SSH_AUTH_SOCK } }).catch(() => ({ stdout: '' }));
      lines.push(...publicKeysIn(agent.stdout, 'ssh-agent'));
    }
    const sshDir = join(env.HOME ?? homedir(), '.ssh');
    const names = await readdir(sshDir).catch(() => [] as string[]);
    for (const name of names.filter((n) => n.endsWith('.pub')).sort()) {
      lines.push(...publicKeysIn(await readFile(join(sshDir, name), 'utf8').catch(() => ''), join(sshDir, name)));
    }
  }
  const seen = new Set<string>();
  return lines.filter((line) => {
    const blob = line.split(' ')[1]!;
    if (seen.has(blob)) return false;
    seen.add(blob);
    return true;
  });
}

/** The first public key of this user (an -i file's .pub, else the agent's or ~/.ssh's), for a hint. */
export async function firstPublicKey(identityFiles: string[] = [], env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  for (const file of identityFiles) {
    const line = publicKeysIn(await readFile(`${file}.pub`, 'utf8').catch(() => ''), file)[0];
    if (line) return line;
  }
  return (await authorizedKeysFor([], env).catch(() => []))[0];
}
