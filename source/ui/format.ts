// Small text helpers for the screens (pure, no Ink).

/** 1234 → "1.2 s", 75_000 → "1m 15s". */
export function formatDuration(ms: number): string {
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const totalSeconds = Math.round(ms / 1000);
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds % 60;
  return hours > 0 ? `${hours}h ${minutes}m` : `${minutes}m ${String(seconds).padStart(2, '0')}s`;
}

/** "SHA256:Wq3D9fzKabc…" → "Wq3D9fzK…" for narrow tables. */
export const shortFingerprint = (fingerprint: string | undefined, chars = 10) =>
  fingerprint ? `${fingerprint.replace(/^SHA256:/, '').slice(0, chars)}…` : '-';

/** Cuts to `width` columns with an ellipsis (ASCII-width assumption: used for data, not glyphs). */
export function truncate(text: string, width: number): string {
  if (width <= 0) return '';
  if (text.length <= width) return text;
  return width === 1 ? '…' : `${text.slice(0, width - 1)}…`;
}

export const pad = (text: string, width: number) => truncate(text, width).padEnd(width);

export const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;

/**
 * Wraps one line to `width` columns, breaking at spaces where it can; continuation lines are
 * indented past the line's own indentation, so a long command still reads as one.
 */
export function wrapLine(line: string, width: number, extraIndent = 4): string[] {
  if (line.length <= width || width < 20) return [line];
  const indent = ' '.repeat(Math.min(/^\s*/.exec(line)![0].length + extraIndent, Math.floor(width / 2)));
  const result: string[] = [];
  let rest = line;
  let prefix = '';
  while (prefix.length + rest.length > width) {
    const room = width - prefix.length;
    let cut = rest.lastIndexOf(' ', room);
    if (cut <= room / 3) cut = room;
    result.push(prefix + rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut).trimStart();
    prefix = indent;
  }
  if (rest) result.push(prefix + rest);
  return result;
}

/**
 * Which of `count` rows fit in `room` lines with row `cursor` among them: [start, end). When not
 * all fit, a line above and one below are left for "↑ N more" / "↓ N more".
 */
export function windowOf(count: number, cursor: number, room: number): { start: number; end: number } {
  if (count <= room) return { start: 0, end: count };
  const rows = Math.max(1, room - 2);
  const start = Math.min(Math.max(0, cursor - Math.floor(rows / 2)), count - rows);
  return { start, end: start + rows };
}

/** A message's first line (the rest is for the log or the read view). */
export const firstLine = (text: string | undefined) => (text ?? '').split('\n')[0]!;

/** Text for one screen line: a probed label or a host's message may hold line breaks. */
export const oneLine = (text: string) => text.replace(/\s*[\r\n]+\s*/g, ' ');
