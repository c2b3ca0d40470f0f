import { run } from './run-command.js';

/** Generates an ed25519 key pair at `file` (+ .pub); returns the private key's path. */
export async function makeHostKey(file: string, comment: string): Promise<string> {
  await run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', file]);
  return file;
}

/** `SHA256:…` of a key file, as ssh-keygen prints it. */
export async function hostKeyFingerprint(privateKeyFile: string): Promise<string> {
  const line = await run(['ssh-keygen', '-l', '-E', 'sha256', '-f', privateKeyFile]);
  const fingerprint = line.split(' ')[1];
  if (!fingerprint?.startsWith('SHA256:')) throw new Error(`lab: cannot read the fingerprint of ${privateKeyFile}`);
  return fingerprint;
}

/** crypt(3) SHA-512 hash; the password goes through stdin, never argv. */
export const passwordHash = (password: string) => run(['openssl', 'passwd', '-6', '-stdin'], { input: `${password}\n` });
