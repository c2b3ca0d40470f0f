// Forms of a host key that a person can compare with the installer's console before any secret
// is sent: the randomart of `ssh-keygen -lv` (identical picture, so the console command shows
// the very same thing) and a short code (the first characters of the SHA256 fingerprint).
import { createHash } from 'node:crypto';
import { hostKeyType } from './fingerprint.js';

/** Run this on the installer's console to see the same fingerprint and picture. */
export const pairingConsoleCommand = 'ssh-keygen -lv -f /etc/ssh/ssh_host_ed25519_key.pub';

const pairingCodeChars = 8;

/** `SHA256:Wq3D9fzK…` → `Wq3D 9fzK`: enough to notice a different key at a glance. */
export function pairingCode(fingerprint: string): string {
  const body = fingerprint.replace(/^SHA256:/, '').slice(0, pairingCodeChars);
  return `${body.slice(0, 4)} ${body.slice(4)}`;
}

function readString(blob: Buffer, offset: number): { value: Buffer; next: number } {
  const length = blob.readUInt32BE(offset);
  return { value: blob.subarray(offset + 4, offset + 4 + length), next: offset + 4 + length };
}

function bitLength(mpint: Buffer): number {
  let i = 0;
  while (i < mpint.length && mpint[i] === 0) i++;
  if (i === mpint.length) return 0;
  return (mpint.length - i - 1) * 8 + (32 - Math.clz32(mpint[i]!));
}

/** Key family and size as ssh-keygen prints them: `{ type: 'ED25519', bits: 256 }`. */
export function hostKeyDescription(hostKey: Buffer): { type: string; bits: number } {
  const algorithm = hostKeyType(hostKey);
  if (algorithm === 'ssh-ed25519') return { type: 'ED25519', bits: 256 };
  if (algorithm === 'sk-ssh-ed25519@openssh.com') return { type: 'ED25519-SK', bits: 256 };
  if (algorithm === 'ssh-rsa') {
    const exponent = readString(hostKey, 4 + 7);
    return { type: 'RSA', bits: bitLength(readString(hostKey, exponent.next).value) };
  }
  if (algorithm === 'ssh-dss') return { type: 'DSA', bits: bitLength(readString(hostKey, 4 + 7).value) };
  const curve = /^(?:sk-)?ecdsa-sha2-nistp(\d+)/.exec(algorithm);
  if (curve) return { type: algorithm.startsWith('sk-') ? 'ECDSA-SK' : 'ECDSA', bits: Number(curve[1]) };
  return { type: algorithm.toUpperCase(), bits: 0 };
}

// The "drunken bishop" of OpenSSH's sshkey.c (fingerprint_randomart), on the SHA256 digest.
const fieldWidth = 17;
const fieldHeight = 9;
const symbols = ' .o+=*BOX@%&#/^SE';

/** The picture `ssh-keygen -lv` prints for this host key (SHA256), line for line. */
export function randomArt(hostKey: Buffer): string {
  const digest = createHash('sha256').update(hostKey).digest();
  const top = symbols.length - 1;
  const field = Array.from({ length: fieldWidth }, () => new Array<number>(fieldHeight).fill(0));
  let x = Math.floor(fieldWidth / 2);
  let y = Math.floor(fieldHeight / 2);
  for (const byte of digest) {
    let input = byte;
    for (let step = 0; step < 4; step++) {
      x = Math.min(Math.max(x + (input & 1 ? 1 : -1), 0), fieldWidth - 1);
      y = Math.min(Math.max(y + (input & 2 ? 1 : -1), 0), fieldHeight - 1);
      if (field[x]![y]! < top - 2) field[x]![y]!++;
      input >>= 2;
    }
  }
  field[Math.floor(fieldWidth / 2)]![Math.floor(fieldHeight / 2)] = top - 1;
  field[x]![y] = top;

  const { type, bits } = hostKeyDescription(hostKey);
  const border = (title: string) => {
    const left = Math.max(0, Math.floor((fieldWidth - title.length) / 2));
    return `+${'-'.repeat(left)}${title}${'-'.repeat(Math.max(0, fieldWidth - left - title.length))}+`;
  };
  const lines = [border(`[${type} ${bits}]`)];
  for (let row = 0; row < fieldHeight; row++) {
    let line = '|';
    for (let column = 0; column < fieldWidth; column++) line += symbols[Math.min(field[column]![row]!, top)];
    lines.push(`${line}|`);
  }
  lines.push(border('[SHA256]'));
  return lines.join('\n');
}
