/**
 * A timeout that can stop counting while a person is asked something (host key confirmation,
 * password): the network gets its time limit, the human does not.
 */
export class PausableTimer {
  private timer: NodeJS.Timeout | undefined;
  private remainingMs: number;
  private startedAt = 0;
  private finished = false;

  constructor(
    timeoutMs: number,
    private readonly onExpire: () => void,
  ) {
    this.remainingMs = timeoutMs;
    this.resume();
  }

  pause(): void {
    if (this.timer === undefined) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.remainingMs -= Date.now() - this.startedAt;
  }

  resume(): void {
    if (this.finished || this.timer !== undefined) return;
    this.startedAt = Date.now();
    this.timer = setTimeout(
      () => {
        this.finished = true;
        this.onExpire();
      },
      Math.max(0, this.remainingMs),
    );
  }

  clear(): void {
    this.finished = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
