// A virtual-time world for the rate pacer: a clock whose sleeps are timers in a queue (nothing really waits),
// and a token-bucket server like test/sim's, so pacing can be measured in milliseconds of test time.
import { setMaxListeners } from 'node:events';
import { Prng, RateLimiter } from '../sim/faults';
import { RatePacer, type PacerClock, type RatePacerTuning } from '../../src/core/models/ratePacer';

interface Timer {
  at: number;
  seq: number;
  fire: () => void;
}

/** Virtual time: `sleep` queues a timer; `run` fires them in time order until none is left. */
export class VirtualClock implements PacerClock {
  private t = 0;
  private seq = 0;
  private readonly timers: Timer[] = [];

  now(): number {
    return this.t;
  }

  sleep(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal.aborted) {
        reject(signal.reason);
        return;
      }
      const timer: Timer = {
        at: this.t + Math.max(0, ms),
        seq: this.seq++,
        fire: () => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = (): void => {
        const i = this.timers.indexOf(timer);
        if (i >= 0) this.timers.splice(i, 1);
        reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.timers.push(timer);
    });
  }

  /** Fires timers in order, letting every promise settle in between, until `done` resolves. */
  async run(done: Promise<unknown>): Promise<void> {
    const state = { finished: false };
    void done.finally(() => (state.finished = true));
    for (;;) {
      await new Promise((r) => setImmediate(r));
      if (state.finished) return;
      this.timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = this.timers.shift();
      if (!next) throw new Error('virtual clock: nothing scheduled but the work is not done');
      this.t = Math.max(this.t, next.at);
      next.fire();
    }
  }
}

export interface PacedRun {
  calls: number;
  ok: number;
  requests: number;
  rateLimited: number;
  wallMs: number;
}

/**
 * `calls` calls through one pacer at `concurrency`, against a token bucket of `rps` and `burst`, each
 * request taking `latencyMs`. A 429 carries the exact Retry-After of the simulator (ms until a token).
 */
export async function pacedRun(opts: {
  rps: number;
  burst: number;
  calls: number;
  concurrency: number;
  latencyMs: number;
  /** Up to this many ms (seeded, uniform) added on the way to the server: a busy client's bunching. */
  jitterMs?: number;
  seed?: number;
  tuning?: Partial<RatePacerTuning>;
}): Promise<PacedRun & { pacer: RatePacer }> {
  const clock = new VirtualClock();
  const pacer = new RatePacer(clock, opts.tuning);
  const bucket = new RateLimiter(opts.rps, opts.burst, () => clock.now());
  const never = new AbortController().signal;
  setMaxListeners(0, never); // every worker's sleeps listen on it
  const prng = new Prng(opts.seed ?? 1);
  let next = 0;
  let ok = 0;
  let requests = 0;
  let rateLimited = 0;
  const worker = async (): Promise<void> => {
    while (next < opts.calls) {
      next += 1;
      for (;;) {
        const sentAt = await pacer.acquire(never);
        requests += 1;
        if (opts.jitterMs) await clock.sleep(prng.next() * opts.jitterMs, never);
        const wait = bucket.take();
        // Like test/sim: a 429 is answered at once, a model answer after the latency.
        await clock.sleep(wait === 0 ? opts.latencyMs : 1, never);
        if (wait === 0) {
          pacer.onSuccess();
          ok += 1;
          break;
        }
        rateLimited += 1;
        pacer.onRateLimited(sentAt, wait);
      }
    }
  };
  const all = Promise.all(Array.from({ length: opts.concurrency }, worker));
  await clock.run(all);
  return { calls: opts.calls, ok, requests, rateLimited, wallMs: clock.now(), pacer };
}
