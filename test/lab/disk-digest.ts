import { execFileSync } from 'node:child_process';

// Hashes a sparse disk image by its data extents only (SEEK_DATA/SEEK_HOLE): reading 8 GiB of
// holes would take seconds; the extents are what any write would change.
const script = `
import hashlib, os, sys
h = hashlib.sha256()
with open(sys.argv[1], 'rb') as f:
    size = os.fstat(f.fileno()).st_size
    h.update(str(size).encode())
    offset = 0
    while offset < size:
        try:
            start = os.lseek(f.fileno(), offset, os.SEEK_DATA)
        except OSError:
            break
        end = os.lseek(f.fileno(), start, os.SEEK_HOLE)
        f.seek(start)
        remaining = end - start
        while remaining > 0:
            block = f.read(min(remaining, 1 << 20))
            # Zero blocks hash like holes: a file system may allocate zeros without a write.
            if block.strip(b'\\0'):
                h.update(str(f.tell() - len(block)).encode())
                h.update(block)
            remaining -= len(block)
        offset = end
print(h.hexdigest())
`;

/** A digest of everything written to a (sparse) disk image. */
export function diskDigest(image: string): string {
  return execFileSync('python3', ['-c', script, image], { encoding: 'utf8' }).trim();
}

const searchScript = `
import os, sys
needles = [n.encode() for n in sys.argv[2:]]
longest = max(len(n) for n in needles)
with open(sys.argv[1], 'rb') as f:
    size = os.fstat(f.fileno()).st_size
    offset = 0
    while offset < size:
        try:
            start = os.lseek(f.fileno(), offset, os.SEEK_DATA)
        except OSError:
            break
        end = os.lseek(f.fileno(), start, os.SEEK_HOLE)
        f.seek(start)
        tail = b''
        while f.tell() < end:
            block = tail + f.read(min(end - f.tell(), 1 << 22))
            for n in needles:
                at = block.find(n)
                if at >= 0:
                    print(f"{n.decode()} at {f.tell() - len(block) + at}")
                    sys.exit(0)
            tail = block[-longest:]
        offset = end
`;

/** Where, if anywhere, one of `needles` appears in the raw bytes of a (sparse) disk image. */
export function findInImage(image: string, needles: string[]): string {
  return execFileSync('python3', ['-c', searchScript, image, ...needles], { encoding: 'utf8' }).trim();
}
