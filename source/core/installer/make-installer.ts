// `nixos-bootstrap installer`: the keys that may enter, a host key made now, and the flake
// directory. The host key's private half stays in the tool's state directory (0600): inside the
// flake it would be copied into the world-readable Nix store by the build.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { refusal, usageError } from '../exit-codes.js';
import { stateDir } from '../paths.js';
import { fingerprint } from '../ssh/fingerprint.js';
import { pairingCode } from '../ssh/pairing.js';
import { registerImage } from './image-registry.js';
import { flakeNix, installerNix, manifestFile, readme, type InstallerSettings } from './installer-flake.js';

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

export interface MadeInstaller {
  dir: string;
  settings: InstallerSettings;
  /** The host key's private half, outside the flake (0600). */
  hostKeyFile: string;
}

export interface MakeOptions {
  dir: string;
  name: string;
  nixpkgs: string;
  authorizedKeys: string[];
  passwordLogin: boolean;
  /** Replace an existing directory (and its image's key). */
  replace: boolean;
  knownHostsFile: string;
  now?: Date;
}

/** Writes the flake directory, makes and registers the host key; refuses to overwrite unless told. */
export async function makeInstaller(options: MakeOptions): Promise<MadeInstaller> {
  const dir = resolve(options.dir);
  if (options.authorizedKeys.length === 0 && !options.passwordLogin) {
    throw usageError(
      'no SSH key to let in: the image would admit nobody',
      'give --ssh-key FILE.pub (or load a key into ssh-agent), or --password-login to set a root password on its console',
    );
  }
  if (existsSync(dir) && (await readdir(dir)).length > 0 && !options.replace) {
    throw refusal(`${dir} already exists`, 'give another --dir, or --replace to write a new image there (with a new host key)');
  }
  const created = (options.now ?? new Date()).toISOString();
  const keyDir = join(stateDir(), 'installers', `${options.name}-${created.replace(/[:.]/g, '-')}`);
  await mkdir(keyDir, { recursive: true, mode: 0o700 });
  const hostKeyFile = join(keyDir, 'ssh_host_ed25519_key');
  // An installer's host key has no passphrase: sshd reads it at boot, unattended.
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `nixos-bootstrap-installer-${options.name}`, '-f', hostKeyFile]);
  const publicKey = (await readFile(`${hostKeyFile}.pub`, 'utf8')).trim();
  const hostFingerprint = fingerprint(Buffer.from(publicKey.split(' ')[1]!, 'base64'));
  const settings: InstallerSettings = {
    name: options.name,
    nixpkgs: options.nixpkgs,
    authorizedKeys: options.authorizedKeys,
    passwordLogin: options.passwordLogin,
    hostKey: { publicKey, fingerprint: hostFingerprint },
    pairingCode: pairingCode(hostFingerprint),
    created,
  };
  if (options.replace) await rm(join(dir, 'result'), { force: true });
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'flake.nix'), flakeNix(settings));
  await writeFile(join(dir, 'installer.nix'), installerNix(settings));
  await writeFile(join(dir, 'README.md'), readme(settings, basename(dir)));
  await writeFile(join(dir, manifestFile), `${JSON.stringify({ ...settings, hostKeyFile }, null, 2)}\n`);
  await registerImage({ name: options.name, fingerprint: hostFingerprint, publicKey, created, dir }, options.knownHostsFile);
  return { dir, settings, hostKeyFile };
}

/** The manifest of an image directory (what `--iso` and the lab read back). */
export async function readManifest(dir: string): Promise<InstallerSettings & { hostKeyFile: string }> {
  const path = join(resolve(dir), manifestFile);
  const text = await readFile(path, 'utf8').catch(() => {
    throw usageError(`${path} is missing: ${dir} is not a directory written by nixos-bootstrap installer`);
  });
  return JSON.parse(text) as InstallerSettings & { hostKeyFile: string };
}
