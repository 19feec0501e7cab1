// Faults the simulator injects on demand, and the seeded randomness behind them, so a run with the
// same seed and the same request order draws the same faults.
import { z } from 'zod';
import { SUMMARIZER_FAULTS } from './summarizerBehaviour';

/** Fault settings; every field optional in `configure()` (only the given ones change). */
export const SimFaultsSchema = z
  .object({
    /** Added delay before every answer, in ms. */
    latencyMs: z.number().min(0),
    /** Uniform jitter around `latencyMs`, in ms (delay = latency ± jitter, never below 0). */
    jitterMs: z.number().min(0),
    /** Requests per second allowed before answering 429; 0 = no limit. */
    rateLimitRps: z.number().min(0),
    /** Bucket size of the rate limit (requests that may arrive at once); default = max(1, rateLimitRps). */
    rateLimitBurst: z.number().int().min(1).nullable(),
    /** Share (0–1) of requests answered 500 or 503 (each half of the time). */
    errorRate: z.number().min(0).max(1),
    /** Share (0–1) of requests never answered until the client aborts. */
    hangRate: z.number().min(0).max(1),
    /** Share (0–1) of requests whose connection is dropped without an answer. */
    dropRate: z.number().min(0).max(1),
    /** Share (0–1) of tool-calling answers whose `arguments` string is not valid JSON (OpenAI wire only). */
    malformedToolJsonRate: z.number().min(0).max(1),
    /** Share (0–1) of judge replies written as free text instead of JSON (drawn from request + seed, not the PRNG). */
    judgeBadJsonRate: z.number().min(0).max(1),
    /** How the summarizer misbehaves: none, free-text-once, long-rationale-once, missing-field-once, always-bad. */
    summarizerFault: z.enum(SUMMARIZER_FAULTS),
    /** Seed of the PRNG that draws jitter and fault shares; `reset()` restarts it. */
    seed: z.number().int(),
  })
  .strict();

export type SimFaults = z.infer<typeof SimFaultsSchema>;
export const SimFaultsPatchSchema = SimFaultsSchema.partial();
export type SimFaultsPatch = z.infer<typeof SimFaultsPatchSchema>;

export const DEFAULT_FAULTS: SimFaults = {
  latencyMs: 0,
  jitterMs: 0,
  rateLimitRps: 0,
  rateLimitBurst: null,
  errorRate: 0,
  hangRate: 0,
  dropRate: 0,
  malformedToolJsonRate: 0,
  judgeBadJsonRate: 0,
  summarizerFault: 'none',
  seed: 1,
};

/** mulberry32: tiny, fast, good enough for repeatable fault draws. */
export class Prng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** True with probability `p` (always draws, so the sequence does not depend on p being 0). */
  chance(p: number): boolean {
    return this.next() < p;
  }
}

/** Token bucket: `rps` tokens per second, at most `burst` stored. */
export class RateLimiter {
  private tokens: number;
  private last: number;
  constructor(
    private readonly rps: number,
    private readonly burst: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = burst;
    this.last = this.now();
  }
  /** Takes a token: 0 when allowed, else the ms until one is available. */
  take(): number {
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) * this.rps) / 1000);
    this.last = t;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil(((1 - this.tokens) * 1000) / this.rps));
  }
}

/** What happens to one request, drawn in arrival order. */
export interface FaultDraw {
  /** Delay before answering, in ms. */
  delayMs: number;
  /** 500/503 to answer instead of the model, or null. */
  errorStatus: 500 | 503 | null;
  /** Never answer. */
  hang: boolean;
  /** Destroy the connection without answering. */
  drop: boolean;
  /** Corrupt the tool-call arguments of the answer. */
  malformedToolJson: boolean;
}

/** Draws the faults of one request; always the same number of PRNG draws per request. */
export function drawFaults(faults: SimFaults, prng: Prng): FaultDraw {
  const jitter = (prng.next() * 2 - 1) * faults.jitterMs;
  const hang = prng.chance(faults.hangRate);
  const drop = prng.chance(faults.dropRate);
  const error = prng.chance(faults.errorRate);
  const which = prng.next();
  const malformed = prng.chance(faults.malformedToolJsonRate);
  return {
    delayMs: Math.max(0, Math.round(faults.latencyMs + jitter)),
    errorStatus: error ? (which < 0.5 ? 500 : 503) : null,
    hang,
    drop,
    malformedToolJson: malformed,
  };
}
