// The content-addressed response cache and per-model latency, both in the workspace store (migration 2).
// Typed against the Store's write/get surface only, so unit tests can pass any store with that shape.
import type { ModelResult } from './types';

type SqlValue = string | number | null | Uint8Array;

/** The part of the Store this module uses (see src/core/store/store.ts). */
export interface ModelStore {
  write<T>(fn: (tx: { run(sql: string, params?: SqlValue[]): unknown }) => T): T;
  get<R>(sql: string, params?: SqlValue[]): R | undefined;
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

export interface ResponseCache {
  get(key: string): CachedResult | undefined;
  /** Stores a successful result and counts its latency in one transaction. */
  put(key: string | null, result: CachedResult, now: Date): void;
  /** Mean latency in ms measured for a model. */
  meanLatencyMs(model: string): number | undefined;
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

/** Cache and latency over the store. */
export function createStoreResponseCache(store: ModelStore): ResponseCache {
  return {
    get(key) {
      const row = store.get<{ result_json: string }>('SELECT result_json FROM model_cache WHERE key = ?', [key]);
      if (!row) return undefined;
      try {
        const parsed: unknown = JSON.parse(row.result_json);
        return isCachedResult(parsed) ? parsed : undefined;
      } catch {
        return undefined; // an unreadable entry is a miss; the next success overwrites it
      }
    },
    put(key, result, now) {
      const at = now.toISOString();
      store.write((tx) => {
        if (key !== null) {
          tx.run('INSERT OR REPLACE INTO model_cache (key, model, result_json, created_at) VALUES (?, ?, ?, ?)', [
            key,
            result.model,
            JSON.stringify(result),
            at,
          ]);
        }
        tx.run(
          `INSERT INTO model_latency (model, calls, total_ms, updated_at) VALUES (?, 1, ?, ?)
           ON CONFLICT(model) DO UPDATE SET calls = calls + 1, total_ms = total_ms + excluded.total_ms, updated_at = excluded.updated_at`,
          [result.model, result.latencyMs, at],
        );
      });
    },
    meanLatencyMs(model) {
      const row = store.get<{ calls: number; total_ms: number }>(
        'SELECT calls, total_ms FROM model_latency WHERE model = ?',
        [model],
      );
      return row && row.calls > 0 ? row.total_ms / row.calls : undefined;
    },
  };
}

/** In-memory cache for tests and for runs without a store. */
export function createMemoryResponseCache(): ResponseCache & { size(): number } {
  const entries = new Map<string, string>();
  const latency = new Map<string, { calls: number; total: number }>();
  return {
    get(key) {
      const text = entries.get(key);
      return text === undefined ? undefined : (JSON.parse(text) as CachedResult);
    },
    put(key, result) {
      if (key !== null) entries.set(key, JSON.stringify(result));
      const l = latency.get(result.model) ?? { calls: 0, total: 0 };
      latency.set(result.model, { calls: l.calls + 1, total: l.total + result.latencyMs });
    },
    meanLatencyMs(model) {
      const l = latency.get(model);
      return l && l.calls > 0 ? l.total / l.calls : undefined;
    },
    size: () => entries.size,
  };
}
