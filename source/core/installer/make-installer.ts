// `nixos-bootstrap installer`: the keys that may enter, a host key made now, and the flake
// directory. The host key's private half stays in the tool's state directory (0600): inside the
// flake it would be copied into the world-readable Nix store by the build.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { refusal, usageError } from '../exit-codes.js';
import { stateDir } from '../paths.js';
import { fingerprint } from '../ssh/fingerprint.js';
import { pairingCode } from '../ssh/pairing.js';
import { checkEmbeddableFlake, embeddedFlakeDir, embedFlake, partialFlakeDir } from './embed-flake.js';
import { forgetImage, registerImage } from './image-registry.js';
import { flakeNix, installerNix, manifestFile, readme, type InstallerSettings } from './installer-flake.js';

const run = promisify(execFile);

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
  /** --embed-flake: a flake directory to copy into the image; --prebuilt: its hosts to build into it. */
  embedFlake?: { source: string; prebuilt: string[] };
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
  const earlier = existsSync(join(dir, manifestFile)) ? await readManifest(dir) : undefined;
  if (existsSync(dir) && (await readdir(dir)).some((entry) => entry !== partialFlakeDir)) {
    if (!earlier) throw refusal(`${dir} exists and is not an installer image directory`, 'give another --dir: nothing of yours there is replaced');
    if (!options.replace)
      throw refusal(`${dir} already holds the image ${earlier.name}`, 'give another --dir, or --replace to make a new image there (with a new host key)');
  }
  if (options.embedFlake) checkEmbeddableFlake(options.embedFlake.source, dir);
  const existed = existsSync(dir);
  await mkdir(dir, { recursive: true });
  // Copied (and checked) before the host key is made and before anything of an earlier image
  // goes: a refusal leaves no new image and the earlier one as it was.
  if (options.embedFlake) {
    try {
      await embedFlake(options.embedFlake.source, dir, options.embedFlake.prebuilt.length > 0);
    } catch (error) {
      if (!existed) await rm(dir, { recursive: true, force: true });
      throw error;
    }
  } else await rm(join(dir, embeddedFlakeDir), { recursive: true, force: true });
  // A new image is locked anew: an old lock pins the earlier embedded copy by its hash.
  if (options.replace) for (const file of ['result', 'flake.lock']) await rm(join(dir, file), { force: true });
  const created = (options.now ?? new Date()).toISOString();
  // NAME-YYYYMMDD-HHMMSS: one directory per image made, in the order they were made.
  const stamp = `${options.name}-${created.slice(0, 19).replace(/-|:/g, '').replace('T', '-')}`;
  let keyDir = join(stateDir(), 'installers', stamp);
  for (let n = 2; existsSync(keyDir); n += 1) keyDir = join(stateDir(), 'installers', `${stamp}-${n}`);
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
    ...(options.embedFlake ? { embeddedFlake: { source: resolve(options.embedFlake.source), prebuilt: options.embedFlake.prebuilt } } : {}),
  };
  await writeFile(join(dir, 'flake.nix'), flakeNix(settings));
  await writeFile(join(dir, 'installer.nix'), installerNix(settings));
  await writeFile(join(dir, 'README.md'), readme(settings));
  await writeFile(join(dir, manifestFile), `${JSON.stringify({ ...settings, hostKeyFile }, null, 2)}\n`);
  // The image replaced is no longer one this laptop trusts: its stick may be lent or lost.
  if (earlier) await forgetImage(earlier.hostKey.fingerprint, options.knownHostsFile);
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
