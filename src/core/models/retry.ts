// When to retry a failed provider call and how long to wait: Retry-After first, else exponential backoff
// with full jitter, bounded in attempts and in delay.
import { type ProviderError } from './providerTypes';

export interface RetryPolicy {
  /** Attempts in total, first one included, counting failures other than 429s. */
  maxAttempts: number;
  /**
   * 429 answers a call may get before it fails. Separate and larger: under a shared rate limit many calls
   * wait for the same window and an unlucky one can lose many short rounds; that is pacing, not a broken call.
   */
  maxRateLimitedAttempts: number;
  /** Total ms one call may spend waiting on 429s before it fails (the bound that matters in practice). */
  maxRateLimitedWaitMs: number;
  /** First backoff ceiling in ms (attempt 1 waits up to this). */
  baseDelayMs: number;
  /** Backoff ceiling in ms. */
  maxDelayMs: number;
  /** A Retry-After longer than this ends the call instead of waiting (ms). */
  maxRetryAfterMs: number;
  /** Per-attempt time limit in ms, from when it is sent; a hung request counts as a timeout and is retried. */
  attemptTimeoutMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 6,
  maxRateLimitedAttempts: 200,
  maxRateLimitedWaitMs: 300_000,
  baseDelayMs: 500,
  maxDelayMs: 30_000,
  maxRetryAfterMs: 120_000,
  // A minute is long for one model answer; two minutes per try left a hung request silent for too long.
  attemptTimeoutMs: 60_000,
};

/** True for failures that may succeed later: 408/409/429/5xx, timeouts, dropped connections. */
export function isRetryable(error: ProviderError): boolean {
  if (error.failure === 'timeout' || error.failure === 'network') return true;
  if (error.failure !== 'http' || error.status === undefined) return false;
  return error.status === 408 || error.status === 409 || error.status === 429 || error.status >= 500;
}

/** Ms to wait before retry number `retry` (1-based): the server's Retry-After when given, else full jitter. */
export function retryDelayMs(error: ProviderError, retry: number, policy: RetryPolicy, random: () => number): number {
  // Retry-After is a floor; a little jitter on top keeps calls told the same instant from colliding again.
  if (error.retryAfterMs !== undefined)
    return error.retryAfterMs + Math.floor(random() * Math.min(250, error.retryAfterMs / 2));
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
  return Math.floor(random() * ceiling);
}
