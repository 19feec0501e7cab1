// A per-run spending cap for the editor. The editor shares one gateway (built without a budget) between all
// features, so a run's `budgetUsd` travels with each of its calls (CallOptions.budget) and the gateway
// checks it with its price table, as it checks its own budget: a call is refused before it starts when
// spent + calls in flight + its estimate would exceed the cap. Models with an unknown price cannot count.
import { BudgetTracker } from '../../core/models/budget';
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
