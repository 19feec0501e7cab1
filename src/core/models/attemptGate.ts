// Pacing of attempts per provider after rate limiting: a 429 widens the minimum gap between sends, each
// success narrows it again, so sends settle just above the server's rate instead of stampeding it after
// every Retry-After. Without 429s the gap stays 0 and the gate never waits.
export class AttemptGate {
  private gapMs = 0;
  private nextSendAt = 0;

  constructor(
    /** Widest gap in ms (one send per this long at worst). */
    private readonly maxGapMs = 5_000,
  ) {}

  /** Minimum ms between sends now (0 = unpaced). */
  get gap(): number {
    return this.gapMs;
  }

  /** Resolves when this attempt may be sent; rejects with the signal's reason when it aborts. */
  async acquire(signal: AbortSignal): Promise<void> {
    if (signal.aborted) throw signal.reason;
    if (this.gapMs === 0) return;
    const now = performance.now();
    const at = Math.max(now, this.nextSendAt);
    this.nextSendAt = at + this.gapMs;
    const wait = at - now;
    if (wait < 1) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      }, wait);
      const onAbort = (): void => {
        clearTimeout(timer);
        reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** A 429: widen the gap (starting from the server's Retry-After, at most 100 ms, when unpaced). */
  onRateLimited(retryAfterMs: number | undefined): void {
    this.gapMs = this.gapMs === 0 ? Math.min(100, Math.max(1, retryAfterMs ?? 50)) : Math.min(this.maxGapMs, this.gapMs * 1.25);
  }

  onSuccess(): void {
    if (this.gapMs === 0) return;
    this.gapMs *= 0.97;
    if (this.gapMs < 0.5) this.gapMs = 0;
  }
}
