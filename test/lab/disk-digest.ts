import { execFileSync } from 'node:child_process';

// Reads a sparse disk image by its data extents only (SEEK_DATA/SEEK_HOLE): reading 8 GiB of
// holes would take seconds, and the extents are what any write would change.
// Modes: `digest` prints a digest of every non-zero block; `find NEEDLE…` prints the first
// needle found and its offset.
const script = `
import hashlib, os, sys

def blocks(path):
    with open(path, 'rb') as f:
        size = os.fstat(f.fileno()).st_size
        yield size, None, b''
        offset = 0
        while offset < size:
            try:
                start = os.lseek(f.fileno(), offset, os.SEEK_DATA)
            except OSError:
                return
            end = os.lseek(f.fileno(), start, os.SEEK_HOLE)
            f.seek(start)
            while f.tell() < end:
                at = f.tell()
                yield size, at, f.read(min(end - at, 1 << 22))
            offset = end

mode, path, needles = sys.argv[1], sys.argv[2], [n.encode() for n in sys.argv[3:]]
if mode == 'digest':
    h = hashlib.sha256()
    for size, at, block in blocks(path):
        if at is None:
            h.update(str(size).encode())
        # Zero blocks hash like holes: a file system may allocate zeros without a write.
        elif block.strip(b'\\0'):
            h.update(str(at).encode())
            h.update(block)
    print(h.hexdigest())
else:
    tail, tail_at = b'', 0
    for size, at, block in blocks(path):
        if at is None:
            continue
        # Keep the end of the previous block when it was contiguous: a needle may straddle two.
        window = tail + block if tail_at == at else block
        base = at - len(tail) if tail_at == at else at
        for n in needles:
            found = window.find(n)
            if found >= 0:
                print(f"{n.decode()} at {base + found}")
                sys.exit(0)
        tail, tail_at = block[-max(len(n) for n in needles):], at + len(block)
`;

/** A digest of everything written to a (sparse) disk image. */
export function diskDigest(image: string): string {
  return execFileSync('python3', ['-c', script, 'digest', image], { encoding: 'utf8' }).trim();
}

/** Where, if anywhere, one of `needles` appears in the raw bytes of a (sparse) disk image. */
export function findInImage(image: string, needles: string[]): string {
  return execFileSync('python3', ['-c', script, 'find', image, ...needles], { encoding: 'utf8' }).trim();
}
