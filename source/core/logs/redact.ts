/** Any age identity, even one this run does not know (a key printed by a tool, a pasted file). */
const ageIdentityPrefix = 'AGE-SECRET-KEY-1';
const ageIdentityPattern = new RegExp(`${ageIdentityPrefix}[0-9A-Z]{20,}`, 'g');
export const redacted = '<redacted>';
/** Shorter lines of a multi-line secret would redact ordinary words. */
const minLineChars = 16;

/** Replaces every known secret (and anything shaped like an age identity) before text is shown or stored. */
export class Redactor {
  private secrets: string[] = [];

  constructor(secrets: Iterable<string> = []) {
    for (const secret of secrets) this.add(secret);
  }

  add(secret: string): void {
    // Output arrives line by line: each line of a multi-line secret (a key's body) is one too.
    // Armour and comment lines (-----BEGIN …, # public key: …) say nothing secret.
    const lines = secret.includes('\n')
      ? secret
          .split('\n')
          .map((line) => line.trim())
          .filter((line) => line.length >= minLineChars && !/^(-----|# )/.test(line))
      : [];
    for (const part of [secret, ...lines]) {
      if (part && !this.secrets.includes(part)) this.secrets.push(part);
    }
    // Longest first, so a secret containing another is replaced whole.
    this.secrets.sort((a, b) => b.length - a.length);
  }

  redact(text: string): string {
    // Called for every output line: a plain search first, the pattern only where it can match.
    let result = text.includes(ageIdentityPrefix) ? text.replace(ageIdentityPattern, redacted) : text;
    for (const secret of this.secrets) if (result.includes(secret)) result = result.split(secret).join(redacted);
    return result;
  }

  /** The lines of a chunk of output: one search of their text per secret; only a chunk that holds one is redacted line by line. */
  redactLines(lines: string[]): string[] {
    const text = lines.join('\n');
    const clean = !text.includes(ageIdentityPrefix) && !this.secrets.some((secret) => text.includes(secret));
    return clean ? lines : lines.map((line) => this.redact(line));
  }
}
