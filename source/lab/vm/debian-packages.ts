import { mkdir, mkdtemp, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { writeFileAtomic, scratchPrefix } from './atomic-files.js';
import { join } from 'node:path';
import { run } from '../run-command.js';

// The VM's kernel (and udev, when this machine has none) come from Debian's own packages,
// fetched with `apt-get download` and extracted with dpkg-deb: no other download.

const aptLists = '/var/lib/apt/lists';

/**
 * The kernel package the linux-image-amd64 meta package currently points at, e.g. 6.1.0-56-amd64.
 * apt-cache takes most of a second, so the answer is remembered in `cacheDir` until the package
 * lists change (apt-get update).
 */
export async function currentKernelVersion(cacheDir?: string): Promise<string> {
  const listsStamp = String((await stat(aptLists).catch(() => null))?.mtimeMs ?? 'none');
  const memo = cacheDir ? join(cacheDir, 'kernel-version.json') : null;
  if (memo) {
    const saved = JSON.parse(await readFile(memo, 'utf8').catch(() => '{}')) as { listsStamp?: string; version?: string };
    if (saved.listsStamp === listsStamp && saved.version) return saved.version;
  }
  const out = await run(['apt-cache', 'depends', 'linux-image-amd64']);
  const match = /Depends:\s+linux-image-(\S+)/.exec(out);
  if (!match) throw new Error(`lab: cannot tell the kernel version from 'apt-cache depends linux-image-amd64':\n${out}`);
  const version = match[1]!;
  if (memo) await writeFileAtomic(memo, JSON.stringify({ listsStamp, version }));
  return version;
}

/** Newest cached `.deb` whose file name starts with `<name>_`. */
async function cachedDeb(debDir: string, name: string): Promise<string | null> {
  const files = (await readdir(debDir).catch(() => [] as string[])).filter((file) => file.startsWith(`${name}_`) && file.endsWith('.deb'));
  if (files.length === 0) return null;
  const withTimes = await Promise.all(files.map(async (file) => ({ file, mtimeMs: (await stat(join(debDir, file))).mtimeMs })));
  withTimes.sort((a, b) => b.mtimeMs - a.mtimeMs);
  return join(debDir, withTimes[0]!.file);
}

/** The package's `.deb` in `debDir`, downloaded with apt-get the first time. */
export async function ensureDeb(debDir: string, name: string, onProgress?: (message: string) => void): Promise<string> {
  const cached = await cachedDeb(debDir, name);
  if (cached) return cached;
  await mkdir(debDir, { recursive: true });
  onProgress?.(`downloading ${name} (apt-get download)`);
  // A private directory: apt-get writes straight into its working directory.
  const scratch = await mkdtemp(scratchPrefix(debDir, 'download'));
  try {
    await run(['apt-get', 'download', '-q', name], { cwd: scratch });
    const [file] = (await readdir(scratch)).filter((f) => f.endsWith('.deb'));
    if (!file) throw new Error(`lab: apt-get download ${name} produced no .deb`);
    await rename(join(scratch, file), join(debDir, file));
    return join(debDir, file);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

export async function extractDeb(deb: string, targetDir: string): Promise<void> {
  await mkdir(targetDir, { recursive: true });
  await run(['dpkg-deb', '-x', deb, targetDir]);
}
