// A per-run spending cap for the editor. The editor shares one gateway (built without a budget) between all
// features, so a run's `budgetUsd` is enforced by this wrapper around it instead (the CLI builds its gateway
// with the budget). A call is refused before it starts when spent + calls in flight + its estimate would
// exceed the cap. The estimate is the dearest priced call this run has made to the same model (the shared
// gateway's price table is not reachable from here): a model's first call, and every call of a model
// without a price, count as 0, so a model with an unknown price never counts towards the cap.
import { BudgetTracker } from '../../core/models/budget';
import { type CallOptions, type ModelGateway, ModelError, type ModelRequest, type ModelResult } from '../../core/models/types';

export function withRunBudget(gateway: ModelGateway, budgetUsd: number): ModelGateway {
  const tracker = new BudgetTracker({ usd: budgetUsd });
  const dearest = new Map<string, number>();
  return {
    async call(request: ModelRequest, options?: CallOptions): Promise<ModelResult> {
      const slot = tracker.tryStart(dearest.get(request.model) ?? null);
      if (!slot.ok) throw new ModelError('budget', slot.reason);
      let actual: number | null = null;
      try {
        const result = await gateway.call(request, options);
        actual = result.cached ? 0 : result.costUsd;
        if (actual !== null) dearest.set(request.model, Math.max(actual, dearest.get(request.model) ?? 0));
        return result;
      } finally {
        slot.release(actual);
      }
    },
    onEvent: (listener) => gateway.onEvent(listener),
    stats: () => gateway.stats(),
    measuredLatencyMs: (model) => gateway.measuredLatencyMs(model),
  };
}
