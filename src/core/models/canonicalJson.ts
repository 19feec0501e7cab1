// Canonical JSON (sorted keys, no undefined) and the content-addressed cache key built from it.
import { createHash } from 'node:crypto';
import type { ModelRequest } from './types';

/** JSON text that is equal for equal values whatever the key order; undefined members are dropped. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortDeep(value));
}

function sortDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map((v) => (v === undefined ? null : sortDeep(v)));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = sortDeep(v);
    }
    return out;
  }
  return value;
}

/**
 * sha256 of (provider, model, canonical request): equal requests share a key, any change makes a new one.
 * Repeat k > 1 of the same request is a fresh sample with a key of its own; repeat 1 keeps the key it had
 * before repeats were keyed, so existing caches stay valid.
 */
export function cacheKey(provider: string, model: string, request: ModelRequest, repeat = 1): string {
  const { model: _ignored, ...rest } = request;
  return createHash('sha256')
    .update(canonicalJson(repeat === 1 ? [provider, model, rest] : [provider, model, rest, { repeat }]))
    .digest('hex');
}
