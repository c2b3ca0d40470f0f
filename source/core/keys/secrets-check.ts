import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { Decrypter, armor } from 'age-encryption';

export interface SecretsReport {
  dir: string;
  readable: string[];
  /** Files the new host could NOT decrypt on first boot, with why. */
  unreadable: { file: string; reason: string }[];
}

async function ageFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(
    entries.map(async (entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return entry.name === '.git' ? [] : ageFiles(path);
      return entry.name.endsWith('.age') ? [path] : [];
    }),
  );
  return nested.flat().sort();
}

/**
 * Tries to open the header of every `*.age` file under `dir` with the host's new identity: the
 * files that fail are exactly the ones agenix/sops would report as unreadable on first boot.
 * Only the header is decrypted (a stream is handed over and never read).
 */
export async function checkSecrets(dir: string, identity: string): Promise<SecretsReport> {
  const report: SecretsReport = { dir, readable: [], unreadable: [] };
  for (const path of await ageFiles(dir)) {
    const file = relative(dir, path);
    let bytes: Uint8Array = await readFile(path);
    try {
      const text = Buffer.from(bytes).toString('latin1');
      if (text.startsWith('-----BEGIN AGE ENCRYPTED FILE-----')) bytes = armor.decode(text);
      const decrypter = new Decrypter();
      decrypter.addIdentity(identity);
      const stream = await decrypter.decrypt(new Blob([new Uint8Array(bytes)]).stream());
      await stream.cancel();
      report.readable.push(file);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      report.unreadable.push({ file, reason: /no identity matched|no identity/i.test(message) ? 'not encrypted to this host key' : message });
    }
  }
  return report;
}
