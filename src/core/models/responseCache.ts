// The content-addressed response cache and per-model latency, both in the workspace store (migration 2).
// Typed against the Store's write/get surface only, so unit tests can pass any store with that shape.
import type { ModelResult } from './types';

type SqlValue = string | number | null | Uint8Array;

/** The part of the Store this module uses (see src/core/store/store.ts). */
export interface ModelStore {
  write<T>(fn: (tx: { run(sql: string, params?: SqlValue[]): unknown }) => T): T;
  get<R>(sql: string, params?: SqlValue[]): R | undefined;
  all<R>(sql: string, params?: SqlValue[]): R[];
  /** Group commit (Store.writeSoon); without it each put is written at once. */
  writeSoon?(fn: (tx: { run(sql: string, params?: SqlValue[]): unknown }) => void): void;
  /** Commits what writeSoon queued (Store.flush). */
  flush?(): void;
}

/** Migration 2: model response cache and measured latency. Added to MIGRATIONS by one line. */
export const MODEL_CACHE_MIGRATION = {
  version: 2,
  name: 'model cache and latency',
  up(tx: { run(sql: string, params?: SqlValue[]): unknown }): void {
    // key: sha256 of provider, model and the canonical request; result_json: the ModelResult without
    // cost/cached (recomputed on a hit); created_at: ISO time of the provider call.
    tx.run(`CREATE TABLE IF NOT EXISTS model_cache (
      key TEXT PRIMARY KEY,
      model TEXT NOT NULL,
      result_json TEXT NOT NULL,
      created_at TEXT NOT NULL
    )`);
    // Running mean per model id: calls measured and their summed wall time in ms.
    tx.run(`CREATE TABLE IF NOT EXISTS model_latency (
      model TEXT PRIMARY KEY,
      calls INTEGER NOT NULL,
      total_ms REAL NOT NULL,
      updated_at TEXT NOT NULL
    )`);
  },
};

/** What the cache keeps of a result: provider output only (cost is recomputed with current prices). */
export type CachedResult = Pick<ModelResult, 'model' | 'text' | 'toolCalls' | 'usage' | 'latencyMs'>;

/** A hit: the stored result and when the provider call that made it happened (ISO time). */
export type CacheHit = CachedResult & { createdAt: string };

/** What `prompt-tuner cache stats` and the editor's Show Response Cache report. */
export interface CacheStats {
  entries: number;
  /** Entries per model id, most first. */
  byModel: { model: string; entries: number }[];
  /** ISO times of the oldest and newest entry; undefined when the cache is empty. */
  oldest?: string;
  newest?: string;
  /** Bytes of stored results (the JSON text). */
  bytes: number;
}

export interface ResponseCache {
  get(key: string): CacheHit | undefined;
  /** Stores a successful result (key null: latency only) and counts its latency; committed in a group. */
  put(key: string | null, result: CachedResult, now: Date): void;
  /** Mean latency in ms measured for a model. */
  meanLatencyMs(model: string): number | undefined;
  stats(): CacheStats;
  /** Removes entries (created before `olderThan` when given); returns how many. Latency is kept. */
  clear(options?: { olderThan?: Date }): number;
  /** Commits what put() queued; close() of the store does this too. */
  flush(): void;
}

function isCachedResult(value: unknown): value is CachedResult {
  const v = value as Partial<CachedResult> | null | undefined;
  return (
    !!v &&
    typeof v.model === 'string' &&
    typeof v.text === 'string' &&
    Array.isArray(v.toolCalls) &&
    !!v.usage &&
    typeof v.usage.inputTokens === 'number'
  );
}

function parseEntry(resultJson: string, createdAt: string): CacheHit | undefined {
  try {
    const parsed: unknown = JSON.parse(resultJson);
    return isCachedResult(parsed) ? { ...parsed, createdAt } : undefined;
  } catch {
    return undefined; // an unreadable entry is a miss; the next success overwrites it
  }
}

interface PendingEntry {
  model: string;
  json: string;
  at: string;
}

/**
 * Cache and latency over the store. Puts are kept here and written by the store's next group commit
 * (writeSoon), so a model call never waits for an fdatasync; get() and meanLatencyMs() see them meanwhile.
 */
export function createStoreResponseCache(store: ModelStore): ResponseCache {
  const entries = new Map<string, PendingEntry>();
  const latency = new Map<string, { calls: number; totalMs: number; at: string }>();
  let queued = false;

  const writePending = (tx: { run(sql: string, params?: SqlValue[]): unknown }) => {
    queued = false;
    for (const [key, e] of entries) {
      tx.run('INSERT OR REPLACE INTO model_cache (key, model, result_json, created_at) VALUES (?, ?, ?, ?)', [
        key,
        e.model,
        e.json,
        e.at,
      ]);
    }
    for (const [model, l] of latency) {
      tx.run(
        `INSERT INTO model_latency (model, calls, total_ms, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT(model) DO UPDATE SET calls = calls + excluded.calls, total_ms = total_ms + excluded.total_ms, updated_at = excluded.updated_at`,
        [model, l.calls, l.totalMs, l.at],
      );
    }
    // Cleared as they are written: the store is synchronous, so nothing reads between here and the commit.
    entries.clear();
    latency.clear();
  };
  // The store's flush commits every cache's queued writes over it (another gateway's too), not only ours.
  const flush = () => {
    if (store.flush) store.flush();
    else if (queued) store.write(writePending);
  };

  return {
    get(key) {
      const pending = entries.get(key);
      if (pending) return parseEntry(pending.json, pending.at);
      const row = store.get<{ result_json: string; created_at: string }>(
        'SELECT result_json, created_at FROM model_cache WHERE key = ?',
        [key],
      );
      return row ? parseEntry(row.result_json, row.created_at) : undefined;
    },
    put(key, result, now) {
      const at = now.toISOString();
      if (key !== null) entries.set(key, { model: result.model, json: JSON.stringify(result), at });
      const l = latency.get(result.model) ?? { calls: 0, totalMs: 0, at };
      latency.set(result.model, { calls: l.calls + 1, totalMs: l.totalMs + result.latencyMs, at });
      if (queued) return;
      queued = true;
      if (store.writeSoon) store.writeSoon(writePending);
      else store.write(writePending);
    },
    meanLatencyMs(model) {
      const row = store.get<{ calls: number; total_ms: number }>(
        'SELECT calls, total_ms FROM model_latency WHERE model = ?',
        [model],
      );
      const l = latency.get(model);
      const calls = (row?.calls ?? 0) + (l?.calls ?? 0);
      return calls > 0 ? ((row?.total_ms ?? 0) + (l?.totalMs ?? 0)) / calls : undefined;
    },
    stats() {
      flush();
      const total = store.get<{ entries: number; bytes: number | null; oldest: string | null; newest: string | null }>(
        'SELECT COUNT(*) AS entries, SUM(LENGTH(result_json)) AS bytes, MIN(created_at) AS oldest, MAX(created_at) AS newest FROM model_cache',
      );
      const byModel = store.all<{ model: string; entries: number }>(
        'SELECT model, COUNT(*) AS entries FROM model_cache GROUP BY model ORDER BY entries DESC, model',
      );
      return {
        entries: total?.entries ?? 0,
        byModel,
        ...(total?.oldest ? { oldest: total.oldest } : {}),
        ...(total?.newest ? { newest: total.newest } : {}),
        bytes: total?.bytes ?? 0,
      };
    },
    clear(options) {
      flush();
      const before = options?.olderThan?.toISOString();
      return store.write((tx) => {
        // created_at is ISO-8601 UTC throughout, so text order is time order.
        const r = tx.run(
          before === undefined ? 'DELETE FROM model_cache' : 'DELETE FROM model_cache WHERE created_at < ?',
          before === undefined ? [] : [before],
        ) as { changes?: number };
        return r.changes ?? 0;
      });
    },
    flush,
  };
}

/** In-memory cache for tests and for runs without a store. */
export function createMemoryResponseCache(): ResponseCache & { size(): number } {
  const entries = new Map<string, { json: string; at: string; model: string }>();
  const latency = new Map<string, { calls: number; total: number }>();
  return {
    get(key) {
      const e = entries.get(key);
      return e === undefined ? undefined : { ...(JSON.parse(e.json) as CachedResult), createdAt: e.at };
    },
    put(key, result, now) {
      if (key !== null) entries.set(key, { json: JSON.stringify(result), at: now.toISOString(), model: result.model });
      const l = latency.get(result.model) ?? { calls: 0, total: 0 };
      latency.set(result.model, { calls: l.calls + 1, total: l.total + result.latencyMs });
    },
    meanLatencyMs(model) {
      const l = latency.get(model);
      return l && l.calls > 0 ? l.total / l.calls : undefined;
    },
    stats() {
      const all = [...entries.values()];
      const counts = new Map<string, number>();
      for (const e of all) counts.set(e.model, (counts.get(e.model) ?? 0) + 1);
      const times = all.map((e) => e.at).sort();
      return {
        entries: all.length,
        byModel: [...counts]
          .map(([model, n]) => ({ model, entries: n }))
          .sort((a, b) => b.entries - a.entries || a.model.localeCompare(b.model)),
        ...(times.length > 0 ? { oldest: times[0], newest: times[times.length - 1] } : {}),
        bytes: all.reduce((sum, e) => sum + e.json.length, 0),
      };
    },
    clear(options) {
      const before = options?.olderThan?.toISOString();
      let removed = 0;
      for (const [key, e] of entries) {
        if (before === undefined || e.at < before) {
          entries.delete(key);
          removed += 1;
        }
      }
      return removed;
    },
    flush: () => undefined,
    size: () => entries.size,
  };
}

/** An age as people say it: "40 s", "12 min", "5 h", "3 days". */
export function formatAge(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 90) return `${s} s`;
  const min = Math.round(s / 60);
  if (min < 90) return `${min} min`;
  const h = Math.round(min / 60);
  if (h < 36) return `${h} h`;
  const days = Math.round(h / 24);
  return `${days} day${days === 1 ? '' : 's'}`;
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** The cache's contents in a few lines, for the CLI and the editor. */
export function formatCacheStats(stats: CacheStats, now: Date): string {
  if (stats.entries === 0) return 'The response cache is empty.\n';
  const age = (iso: string | undefined) => (iso ? `${formatAge(now.getTime() - Date.parse(iso))} old` : '?');
  const width = Math.max(...stats.byModel.map((m) => m.model.length));
  return [
    `${stats.entries} cached answer${stats.entries === 1 ? '' : 's'}, ${formatBytes(stats.bytes)}; oldest ${age(stats.oldest)} (${stats.oldest ?? '?'}), newest ${age(stats.newest)} (${stats.newest ?? '?'})`,
    ...stats.byModel.map((m) => `  ${m.model.padEnd(width)}  ${m.entries}`),
    '',
  ].join('\n');
}
