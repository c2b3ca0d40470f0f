export type TailKind = 'command' | 'stdout' | 'stderr' | 'note';

export interface TailLine {
  kind: TailKind;
  text: string;
}

/** Lines of one kind as they came: a chunk of output is one entry, not an object per line. */
interface Batch {
  kind: TailKind;
  texts: string[];
}

/**
 * The newest `capacity` lines. What is held stays bounded: a batch is dropped once the newer
 * ones hold `capacity` lines without it, and a batch longer than that keeps only its end.
 */
export class TailLines {
  private batches: Batch[] = [];
  private held = 0;

  constructor(readonly capacity: number) {
    if (!(capacity > 0)) throw new RangeError('the tail must hold at least one line');
  }

  push(kind: TailKind, texts: string[]): void {
    if (texts.length === 0) return;
    const kept = texts.length > this.capacity ? texts.slice(-this.capacity) : texts;
    this.batches.push({ kind, texts: kept });
    this.held += kept.length;
    while (this.held - this.batches[0]!.texts.length >= this.capacity) this.held -= this.batches.shift()!.texts.length;
  }

  /** The newest `n` lines (at most `capacity`), oldest first. */
  last(n: number): TailLine[] {
    const take = Math.max(0, Math.min(n, this.capacity, this.held));
    const result: TailLine[] = [];
    for (let b = this.batches.length - 1; b >= 0 && result.length < take; b--) {
      const { kind, texts } = this.batches[b]!;
      for (let i = texts.length - 1; i >= 0 && result.length < take; i--) result.push({ kind, text: texts[i]! });
    }
    return result.reverse();
  }
}
