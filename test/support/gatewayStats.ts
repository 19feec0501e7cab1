// The stats of a test gateway that counts nothing: what stub gateways answer to stats().
import type { GatewayStats } from '../../src/core/models/types';

export function noGatewayStats(): GatewayStats {
  return {
    calls: 0,
    cacheHits: 0,
    retries: 0,
    usage: { inputTokens: 0, outputTokens: 0, cachedInputTokens: 0 },
    costUsd: 0,
    costIncomplete: false,
  };
}
