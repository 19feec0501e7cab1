// The one way the CLI, the dashboard, the overview and the editor open a prompt-optimization store: a
// `postgres://` / `postgresql://` URL is the PostgreSQL backend, anything else a SQLite file path. Options that
// only one backend has are ignored by the other. Also re-exports what callers of either backend act on.
import type { RolloutStore } from '../types';
import { openPgRolloutStore, type OpenPgRolloutStoreOptions } from './pg/pgRolloutStore';
import { isPostgresUrl, maskUrl } from './pg/pgUrl';
import { openSqliteRolloutStore, type OpenRolloutStoreOptions as SqliteOptions } from './sqliteRolloutStore';

export { isPostgresUrl, maskUrl } from './pg/pgUrl';
export { isStoreConnectionError, StoreConnectionError } from './pg/pgErrors';
export { AttemptLostError, ForeignStoreError, StoreMissingError } from './errors';

/** Options of both backends: create and onNotice for both; clock, lockTimeoutMs, wasmPath, snapshotOnClose for SQLite; the rest for PostgreSQL. */
export type OpenAnyRolloutStoreOptions = SqliteOptions & Omit<OpenPgRolloutStoreOptions, 'create' | 'onNotice'>;

/** Opens the store at `location` (a file path or a PostgreSQL URL); `create: false` → StoreMissingError when there is none. */
export function openRolloutStore(location: string, opts: OpenAnyRolloutStoreOptions = {}): Promise<RolloutStore> {
  if (isPostgresUrl(location)) {
    return openPgRolloutStore(location.trim(), {
      create: opts.create,
      onNotice: opts.onNotice,
      clockOffsetMs: opts.clockOffsetMs,
      poolSize: opts.poolSize,
      connectTimeoutMs: opts.connectTimeoutMs,
    });
  }
  return openSqliteRolloutStore(location, opts);
}

/** How a location is shown: a URL with its password masked, a path as it is. */
export function displayLocation(location: string): string {
  return isPostgresUrl(location) ? maskUrl(location) : location;
}
