// After `nix build`: the image's host key is added to the ISO (beside the store, not in it: the
// build's output is world-readable in /nix/store), then the ISO gets its checksums.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { chmod, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { BootstrapError, ExitCode, usageError } from '../exit-codes.js';
import { hostKeyOnIso } from './installer-flake.js';

const run = promisify(execFile);

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * Writes `out`: `iso` with the host key at /nixos-bootstrap/ on it (boot records replayed, so it
 * boots as before), mode 0600 (it holds a private key), `out.sha256` beside it and SHA256SUMS in
 * its directory. `out` belongs beside the key, never in the flake (a build would copy it into the
 * world-readable store); that directory is 0700, so the temp file is private from the start.
 * Returns the checksum.
 */
export async function addHostKeyToIso(iso: string, hostKeyFile: string, out: string): Promise<string> {
  const temp = join(dirname(out), `.${basename(out)}.partial`);
  await rm(temp, { force: true });
  try {
    // Owned by root on the ISO whoever runs this (on the live system uid 1000 is its nixos user).
    const key = ['-map', hostKeyFile, hostKeyOnIso, '-chown_r', '0', dirname(hostKeyOnIso), '--', '-chgrp_r', '0', dirname(hostKeyOnIso), '--'];
    await run('xorriso', ['-indev', iso, '-outdev', temp, '-boot_image', 'any', 'replay', ...key, '-chmod', '0400', hostKeyOnIso, '--']);
  } catch (error) {
    await rm(temp, { force: true });
    const { code, stderr } = error as NodeJS.ErrnoException & { stderr?: string };
    if (code === 'ENOENT') throw usageError('xorriso is missing (it adds the host key to the ISO)', 'apt-get install xorriso, or: nix shell nixpkgs#xorriso');
    const why = (stderr ?? '').trim().split('\n').slice(-2).join(' ');
    throw new BootstrapError(`xorriso could not add the host key to ${iso}: ${why}`, ExitCode.phaseFailed);
  }
  await chmod(temp, 0o600);
  await rename(temp, out);
  const sum = await sha256File(out);
  const line = `${sum}  ${basename(out)}\n`;
  await writeFile(`${out}.sha256`, line);
  await writeFile(join(dirname(out), 'SHA256SUMS'), line);
  return sum;
}
