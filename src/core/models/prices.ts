// Prices per model: the bundled @pydantic/genai-prices table (its remote refresh is never enabled) with
// overrides from settings/config.json. An unknown price is null, never 0.
import { z } from 'zod';
import type { calcPrice } from '@pydantic/genai-prices';
import type * as GenaiPricesModule from '@pydantic/genai-prices';
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
  // Models the table does not have, as `provider/model`: a lookup that found nothing finds nothing again, and each
  // one walks the provider's whole model list (a simulator's or a custom endpoint's model, on every call).
  const unknown = new Set<string>();
  return {
    ready() {
      // require, not import(): in the CommonJS bundle import() goes through Node's ESM loader, which parses the
      // 0.5 MB table a second time to find its exports (about 0.2 s of every CLI run).
      loading ??= Promise.resolve().then(() => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy: the table loads on first use
        calc = (require('@pydantic/genai-prices') as typeof GenaiPricesModule).calcPrice;
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
      const lookup = `${priceProviderId}/${model}`;
      if (unknown.has(lookup)) return null;
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
        if (!result) unknown.add(lookup);
        return result ? result.total_price : null;
      } catch {
        unknown.add(lookup);
        return null;
      }
    },
  };
}

/** Usage for asking whether a price is known at all (any non-zero usage would do). */
const PROBE_USAGE: Usage = { inputTokens: 1000, outputTokens: 1000, cachedInputTokens: 0 };

/**
 * The models among `models` whose price the book does not know (call after ready()). `priceProviderOf` is
 * the provider's genai-prices id: `openai`/`anthropic`, or an endpoint's `pricesFrom`.
 */
export function unknownPriceModels(
  book: PriceBook,
  models: readonly string[],
  priceProviderOf: (model: string) => string | undefined,
): string[] {
  return [...new Set(models)].filter((m) => book.cost(m, priceProviderOf(m), PROBE_USAGE) === null);
}

/**
 * The genai-prices provider of a model, as the gateway prices it: an endpoint's `pricesFrom`, else openai and
 * anthropic for their own models, else none (unknown).
 */
export function priceProviderFor(
  endpoints: readonly { name: string; pricesFrom?: string | undefined }[],
): (model: string) => string | undefined {
  return (m) => {
    const provider = m.slice(0, Math.max(0, m.indexOf('/')));
    const endpoint = endpoints.find((e) => e.name === provider);
    if (endpoint) return endpoint.pricesFrom;
    return provider === 'openai' || provider === 'anthropic' ? provider : undefined;
  };
}
