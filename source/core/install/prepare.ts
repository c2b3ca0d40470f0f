import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { refusal, usageError } from '../exit-codes.js';
import { ageKeyFileText, generateAgeKey, parseAgeKeyFile, type AgeKey } from '../keys/age.js';
import { checkSecrets, type SecretsReport } from '../keys/secrets-check.js';
import { writeSecretFile } from '../keys/secret-file.js';
import { refuseSecretInFlake } from '../keys/secret-paths.js';
import { trackedFiles } from './command-input.js';
import { expandHome } from '../paths.js';
import { parseFlakeRef } from '../plan/flake-ref.js';
import { fingerprint } from '../ssh/fingerprint.js';
import type { Choices } from '../plan/types.js';

/**
 * Checks the flake before any disk is touched: a local flake must be a directory with flake.nix
 * (it gets uploaded); copy mode needs nix on this machine.
 */
export async function checkFlakeSource(flake: Choices['flake'], install: Choices['install']): Promise<Choices['flake']> {
  if (install.mode === 'copy') {
    const nix = await promisify(execFile)('nix', ['--version']).catch(() => null);
    if (!nix) throw usageError('--mode copy builds here, but nix is not installed on this machine', 'install Nix, or use --mode flake to build on the target');
  }
  if (install.mode === 'prebuilt' || install.mode === 'clone' || !flake.uri) return flake;
  const ref = parseFlakeRef(`${flake.uri}#${flake.host}`);
  if (!ref.local) return flake;
  const dir = resolve(expandHome(ref.uri));
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw usageError(`flake directory ${dir} does not exist`);
  if (!existsSync(join(dir, 'flake.nix'))) throw usageError(`${dir} has no flake.nix`, 'point --flake at the directory that holds flake.nix');
  // A git flake is what git tracks, as Nix sees it: refused now if git cannot say, not at upload.
  const tracked = await trackedFiles(dir);
  if (tracked && !tracked.includes('flake.nix'))
    throw usageError(`${dir}/flake.nix is not tracked by git, so Nix would not see it`, `git -C ${dir} add flake.nix`);
  return { ...flake, localPath: dir };
}

export interface AgeKeyChoice {
  key: AgeKey;
  /** Where the private key is (or will be) kept on this machine. */
  file: string;
  generated: boolean;
}

/**
 * Loads `--age-key FILE` or generates a new key; a new key's file must not exist yet unless
 * `overwrite`. Neither may be inside `flakeDir`, the tree that gets uploaded.
 */
export async function obtainAgeKey(source: 'generate' | { file: string }, out: string, overwrite: boolean, flakeDir?: string): Promise<AgeKeyChoice> {
  refuseSecretInFlake(source === 'generate' ? 'the age key file' : '--age-key', source === 'generate' ? out : source.file, flakeDir);
  if (source !== 'generate') {
    const file = resolve(expandHome(source.file));
    const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
      throw usageError(`cannot read --age-key ${source.file} (${error.code ?? 'unreadable'})`);
    });
    return { key: await parseAgeKeyFile(text, source.file), file, generated: false };
  }
  const file = resolve(expandHome(out));
  if (existsSync(file) && !overwrite) {
    throw usageError(`${file} already exists`, 'pass --age-key FILE to use that key, --age-key-out for another path, or --replace-age-key to replace it');
  }
  return { key: await generateAgeKey(), file, generated: true };
}

/** Saves a newly generated key locally (0600, atomically) — done just before the run starts. */
export async function saveAgeKey(choice: AgeKeyChoice, overwrite: boolean): Promise<void> {
  if (choice.generated) await writeSecretFile(choice.file, ageKeyFileText(choice.key, new Date()), { overwrite, createDirectory: true });
}

/** The secrets directory to check: --secrets, or secrets/ of a local flake when it exists. */
export function secretsDirFor(flake: Choices['flake'], explicit: string | undefined): string | undefined {
  if (explicit) return resolve(expandHome(explicit));
  const fallback = flake.localPath ? join(flake.localPath, 'secrets') : undefined;
  return fallback && existsSync(fallback) ? fallback : undefined;
}

/** Runs the readiness check; unreadable secrets are a refusal (exit 3) unless allowed. */
export async function checkSecretsReadiness(dir: string, key: AgeKey, allowUnreadable: boolean): Promise<SecretsReport> {
  if (!existsSync(dir)) throw usageError(`--secrets ${dir} does not exist`);
  const report = await checkSecrets(dir, key.identity);
  if (report.unreadable.length && !allowUnreadable) {
    throw refusal(
      `${report.unreadable.length} secret(s) in ${dir} would not decrypt on first boot: ${report.unreadable.map((u) => u.file).join(', ')}`,
      `add ${key.recipient} to their recipients and re-encrypt (agenix -r), or pass --allow-unreadable-secrets`,
    );
  }
  return report;
}

export interface HostKeyChoice {
  /** The private key file's text: a secret, sent on stdin only. */
  privateKey: string;
  /** `ssh-ed25519 AAAA… comment` */
  publicKey: string;
  /** ed25519, ecdsa or rsa: names /etc/ssh/ssh_host_<type>_key. */
  type: string;
  fingerprint: string;
}

const hostKeyTypes: Record<string, string> = {
  'ssh-ed25519': 'ed25519',
  'ssh-rsa': 'rsa',
  'ecdsa-sha2-nistp256': 'ecdsa',
  'ecdsa-sha2-nistp384': 'ecdsa',
  'ecdsa-sha2-nistp521': 'ecdsa',
};

/** Reads --host-key FILE: an unencrypted OpenSSH private key whose public half ssh-keygen can derive. */
export async function loadHostKey(file: string): Promise<HostKeyChoice> {
  const path = resolve(expandHome(file));
  const privateKey = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw usageError(`cannot read --host-key ${file} (${error.code ?? 'unreadable'})`);
  });
  const run = promisify(execFile);
  const derived = await run('ssh-keygen', ['-y', '-P', '', '-f', path]).catch(() => null);
  const publicKey = derived?.stdout.trim() ?? '';
  const type = hostKeyTypes[publicKey.split(' ')[0] ?? ''];
  if (!type) throw usageError(`--host-key ${file} is not an unencrypted SSH private key`, 'create one with: ssh-keygen -t ed25519 -N "" -f FILE');
  return { privateKey, publicKey, type, fingerprint: fingerprint(Buffer.from(publicKey.split(' ')[1]!, 'base64')) };
}
