// Adaptive limit on attempts in flight per provider (AIMD): a 429 halves it (once per round of requests),
// each success adds 1/limit back up to the configured concurrency. Without 429s it never binds. It keeps
// retries from stampeding a rate-limited server, which costs its slots and our CPU without more throughput.
export class AttemptGate {
  private limit: number;
  private active = 0;
  private readonly waiters = new Set<() => void>();
  /** When the limit was last cut: 429s to attempts sent before then were already accounted for. */
  private cutAt = -Infinity;

  constructor(private readonly max: number) {
    this.limit = max;
  }

  /** Attempts allowed at once now. */
  get allowed(): number {
    return Math.max(1, Math.floor(this.limit));
  }

  /** Resolves with the send time once a slot is free; rejects with the signal's reason when it aborts. */
  async acquire(signal: AbortSignal): Promise<number> {
    while (this.active >= this.allowed) {
      if (signal.aborted) throw signal.reason;
      await new Promise<void>((resolve) => {
        const done = (): void => {
          this.waiters.delete(done);
          signal.removeEventListener('abort', done);
          resolve();
        };
        this.waiters.add(done);
        signal.addEventListener('abort', done, { once: true });
      });
    }
    if (signal.aborted) throw signal.reason;
    this.active += 1;
    return performance.now();
  }

  release(): void {
    this.active -= 1;
    this.wake();
  }

  onRateLimited(sentAt: number): void {
    if (sentAt < this.cutAt) return;
    this.cutAt = performance.now();
    this.limit = Math.max(1, this.limit / 2);
  }

  onSuccess(): void {
    const before = this.allowed;
    this.limit = Math.min(this.max, this.limit + 1 / this.limit);
    if (this.allowed > before) this.wake();
  }

  private wake(): void {
    for (const w of [...this.waiters]) w();
  }
}
