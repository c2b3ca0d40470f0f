// --embed-flake: a copy of the user's flake in the image (/etc/nixos/flake on the live system), as
// Nix sees it (in a git work tree, the tracked files only). It lands in the image's world-readable
// Nix store and on a stick anyone may pick up, so what looks like a secret is refused: a best-effort
// check for the common key formats, git-encrypted files and nested repositories (their history).
import { existsSync } from 'node:fs';
import { lstat, mkdir, readdir, readlink, rename, rm } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { execa } from 'execa';
import { refusal, usageError } from '../exit-codes.js';
import { flakeTarCommand, trackedFiles } from '../install/command-input.js';
import { isWithin } from '../paths.js';

/** The copy's place in the image directory (installer.nix refers to it as ./flake). */
export const embeddedFlakeDir = 'flake';
/** Where the live system shows it: where NixOS keeps its configuration. */
export const embeddedFlakeOnInstaller = '/etc/nixos/flake';
/** The copy being made; a run that died leaves it, and the next one replaces it. */
export const partialFlakeDir = `.${embeddedFlakeDir}.partial`;

/** PEM/OpenSSH/PGP private keys, age identities, WireGuard private keys in a Nix file (grep -E). */
const secretPatterns = ['-----BEGIN [A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----', 'AGE-SECRET-KEY-1[0-9A-Z]{20,}', 'privateKey *= *"[A-Za-z0-9+/]{42,43}="'];

/** Refusals that need nothing written: no flake there, or the image directory inside the flake. */
export function checkEmbeddableFlake(source: string, imageDir: string): void {
  const flake = resolve(source);
  if (!existsSync(join(flake, 'flake.nix'))) throw usageError(`--embed-flake ${source}: no flake.nix there`, 'give the directory that holds your flake.nix');
  if (isWithin(flake, resolve(imageDir))) {
    throw usageError(`--dir ${imageDir} is inside the flake ${source}: the image would embed itself`, 'give a --dir outside the flake');
  }
}

/**
 * Copies the flake into `imageDir/flake` (replacing an earlier copy); refuses, writing nothing,
 * when a file in it looks like a secret or a link leads out of it. Streams: any size.
 */
export async function embedFlake(source: string, imageDir: string, prebuilt: boolean): Promise<void> {
  const flake = resolve(source);
  const partial = join(imageDir, partialFlakeDir);
  await rm(partial, { recursive: true, force: true });
  await mkdir(partial, { recursive: true, mode: 0o755 });
  try {
    const tracked = await trackedFiles(flake);
    if (tracked) await refuseFiltered(flake, tracked);
    const { args, input } = flakeTarCommand(flake, tracked);
    await execa('tar', args, input !== undefined ? { input } : {}).pipe('tar', ['-C', partial, '--no-same-owner', '--no-same-permissions', '-x']);
    // Without the lock, the copy's inputs are resolved again (online) by whoever evaluates it.
    if (prebuilt && !existsSync(join(partial, 'flake.lock'))) {
      if (!existsSync(join(flake, 'flake.lock'))) {
        throw usageError(
          `--prebuilt: ${source} has no flake.lock, so the inputs put in the image may not be the ones an install uses`,
          `run nix flake lock in ${source}`,
        );
      }
      throw usageError(`--prebuilt: ${source}/flake.lock is not tracked by git, so Nix leaves it out of the flake`, `git -C ${source} add flake.lock`);
    }
    await checkCopy(partial, source, tracked !== undefined);
    await rm(join(imageDir, embeddedFlakeDir), { recursive: true, force: true });
    await rename(partial, join(imageDir, embeddedFlakeDir));
  } catch (error) {
    await rm(partial, { recursive: true, force: true });
    throw error;
  }
}

/** git-crypt and other clean/smudge filters: the work tree holds the decrypted text. */
async function refuseFiltered(flake: string, tracked: string[]): Promise<void> {
  if (tracked.length === 0) return;
  const { stdout } = await execa('git', ['-C', flake, 'check-attr', '-z', '--stdin', 'filter'], { input: tracked.join('\0') });
  const fields = stdout.split('\0');
  for (let i = 0; i + 2 < fields.length; i += 3) {
    const [path, , value] = [fields[i]!, fields[i + 1], fields[i + 2]!];
    if (value !== 'unspecified' && value !== 'unset' && value !== 'lfs') {
      throw refusal(
        `--embed-flake: ${join(flake, path)} goes through the git filter ${value}: its committed form may be encrypted, the copy would hold it decrypted`,
        'keep such files out of the embedded flake (a flake of its own without them)',
      );
    }
  }
}

async function checkCopy(root: string, source: string, isGit: boolean): Promise<void> {
  const shown = (path: string) => join(source, relative(root, path));
  const leaveOut = isGit ? 'untrack it (git rm --cached)' : 'move it out of the flake';
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir)) {
      const path = join(dir, entry);
      const stat = await lstat(path);
      if (stat.isDirectory() && entry === '.git') {
        throw refusal(`--embed-flake: ${shown(path)} is a git repository: its history may hold what its files no longer do`, leaveOut);
      }
      if (stat.isDirectory()) await walk(path);
      else if (stat.isSymbolicLink() && !isWithin(root, resolve(dirname(path), await readlink(path)))) {
        throw refusal(
          `--embed-flake: ${shown(path)} links out of the flake`,
          'the image would hold a dangling link: copy the file into the flake, or leave it out',
        );
      }
    }
  };
  await walk(root);
  // grep streams: a file of any size is read in pieces.
  const found = await execa('grep', ['-rlaZE', ...secretPatterns.flatMap((p) => ['-e', p]), '--', '.'], { cwd: root, reject: false });
  if (found.exitCode !== 0 && found.exitCode !== 1) throw new Error(`grep could not scan the flake copy: ${found.stderr}`);
  const first = found.stdout.split('\0').find(Boolean);
  if (first !== undefined) {
    throw refusal(
      `--embed-flake: ${shown(join(root, first))} holds a private key; the image's Nix store and the stick are readable by anyone holding them`,
      `keep secrets out of the flake (sops-nix or agenix files hold them encrypted), or ${leaveOut}`,
    );
  }
}
