/** Quotes a word for a POSIX shell, leaving plain words (paths, labels) readable. */
export function shellQuote(word: string): string {
  // '#' starts a comment only at the beginning of a word.
  if (/^[\w@%+=:,./-][\w@%+=:,./#-]*$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

export const shellJoin = (words: string[]) => words.map(shellQuote).join(' ');
