// One pacer per provider: every attempt (first tries and retries) waits here for its turn, so a rate limit
// is met by spacing requests out, not by each call sleeping and retrying on its own. It learns the allowed
// rate from 429s: the first one sets it from the answers of the last second; then the rate grows fast
// (slow start, to find the limit from a poor first guess) until 429s say it is past the limit, after that
// additively, and each 429 cuts it multiplicatively (at most once per round: 429s to requests sent before
// the cut were caused by the old rate). A Retry-After holds every attempt of the provider until it has
// passed. Without a 429 it never binds. Tuned against a token bucket (test/unit/ratePacerSim.ts and the
// gateway benchmark): a deeper cut recovers fast, and the step grows while no 429 comes.

/** Time and sleep, the part of GatewayClock the pacer needs (tests pass a virtual clock). */
export interface PacerClock {
  now(): number;
  /** Resolves after `ms`; rejects when the signal aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

export interface RatePacerTuning {
  /** Share of the rate (of what got through, when that was less) kept by a cut: multiplicative decrease. */
  decrease: number;
  /** Requests/s added per success while the rate binds, after the first cut (additive increase). */
  increasePerSuccess: number;
  /**
   * The step grows with the time since the last 429, (1 + t/probeMs)²: near the limit 429s come often and
   * the step stays small; far below it (a cut that went too deep) the rate climbs back in a few seconds.
   */
  probeMs: number;
  /** Requests/s added per success before it (slow start: the rate about doubles every ~0.35 s). */
  slowStartPerSuccess: number;
  /**
   * After a cut that went deeper than one step below the rate that got the 429 (a low measurement): the
   * share of the way back closed per second, so the rate climbs back quickly instead of crawling.
   */
  recoverPerSecond: number;
  /** Never paced slower than this (requests/s). */
  minRate: number;
  /** Window the success rate is measured over, in ms. */
  windowMs: number;
}

export const DEFAULT_PACER_TUNING: RatePacerTuning = {
  decrease: 0.9,
  increasePerSuccess: 0.02,
  probeMs: 2000,
  slowStartPerSuccess: 2,
  recoverPerSecond: 2,
  minRate: 0.2,
  windowMs: 1000,
};

interface Waiter {
  resolve: (sentAt: number) => void;
  reject: (reason: unknown) => void;
  signal: AbortSignal;
  onAbort: () => void;
}

export class RatePacer {
  private rateRps: number | undefined;
  private slowStart = true;
  private slowStartCuts = 0;
  /** Below this the rate recovers fast: two decrease steps under the rate that last got a 429. */
  private recoverTo = 0;
  private blockedUntil = -Infinity;
  /** Time the last waiter was let through; the next one goes 1/rate later. */
  private lastReleaseAt = -Infinity;
  /** 429s to attempts sent before this were caused by the rate before the last cut. */
  private cutAt = -Infinity;
  private inFlight = 0;
  /** Attempts in flight at a first 429 whose rate guess waits for the end of its Retry-After; 0 = none. */
  private guessAfterBlock = 0;
  /** When recent successful attempts were answered, oldest first (answer times: a slow first answer still counts). */
  private readonly successes: number[] = [];
  private readonly waiters: Waiter[] = [];
  private pumping = false;
  private wakePump: AbortController | undefined;
  private readonly tuning: RatePacerTuning;

  constructor(
    private readonly clock: PacerClock,
    tuning: Partial<RatePacerTuning> = {},
  ) {
    this.tuning = { ...DEFAULT_PACER_TUNING, ...tuning };
  }

  /** The learned rate in requests/s; undefined until a 429 taught one. */
  get rate(): number | undefined {
    return this.rateRps;
  }

  /** Attempts waiting for their turn. */
  get waiting(): number {
    return this.waiters.length;
  }

  /** Ms until an attempt that asked now would be let through (an estimate for progress events). */
  waitMs(): number {
    const interval = this.rateRps === undefined ? 0 : 1000 / this.rateRps;
    const at = Math.max(this.blockedUntil, this.lastReleaseAt + interval * (this.waiters.length + 1));
    return Math.max(0, Math.round(at - this.clock.now()));
  }

  /** Resolves with the send time once it is this attempt's turn; rejects with the signal's reason on abort. */
  acquire(signal: AbortSignal): Promise<number> {
    if (signal.aborted) return Promise.reject(signal.reason);
    const now = this.clock.now();
    if (this.waiters.length === 0 && this.nextReleaseAt() <= now) {
      this.lastReleaseAt = now;
      this.inFlight += 1;
      return Promise.resolve(now);
    }
    return new Promise<number>((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        signal,
        onAbort: () => {
          const i = this.waiters.indexOf(waiter);
          if (i >= 0) this.waiters.splice(i, 1);
          reject(signal.reason);
          this.pump(); // a release loop sleeping for nobody must not keep the process alive
        },
      };
      signal.addEventListener('abort', waiter.onAbort, { once: true });
      this.waiters.push(waiter);
      this.pump();
    });
  }

  /** The attempt let through by `acquire` got an answer. */
  onSuccess(): void {
    this.inFlight = Math.max(0, this.inFlight - 1);
    const now = this.clock.now();
    this.successes.push(now);
    this.trim(now);
    // Only while the rate binds: growing it while demand is below it would forget what was learned.
    if (this.rateRps !== undefined && this.waiters.length > 0) {
      this.rateRps += this.slowStart
        ? this.tuning.slowStartPerSuccess
        : Math.max(
            this.tuning.increasePerSuccess * (1 + (now - this.cutAt) / this.tuning.probeMs) ** 2,
            // Successes come `rate` times a second: this closes `recoverPerSecond` of the gap per second.
            ((this.recoverTo - this.rateRps) * this.tuning.recoverPerSecond) / this.rateRps,
          );
      this.pump();
    }
  }

  /** The attempt failed for another reason than a rate limit (it still leaves flight). */
  onOtherFailure(): void {
    this.inFlight = Math.max(0, this.inFlight - 1);
  }

  /**
   * The attempt failed with a Retry-After that is not a rate limit (503 overloaded): nothing is sent to the provider
   * until then, but the rate learned from 429s stays as it is.
   */
  onHeldOff(retryAfterMs: number): void {
    this.inFlight = Math.max(0, this.inFlight - 1);
    this.blockedUntil = Math.max(this.blockedUntil, this.clock.now() + retryAfterMs);
    this.pump();
  }

  /** The attempt sent at `sentAt` was answered 429, with the server's Retry-After when it gave one. */
  onRateLimited(sentAt: number, retryAfterMs: number | undefined): void {
    const inFlight = this.inFlight;
    this.inFlight = Math.max(0, this.inFlight - 1);
    const now = this.clock.now();
    if (retryAfterMs !== undefined) this.blockedUntil = Math.max(this.blockedUntil, now + retryAfterMs);
    if (sentAt > this.cutAt) {
      this.trim(now);
      const measured = (this.successes.length * 1000) / this.tuning.windowMs;
      if (this.rateRps === undefined) {
        // First 429: what got through in the last second is the best guess; with nothing through, and
        // several attempts at once, half of them per second. One attempt alone says nothing about a rate.
        // A 429 comes back at once, a model answer after its latency: with nothing answered yet and a
        // Retry-After to wait anyway, the guess is made when the wait is over and the answers are in.
        if (measured === 0 && inFlight > 1 && this.blockedUntil > now) {
          this.guessAfterBlock = inFlight;
          this.cutAt = now;
        } else this.guessRate(measured, inFlight);
      } else if (this.slowStart && this.slowStartCuts < 1) {
        // The first 429 of slow start often comes from the bucket the first burst emptied, not from
        // the rate: cut, but keep looking for the limit until a second one.
        this.slowStartCuts += 1;
        this.rateRps = Math.max(this.tuning.minRate, this.rateRps * this.tuning.decrease);
      } else {
        // What got through is the limit when the rate was above it (during slow start the last second
        // was not all saturated, so the rate itself is the better guess); one cut at most halves, as a
        // measurement over a second that was not all saturated can be far too low.
        const base = this.slowStart ? this.rateRps : Math.max(Math.min(this.rateRps, measured), this.rateRps / 2);
        this.recoverTo = this.rateRps * this.tuning.decrease ** 2;
        this.rateRps = Math.max(this.tuning.minRate, base * this.tuning.decrease);
        this.slowStart = false;
      }
      if (this.rateRps !== undefined) this.cutAt = now;
    }
    this.pump();
  }

  private guessRate(measured: number, inFlight: number): void {
    this.guessAfterBlock = 0;
    if (measured > 0) this.rateRps = Math.max(this.tuning.minRate, measured * this.tuning.decrease);
    else if (inFlight > 1) this.rateRps = Math.max(this.tuning.minRate, inFlight / 2);
  }

  private trim(now: number): void {
    const from = now - this.tuning.windowMs;
    let drop = 0;
    while (drop < this.successes.length && this.successes[drop]! < from) drop += 1;
    if (drop > 0) this.successes.splice(0, drop);
  }

  private nextReleaseAt(): number {
    const interval = this.rateRps === undefined ? 0 : 1000 / this.rateRps;
    return Math.max(this.blockedUntil, this.lastReleaseAt + interval);
  }

  /** Starts the release loop, or makes a sleeping one recompute (the rate or the block changed). */
  private pump(): void {
    if (this.pumping) {
      this.wakePump?.abort();
      return;
    }
    if (this.waiters.length === 0) return;
    this.pumping = true;
    void this.release().finally(() => {
      this.pumping = false;
      if (this.waiters.length > 0) this.pump();
    });
  }

  private async release(): Promise<void> {
    while (this.waiters.length > 0) {
      const now = this.clock.now();
      const at = this.nextReleaseAt();
      if (at > now) {
        const wake = new AbortController();
        this.wakePump = wake;
        try {
          await this.clock.sleep(at - now, wake.signal);
        } catch {
          continue; // woken: the rate or the block changed, recompute
        } finally {
          this.wakePump = undefined;
        }
      }
      const waiter = this.waiters.shift();
      if (!waiter) return;
      if (this.guessAfterBlock > 0 && this.rateRps === undefined) {
        const t = this.clock.now();
        this.trim(t);
        this.guessRate((this.successes.length * 1000) / this.tuning.windowMs, this.guessAfterBlock);
      }
      // Counted from the planned time, not the (later) timer: late timers must not lower the rate.
      this.lastReleaseAt = Math.max(at, now);
      waiter.signal.removeEventListener('abort', waiter.onAbort);
      this.inFlight += 1;
      waiter.resolve(this.lastReleaseAt);
    }
  }
}
