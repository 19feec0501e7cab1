// Prices per model: the bundled @pydantic/genai-prices table (its remote refresh is never enabled) with
// overrides from settings/config.json. An unknown price is null, never 0.
import { z } from 'zod';
import type { calcPrice } from '@pydantic/genai-prices';
import type { Usage } from './types';

/** A price override in USD per million tokens. */
export const PriceOverrideSchema = z
  .object({
    /** USD per million input tokens (uncached). */
    inputPerMTok: z.number().nonnegative(),
    /** USD per million output tokens. */
    outputPerMTok: z.number().nonnegative(),
    /** USD per million cached input tokens; the input price when absent. */
    cachedInputPerMTok: z.number().nonnegative().optional(),
  })
  .strict();
export type PriceOverride = z.infer<typeof PriceOverrideSchema>;

/** Overrides keyed by full model id `provider/model`. */
export const PriceOverridesSchema = z.record(
  z.string().regex(/^[^/]+\/.+$/, 'must be a model id "provider/model"'),
  PriceOverrideSchema,
);
export type PriceOverrides = z.infer<typeof PriceOverridesSchema>;

// A type-only import: the module itself is still loaded lazily, in ready().
type CalcPrice = typeof calcPrice;

export interface PriceBook {
  /** Loads the bundled table (lazily, once). */
  ready(): Promise<void>;
  /** USD for this usage, or null when the model's price is unknown. Call after ready(). */
  cost(modelId: string, priceProviderId: string | undefined, usage: Usage): number | null;
}

export function createPriceBook(overrides: PriceOverrides = {}): PriceBook {
  let calc: CalcPrice | undefined;
  let loading: Promise<void> | undefined;
  return {
    ready() {
      loading ??= import('@pydantic/genai-prices').then((m) => {
        calc = m.calcPrice;
      });
      return loading;
    },
    cost(modelId, priceProviderId, usage) {
      const override = overrides[modelId];
      if (override) {
        const cachedPrice = override.cachedInputPerMTok ?? override.inputPerMTok;
        const uncached = Math.max(0, usage.inputTokens - usage.cachedInputTokens);
        return (
          (uncached * override.inputPerMTok +
            usage.cachedInputTokens * cachedPrice +
            usage.outputTokens * override.outputPerMTok) /
          1e6
        );
      }
      if (!priceProviderId || !calc) return null;
      const model = modelId.slice(modelId.indexOf('/') + 1);
      try {
        const result = calc(
          {
            input_tokens: usage.inputTokens,
            output_tokens: usage.outputTokens,
            cache_read_tokens: usage.cachedInputTokens,
          },
          model,
          { providerId: priceProviderId },
        );
        return result ? result.total_price : null;
      } catch {
        return null;
      }
    },
  };
}
