// A per-run spending cap for the editor. The editor shares one gateway (built without a budget) between all
// features, so a run's `budgetUsd` travels with each of its calls (CallOptions.budget) and the gateway
// checks it with its price table, as it checks its own budget: a call is refused before it starts when
// spent + calls in flight + its estimate would exceed the cap. A model with an unknown price could not count,
// so a run with one is refused before it starts (runBudgetRefusal) instead of running with a cap that never binds.
import { BudgetTracker, unknownPriceRefusal } from '../../core/models/budget';
import { createPriceBook, priceProviderFor, unknownPriceModels, type PriceOverrides } from '../../core/models/prices';
import type { CallOptions, ModelGateway, ModelRequest, ModelResult } from '../../core/models/types';

export function withRunBudget(gateway: ModelGateway, budgetUsd: number): ModelGateway {
  const tracker = new BudgetTracker({ usd: budgetUsd });
  return {
    call: (request: ModelRequest, options?: CallOptions): Promise<ModelResult> =>
      gateway.call(request, { ...options, budget: tracker }),
    onEvent: (listener) => gateway.onEvent(listener),
    stats: () => gateway.stats(),
    measuredLatencyMs: (model) => gateway.measuredLatencyMs(model),
  };
}

/**
 * Why a run's budget cannot be accepted (some model of the run has no known price, with the promptTuner.prices
 * overrides and the endpoints' pricesFrom), or null when every model is priced.
 */
export async function runBudgetRefusal(
  models: readonly string[],
  settings: { prices: PriceOverrides; endpoints: readonly { name: string; pricesFrom?: string | undefined }[] },
): Promise<string | null> {
  const book = createPriceBook(settings.prices);
  await book.ready();
  const unknown = unknownPriceModels(book, models, priceProviderFor(settings.endpoints));
  if (unknown.length === 0) return null;
  return `${unknownPriceRefusal(unknown, 'remove the budget')} (prices: the promptTuner.prices setting, USD per million tokens)`;
}
