// A minimal ISO 9660 image (one root directory, a few small files), enough for the VM's boot
// medium to look like a NixOS installer stick to lsblk/blkid: FSTYPE=iso9660 with the real volume
// label (26 characters, which no ext4/vfat label can hold), mounted read-only at /iso.
// Layout: 16 empty system sectors, primary descriptor (16), terminator (17), L/M path tables
// (18, 19), root directory (20), file data from 21 on.

export const isoSectorBytes = 2048;

export interface IsoFile {
  /** ISO 9660 level 1 name, e.g. "VERSION.TXT" (Linux shows it lowercased, without ";1"). */
  name: string;
  data: string | Uint8Array;
}

export interface IsoOptions {
  volumeId: string;
  files: IsoFile[];
  /** Recorded as the creation date; blkid derives the filesystem UUID from it. */
  created: Date;
}

const both16 = (buffer: Buffer, offset: number, value: number) => {
  buffer.writeUInt16LE(value, offset);
  buffer.writeUInt16BE(value, offset + 2);
};
const both32 = (buffer: Buffer, offset: number, value: number) => {
  buffer.writeUInt32LE(value, offset);
  buffer.writeUInt32BE(value, offset + 4);
};
const padded = (buffer: Buffer, offset: number, length: number, text: string) => {
  buffer.fill(0x20, offset, offset + length);
  buffer.write(text.slice(0, length), offset, 'ascii');
};

function recordingDate(date: Date): Buffer {
  return Buffer.from([
    date.getUTCFullYear() - 1900,
    date.getUTCMonth() + 1,
    date.getUTCDate(),
    date.getUTCHours(),
    date.getUTCMinutes(),
    date.getUTCSeconds(),
    0,
  ]);
}

function descriptorDate(date: Date | null): Buffer {
  const out = Buffer.alloc(17, 0x30);
  out[16] = 0;
  if (date) {
    const two = (n: number) => String(n).padStart(2, '0');
    const text =
      `${date.getUTCFullYear()}${two(date.getUTCMonth() + 1)}${two(date.getUTCDate())}` +
      `${two(date.getUTCHours())}${two(date.getUTCMinutes())}${two(date.getUTCSeconds())}00`;
    out.write(text, 0, 'ascii');
  }
  return out;
}

function directoryRecord(name: Buffer, extent: number, size: number, isDir: boolean, date: Date): Buffer {
  const length = 33 + name.length + (name.length % 2 === 0 ? 1 : 0);
  const record = Buffer.alloc(length);
  record[0] = length;
  both32(record, 2, extent);
  both32(record, 10, size);
  recordingDate(date).copy(record, 18);
  record[25] = isDir ? 2 : 0;
  both16(record, 28, 1);
  record[32] = name.length;
  name.copy(record, 33);
  return record;
}

function checkName(name: string): void {
  if (!/^[A-Z0-9_]{1,8}(\.[A-Z0-9_]{0,3})?$/.test(name)) throw new Error(`iso9660: '${name}' is not an 8.3 name`);
}

export function buildIso9660(options: IsoOptions): Buffer {
  if (options.volumeId.length > 32) throw new Error('iso9660: volume id longer than 32 characters');
  const rootSector = 20;
  const fileData = options.files.map((file) => {
    checkName(file.name);
    return Buffer.from(file.data);
  });
  let next = rootSector + 1;
  const extents = fileData.map((data) => {
    const at = next;
    next += Math.max(1, Math.ceil(data.length / isoSectorBytes));
    return at;
  });
  const totalSectors = next;
  const image = Buffer.alloc(totalSectors * isoSectorBytes);
  const date = options.created;

  const root = Buffer.concat([
    directoryRecord(Buffer.from([0]), rootSector, isoSectorBytes, true, date),
    directoryRecord(Buffer.from([1]), rootSector, isoSectorBytes, true, date),
    ...options.files.map((file, i) => directoryRecord(Buffer.from(`${file.name};1`, 'ascii'), extents[i]!, fileData[i]!.length, false, date)),
  ]);
  if (root.length > isoSectorBytes) throw new Error('iso9660: too many files for one directory sector');
  root.copy(image, rootSector * isoSectorBytes);
  fileData.forEach((data, i) => data.copy(image, extents[i]! * isoSectorBytes));

  // Path tables: the root only (10 bytes each), little-endian then big-endian.
  const pathTableBytes = 10;
  const lTable = 18 * isoSectorBytes;
  image[lTable] = 1;
  image.writeUInt32LE(rootSector, lTable + 2);
  image.writeUInt16LE(1, lTable + 6);
  const mTable = 19 * isoSectorBytes;
  image[mTable] = 1;
  image.writeUInt32BE(rootSector, mTable + 2);
  image.writeUInt16BE(1, mTable + 6);

  const pvd = image.subarray(16 * isoSectorBytes, 17 * isoSectorBytes);
  pvd[0] = 1;
  pvd.write('CD001', 1, 'ascii');
  pvd[6] = 1;
  padded(pvd, 8, 32, 'LINUX');
  padded(pvd, 40, 32, options.volumeId);
  both32(pvd, 80, totalSectors);
  both16(pvd, 120, 1);
  both16(pvd, 124, 1);
  both16(pvd, 128, isoSectorBytes);
  both32(pvd, 132, pathTableBytes);
  pvd.writeUInt32LE(18, 140);
  pvd.writeUInt32BE(19, 148);
  directoryRecord(Buffer.from([0]), rootSector, isoSectorBytes, true, date).copy(pvd, 156);
  padded(pvd, 190, 128, '');
  padded(pvd, 318, 128, '');
  padded(pvd, 446, 128, '');
  padded(pvd, 574, 128, 'NIXOS-BOOTSTRAP LAB');
  padded(pvd, 702, 37 * 3, '');
  descriptorDate(date).copy(pvd, 813);
  descriptorDate(date).copy(pvd, 830);
  descriptorDate(null).copy(pvd, 847);
  descriptorDate(null).copy(pvd, 864);
  pvd[881] = 1;

  const terminator = image.subarray(17 * isoSectorBytes, 18 * isoSectorBytes);
  terminator[0] = 255;
  terminator.write('CD001', 1, 'ascii');
  terminator[6] = 1;
  return image;
}
