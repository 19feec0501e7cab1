// When to retry a failed provider call and how long to wait: Retry-After first, else exponential backoff
// with full jitter, bounded in attempts and in delay.
import { ProviderError } from './providerTypes';

export interface RetryPolicy {
  /** Attempts in total, first one included. */
  maxAttempts: number;
  /** First backoff ceiling in ms (attempt 1 waits up to this). */
  baseDelayMs: number;
  /** Backoff ceiling in ms. */
  maxDelayMs: number;
  /** A Retry-After longer than this ends the call instead of waiting (ms). */
  maxRetryAfterMs: number;
  /** Per-attempt time limit in ms; a hung request counts as a timeout and is retried. */
  attemptTimeoutMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 6,
  baseDelayMs: 500,
  maxDelayMs: 30_000,
  maxRetryAfterMs: 120_000,
  attemptTimeoutMs: 120_000,
};

/** True for failures that may succeed later: 408/409/429/5xx, timeouts, dropped connections. */
export function isRetryable(error: ProviderError): boolean {
  if (error.failure === 'timeout' || error.failure === 'network') return true;
  if (error.failure !== 'http' || error.status === undefined) return false;
  return error.status === 408 || error.status === 409 || error.status === 429 || error.status >= 500;
}

/** Ms to wait before retry number `retry` (1-based): the server's Retry-After when given, else full jitter. */
export function retryDelayMs(error: ProviderError, retry: number, policy: RetryPolicy, random: () => number): number {
  if (error.retryAfterMs !== undefined) return error.retryAfterMs;
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
  return Math.floor(random() * ceiling);
}
