import { open, readFile, type FileHandle } from 'node:fs/promises';
import { posix } from 'node:path';

// A writer for the "newc" cpio format the kernel unpacks as an initramfs. Written here rather
// than by running cpio(1) over a staging tree, so that modes and owners are exact (root-owned,
// 0600 secrets) without copying files twice, and so that an archive can be assembled from host
// files, generated text and symlinks in one pass.

export type CpioEntry =
  | { kind: 'dir'; path: string; mode: number }
  | { kind: 'file'; path: string; mode: number; data: string | Uint8Array }
  | { kind: 'host-file'; path: string; mode: number; source: string }
  | { kind: 'symlink'; path: string; target: string };

const headerBytes = 110;
const trailerName = 'TRAILER!!!';
const modeDir = 0o040000;
const modeFile = 0o100000;
const modeSymlink = 0o120000;

const hex8 = (value: number) => value.toString(16).padStart(8, '0');
const padTo4 = (length: number) => (4 - (length % 4)) % 4;

/** Archive paths are relative ("etc/passwd"): the kernel unpacks them relative to the rootfs. */
export const archivePath = (path: string) => posix.normalize(path).replace(/^\/+/, '');

function header(ino: number, mode: number, fileSize: number, name: string, mtimeSeconds: number): Buffer {
  const nameBytes = Buffer.byteLength(name) + 1;
  const fields = [ino, mode, 0, 0, 1, mtimeSeconds, fileSize, 0, 0, 0, 0, nameBytes, 0];
  const head = Buffer.from('070701' + fields.map(hex8).join(''), 'ascii');
  const namePadded = Buffer.alloc(nameBytes + padTo4(headerBytes + nameBytes));
  namePadded.write(name, 'utf8');
  return Buffer.concat([head, namePadded]);
}

/**
 * Streams entries into one archive file. Parent directories are created on demand (0755) before
 * their first child, because the kernel's unpacker does not create missing parents.
 */
export class CpioWriter {
  private nextIno = 1;
  private readonly seenDirs = new Set<string>(['', '.']);
  private readonly seenPaths = new Set<string>();

  private constructor(
    private readonly handle: FileHandle,
    private readonly mtimeSeconds: number,
  ) {}

  static async create(file: string, mtimeSeconds = Math.floor(Date.now() / 1000)): Promise<CpioWriter> {
    return new CpioWriter(await open(file, 'wx', 0o600), mtimeSeconds);
  }

  has(path: string): boolean {
    const name = archivePath(path);
    return this.seenPaths.has(name) || this.seenDirs.has(name);
  }

  async add(entry: CpioEntry): Promise<void> {
    const name = archivePath(entry.path);
    await this.ensureParents(name);
    if (entry.kind === 'dir') {
      if (this.seenDirs.has(name)) return;
      this.seenDirs.add(name);
      await this.writeRecord(name, modeDir | entry.mode, Buffer.alloc(0));
      return;
    }
    if (this.seenPaths.has(name)) throw new Error(`cpio: '${name}' added twice`);
    this.seenPaths.add(name);
    if (entry.kind === 'symlink') {
      await this.writeRecord(name, modeSymlink | 0o777, Buffer.from(entry.target));
    } else {
      const data = entry.kind === 'file' ? Buffer.from(entry.data) : await readFile(entry.source);
      await this.writeRecord(name, modeFile | entry.mode, data);
    }
  }

  async addAll(entries: Iterable<CpioEntry>): Promise<void> {
    for (const entry of entries) await this.add(entry);
  }

  /** Writes the trailer and closes the file. */
  async finish(): Promise<void> {
    await this.writeRecord(trailerName, 0, Buffer.alloc(0), 0);
    await this.handle.sync();
    await this.handle.close();
  }

  async abandon(): Promise<void> {
    await this.handle.close().catch(() => {});
  }

  private async ensureParents(name: string): Promise<void> {
    const parent = posix.dirname(name);
    if (this.seenDirs.has(parent)) return;
    await this.ensureParents(parent);
    this.seenDirs.add(parent);
    await this.writeRecord(parent, modeDir | 0o755, Buffer.alloc(0));
  }

  private async writeRecord(name: string, mode: number, data: Buffer, ino = this.nextIno++): Promise<void> {
    const head = header(ino, mode, data.length, name, this.mtimeSeconds);
    await this.handle.write(Buffer.concat([head, data, Buffer.alloc(padTo4(data.length))]));
  }
}

/** Builds a whole (small) archive in memory, e.g. the per-lab configuration. */
export async function writeCpio(file: string, entries: Iterable<CpioEntry>): Promise<void> {
  const writer = await CpioWriter.create(file);
  try {
    await writer.addAll(entries);
    await writer.finish();
  } catch (error) {
    await writer.abandon();
    throw error;
  }
}
