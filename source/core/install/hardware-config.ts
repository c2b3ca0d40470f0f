// --generate-hardware-config GENERATOR PATH (nixos-anywhere's names): the installer describes its
// own hardware, read-only, before the plan is made; the result goes into the local flake (git
// add -N, so the flake sees it) before the configuration is checked or uploaded.
import { execFile } from 'node:child_process';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { HardwareGenerator } from '../defaults.js';
import { BootstrapError, ExitCode } from '../exit-codes.js';
import { stateDir } from '../paths.js';
import type { Session } from '../ssh/types.js';
import { insideFlake, writeModule } from '../boot/write-disk-config.js';

/** The read-only command each generator runs on the installer. */
export const generatorCommand: Record<HardwareGenerator, string> = {
  'nixos-generate-config': 'nixos-generate-config --show-hardware-config --no-filesystems --root /mnt',
  // Not every installer has it: nixpkgs' own build then.
  'nixos-facter':
    "if command -v nixos-facter >/dev/null; then nixos-facter; else nix --extra-experimental-features 'nix-command flakes' run nixpkgs#nixos-facter; fi",
};

export interface HardwareConfigTarget {
  /** Where the file goes on this machine. */
  path: string;
  /** Inside the local flake (else saved aside: the remote flake cannot see it). */
  inFlake: boolean;
}

/** Decided before anything is contacted: PATH inside a local flake, or a file aside for a remote one. */
export function hardwareConfigTarget(path: string, generator: HardwareGenerator, host: string, flakeDir: string | undefined): HardwareConfigTarget {
  if (!flakeDir) return { path: join(stateDir(), `${host}-${generator === 'nixos-facter' ? 'facter.json' : 'hardware-configuration.nix'}`), inFlake: false };
  return { path: insideFlake('--generate-hardware-config', path, flakeDir, 'hosts/HOST/hardware-configuration.nix'), inFlake: true };
}

/** The names a host's hardware description goes by (nixos-generate-config's, nixos-facter's). */
const hardwareFileNames = new Set(['hardware-configuration.nix', 'facter.json']);
/** Directory levels searched, the flake's own included: deep enough for systems/x86_64-linux/<host>/… */
const searchDepth = 4;

/**
 * The hardware configuration the local flake already has for `host`, as a path relative to the
 * flake: at its root (a one-host flake), or under a directory named after the host. Null when
 * there is none; the wizard then offers to generate one.
 */
export async function findHardwareConfig(flakeDir: string, host: string): Promise<string | null> {
  // Breadth first and sorted: the shallowest match wins, the same one every time.
  let level: Array<{ dir: string; parts: string[] }> = [{ dir: flakeDir, parts: [] }];
  for (let depth = 0; depth < searchDepth && level.length > 0; depth++) {
    const next: typeof level = [];
    for (const { dir, parts } of level) {
      const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
      entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      const forHost = parts.length === 0 || parts.includes(host);
      for (const entry of entries) {
        // nix build's result links lead into the store (huge, and not the flake's own files).
        if (entry.isSymbolicLink() && entry.name.startsWith('result')) continue;
        const isDirectory = entry.isDirectory() || (entry.isSymbolicLink() && (await stat(join(dir, entry.name)).catch(() => null))?.isDirectory());
        if (isDirectory) {
          if (entry.name !== '.git' && entry.name !== 'node_modules') next.push({ dir: join(dir, entry.name), parts: [...parts, entry.name] });
        } else if (forHost && hardwareFileNames.has(entry.name)) {
          return [...parts, entry.name].join('/');
        }
      }
    }
    level = next;
  }
  return null;
}

/** Runs the generator on the installer (it reads /sys, lspci, …; writes nothing). */
export async function generateHardwareConfig(session: Session, generator: HardwareGenerator): Promise<string> {
  const result = await session.exec(generatorCommand[generator]);
  if (result.code !== 0 || !result.stdout.trim()) {
    const why = result.stderr.trim().split('\n').slice(-3).join(' ') || `exit ${result.code}`;
    throw new BootstrapError(
      `${generator} failed on the installer: ${why}`,
      ExitCode.phaseFailed,
      'nothing was changed; run it by hand on the installer to see why',
    );
  }
  return result.stdout.endsWith('\n') ? result.stdout : `${result.stdout}\n`;
}

export type HardwareConfigChange = 'new' | 'changed' | 'unchanged';

export interface SavedHardwareConfig {
  change: HardwareConfigChange;
  /** `diff -u` of the old file against the new text (changed only). */
  diff: string;
  /** The flake's git was told of the new file (git add --intent-to-add). */
  gitAdded: boolean;
}

/** Writes the file (the flake's git learns of it); returns what changed and the diff against the old file. */
export async function saveHardwareConfig(target: HardwareConfigTarget, text: string, write: boolean): Promise<SavedHardwareConfig> {
  const before = await readFile(target.path, 'utf8').catch(() => undefined);
  const change: HardwareConfigChange = before === undefined ? 'new' : before === text ? 'unchanged' : 'changed';
  const diff = change === 'changed' ? await unifiedDiff(target.path, text) : '';
  const written = write && change !== 'unchanged' ? await writeModule(target.path, text, { gitAdd: target.inFlake, createDirectory: true }) : null;
  return { change, diff, gitAdded: written?.gitAdded ?? false };
}

async function unifiedDiff(path: string, text: string): Promise<string> {
  // diff exits 1 when the files differ: that is the answer, not a failure.
  const pending = promisify(execFile)('diff', ['-u', '--label', `${path} (before)`, '--label', `${path} (generated)`, path, '-'], { encoding: 'utf8' });
  pending.child.stdin?.end(text);
  return (await pending.catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? '' }))).stdout;
}
