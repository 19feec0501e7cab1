// When the store's database is out of reach (a PostgreSQL restart, a network drop, a server refusing new
// connections), a worker or a trainer waits and tries again instead of dying: which errors mean "unreachable,
// try later" as opposed to "this call is wrong", and a jittered, capped backoff that a stop cuts short.

/** Node socket errors and PostgreSQL SQLSTATEs of a connection that is gone or not possible yet. */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
  'ENOTFOUND',
  // admin_shutdown, crash_shutdown, cannot_connect_now (starting up / shutting down), too_many_connections,
  // idle_session_timeout
  '57P01',
  '57P02',
  '57P03',
  '53300',
  '57P05',
]);

/** node-postgres' own messages for a connection that ended or could not be made (they carry no code); 'socket hang up' and 'Connection ended' as pgErrors.ts has them. */
const UNAVAILABLE_MESSAGE =
  /connection terminated|terminating connection|client has encountered a connection error|timeout exceeded when trying to connect|connection timeout|the database system is (starting up|shutting down|in recovery mode)|cannot use a pool after calling end|client was closed and is not queryable|server closed the connection unexpectedly|connection ended|socket hang up/i;

/**
 * True when the error (or any error in its cause chain) says the database cannot be reached right now: retrying
 * later may succeed. SQLSTATE class 08 (connection exception) counts too. Anything else is a real failure.
 */
export function isStoreUnavailable(e: unknown): boolean {
  const seen = new Set<unknown>();
  let cur: unknown = e;
  while (cur !== null && typeof cur === 'object' && !seen.has(cur)) {
    seen.add(cur);
    const err = cur as { code?: unknown; message?: unknown; name?: unknown; cause?: unknown; errors?: unknown };
    // The PostgreSQL store's own wrapper (store/pg/pgErrors.ts), matched by name so this module needs no pg code.
    if (err.name === 'StoreConnectionError') return true;
    if (typeof err.code === 'string' && (UNAVAILABLE_CODES.has(err.code) || /^08[0-9A-Z]{3}$/.test(err.code)))
      return true;
    if (typeof err.message === 'string' && UNAVAILABLE_MESSAGE.test(err.message)) return true;
    // AggregateError (a connect to several addresses): unavailable when its first error is.
    if (Array.isArray(err.errors) && err.errors.length > 0 && isStoreUnavailable(err.errors[0])) return true;
    cur = err.cause;
  }
  return false;
}

export interface BackoffOptions {
  /** First delay (ms); default 100. */
  baseMs?: number;
  /** Longest delay (ms); default 3000: a database back after a restart is found within a few seconds. */
  maxMs?: number;
  /** 0..1 (default Math.random): the jitter, so many workers do not reconnect in lockstep. */
  random?: () => number;
}

/** The wait before retry `n` (0-based): exponential, capped, with "equal jitter" (half fixed, half random). */
export function backoffDelay(n: number, opts: BackoffOptions = {}): number {
  const base = opts.baseMs ?? 100;
  const max = opts.maxMs ?? 3000;
  const ceiling = Math.min(max, base * 2 ** Math.min(n, 30));
  return ceiling / 2 + (opts.random ?? Math.random)() * (ceiling / 2);
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

export interface RetryOptions extends BackoffOptions {
  /** Stops retrying: the last error is thrown (cancel, a second signal). */
  signal?: AbortSignal;
  /** Stops retrying past this time (ms since the epoch by Date.now); the last error is thrown. */
  deadlineMs?: number;
  /** Before each wait: the error and the wait (to log "database unreachable, retrying in …"). */
  onRetry?: (error: unknown, delayMs: number, retry: number) => void;
  /** After a call succeeded that had failed before (to log "database back"). */
  onRecovered?: (retries: number) => void;
}

/**
 * Runs `fn`, and while it throws an unavailable-store error, waits (backoffDelay) and runs it again; any other
 * error is thrown at once. Only for calls that are safe to repeat when an earlier try may have committed.
 */
export async function retryWhileUnavailable<T>(fn: () => Promise<T>, opts: RetryOptions = {}): Promise<T> {
  for (let n = 0; ; n++) {
    try {
      const value = await fn();
      if (n > 0) opts.onRecovered?.(n);
      return value;
    } catch (e) {
      if (!isStoreUnavailable(e) || opts.signal?.aborted) throw e;
      const delay = backoffDelay(n, opts);
      if (opts.deadlineMs !== undefined && Date.now() + delay > opts.deadlineMs) throw e;
      opts.onRetry?.(e, delay, n + 1);
      await sleep(delay, opts.signal);
      if (opts.signal?.aborted) throw e;
    }
  }
}
