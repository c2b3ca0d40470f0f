// --embed-flake: a copy of the user's flake in the image (/etc/nixos/flake on the live system), as
// Nix sees it (in a git work tree, the tracked files only). It lands in the image's world-readable
// Nix store and on a stick anyone may pick up: a private key anywhere in it is refused.
import { existsSync } from 'node:fs';
import { lstat, mkdir, readdir, readFile, readlink, rename, rm } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { execa } from 'execa';
import { refusal, usageError } from '../exit-codes.js';
import { flakeTar, inGitWorkTree } from '../install/command-input.js';
import { isWithin } from '../paths.js';

/** The copy's place in the image directory (installer.nix refers to it as ./flake). */
export const embeddedFlakeDir = 'flake';
/** Where the live system shows it: where NixOS keeps its configuration. */
export const embeddedFlakeOnInstaller = '/etc/nixos/flake';

const secretPatterns = [/AGE-SECRET-KEY-1[0-9A-Z]{20,}/, /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----/];

/** Refusals that need nothing written: no flake there, or the image directory would copy itself. */
export function checkEmbeddableFlake(source: string, imageDir: string): void {
  const flake = resolve(source);
  if (!existsSync(join(flake, 'flake.nix'))) throw usageError(`--embed-flake ${source}: no flake.nix there`, 'give the directory that holds your flake.nix');
  if (isWithin(flake, resolve(imageDir)) && !inGitWorkTree(flake)) {
    throw usageError(
      `--dir ${imageDir} is inside the flake ${source}, which is not a git work tree: the image would embed itself`,
      'give a --dir outside the flake (or track the flake with git: only tracked files are embedded)',
    );
  }
}

/**
 * Copies the flake into `imageDir/flake` (replacing an earlier copy); refuses, writing nothing,
 * when a file in it holds a private key or a link leads out of it. Returns the files copied.
 */
export async function embedFlake(source: string, imageDir: string): Promise<number> {
  const partial = join(imageDir, `.${embeddedFlakeDir}.partial`);
  await rm(partial, { recursive: true, force: true });
  await mkdir(partial, { recursive: true, mode: 0o755 });
  try {
    const tar = await flakeTar(resolve(source));
    await execa('tar', ['-C', partial, '--no-same-owner', '--no-same-permissions', '-x'], { input: tar });
    const files = await checkCopy(partial, source);
    await rm(join(imageDir, embeddedFlakeDir), { recursive: true, force: true });
    await rename(partial, join(imageDir, embeddedFlakeDir));
    return files;
  } catch (error) {
    await rm(partial, { recursive: true, force: true });
    throw error;
  }
}

async function checkCopy(root: string, source: string): Promise<number> {
  let files = 0;
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir)) {
      const path = join(dir, entry);
      const shown = join(source, relative(root, path));
      const stat = await lstat(path);
      if (stat.isDirectory()) await walk(path);
      else if (stat.isSymbolicLink()) {
        if (!isWithin(root, resolve(dirname(path), await readlink(path)))) {
          throw refusal(
            `--embed-flake: ${shown} links out of the flake`,
            'the image would hold a dangling link: copy the file into the flake, or leave it out',
          );
        }
      } else if (stat.isFile()) {
        files += 1;
        const text = (await readFile(path)).toString('latin1');
        if (secretPatterns.some((pattern) => pattern.test(text))) {
          throw refusal(
            `--embed-flake: ${shown} holds a private key; the image's Nix store and the stick are readable by anyone holding them`,
            'keep secrets out of the flake (sops-nix or agenix files hold them encrypted), or untrack the file',
          );
        }
      }
    }
  };
  await walk(root);
  return files;
}
