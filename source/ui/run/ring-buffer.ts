/** The last `capacity` items pushed; O(1) per push, no allocation once full. */
export class RingBuffer<T> {
  private readonly items: (T | undefined)[];
  private next = 0;
  private count = 0;
  /** Items ever pushed (for "N lines" counters). */
  total = 0;

  constructor(readonly capacity: number) {
    if (!(capacity > 0)) throw new RangeError('ring buffer capacity must be positive');
    this.items = new Array<T | undefined>(capacity);
  }

  push(item: T): void {
    this.items[this.next] = item;
    this.next = (this.next + 1) % this.capacity;
    if (this.count < this.capacity) this.count++;
    this.total++;
  }

  get size(): number {
    return this.count;
  }

  /** The newest `n` items, oldest first. */
  last(n: number): T[] {
    const take = Math.max(0, Math.min(n, this.count));
    const result = new Array<T>(take);
    for (let i = 0; i < take; i++) {
      result[i] = this.items[(this.next - take + i + this.capacity) % this.capacity]!;
    }
    return result;
  }

  clear(): void {
    this.items.fill(undefined);
    this.next = 0;
    this.count = 0;
  }
}
