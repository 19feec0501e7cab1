// The one error a caller of a PostgreSQL store acts on beyond the SQLite ones: the database could not be reached
// (down, restarting, network). A worker backs off and retries on it; everything else is a real failure. The
// message names the store by its masked URL only.

/** The database could not be reached for one call; the pool reconnects on the next one. */
export class StoreConnectionError extends Error {
  constructor(
    /** The masked URL. */
    readonly location: string,
    /** The store method that failed, e.g. dequeue. */
    readonly operation: string,
    why: string,
    /** The driver's or server's code (ECONNREFUSED, 57P01 …) when there is one. */
    readonly code: string | undefined,
  ) {
    super(`cannot reach the prompt-optimization store ${location} (${operation}): ${why}`);
    this.name = 'StoreConnectionError';
  }
}

/** True for a StoreConnectionError (also across module copies, by name). */
export function isStoreConnectionError(e: unknown): e is StoreConnectionError {
  return e instanceof StoreConnectionError || (e instanceof Error && e.name === 'StoreConnectionError');
}

const NET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'ECONNABORTED',
]);
// admin_shutdown, crash_shutdown, cannot_connect_now, too_many_connections, idle_session_timeout
const SERVER_CODES = new Set(['57P01', '57P02', '57P03', '53300', '57P05']);
const DRIVER_MESSAGES =
  /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|Connection ended|read ECONNRESET|socket hang up|server closed the connection unexpectedly|terminating connection|the database system is (starting up|shutting down|in recovery mode)|Client was closed and is not queryable/i;

/** A raw driver or server error that means the connection, not the statement, failed. */
export function isConnectionFailure(e: unknown): boolean {
  if (!(e instanceof Error)) return false;
  const code = (e as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (code.startsWith('08') || SERVER_CODES.has(code) || NET_CODES.has(code)) return true;
  }
  if (DRIVER_MESSAGES.test(e.message)) return true;
  // A connect to several addresses (localhost: ::1 and 127.0.0.1) fails as one AggregateError.
  const inner = (e as { errors?: unknown }).errors;
  return Array.isArray(inner) && inner.length > 0 && isConnectionFailure(inner[0]);
}

/** A transaction PostgreSQL aborted only because of another one (deadlock, serialization): safe to run again. */
export function isRetryableConflict(e: unknown): boolean {
  const code = e instanceof Error ? (e as { code?: unknown }).code : undefined;
  return code === '40P01' || code === '40001';
}
