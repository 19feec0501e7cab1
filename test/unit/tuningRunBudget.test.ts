// The editor's per-run budget (the panel's "Budget (USD)"): one shared gateway, a cap per run, checked by
// the gateway with its price table before each call.
import assert from 'node:assert/strict';
import { createGateway } from '../../src/core/models/gateway';
import { createPriceBook } from '../../src/core/models/prices';
import { buildProviders } from '../../src/core/models/providerRegistry';
import { createMemoryResponseCache } from '../../src/core/models/responseCache';
import { ModelError, type ModelGateway, type ModelRequest } from '../../src/core/models/types';
import { runBudgetRefusal, withRunBudget } from '../../src/extension/tuning/runBudget';
import { openAiCompletion, startFakeServer, type FakeServer } from './modelsFakeServer';

/** $1 per 1k input tokens: a short call costs about a cent. */
const PRICES = { 'openai/priced': { inputPerMTok: 1000, outputPerMTok: 1 } };

function sharedGateway(server: FakeServer) {
  const providers = buildProviders({
    keys: { keyFor: () => () => 'sk-test', missingKeyHint: () => 'set OPENAI_API_KEY' },
    openaiBaseUrl: server.openaiBaseUrl,
    anthropicBaseUrl: server.anthropicBaseUrl,
  });
  return createGateway({ providers, prices: createPriceBook(PRICES), cache: createMemoryResponseCache() });
}

const req = (model: string, n: number): ModelRequest => ({
  model,
  system: `case ${n}`,
  messages: [{ role: 'user', content: 'hi' }],
  maxTokens: 16,
});

async function callsBeforeRefusal(
  gateway: ModelGateway,
  model: string,
  max: number,
): Promise<{ made: number; error: unknown }> {
  for (let i = 0; i < max; i++) {
    try {
      await gateway.call(req(model, i));
    } catch (error) {
      return { made: i, error };
    }
  }
  return { made: max, error: undefined };
}

describe('per-run budget in the editor (withRunBudget over the shared gateway)', () => {
  let server: FakeServer;
  beforeEach(async () => {
    server = await startFakeServer();
    // Usage the size of the request, as a real provider reports it (the estimate is an upper bound of that).
    server.fallback = { body: openAiCompletion({ promptTokens: 12, completionTokens: 2 }) };
  });
  afterEach(async () => {
    await server.close();
  });

  it('refuses a call before it reaches the provider once it could exceed the run’s cap, with a budget error', async () => {
    const shared = sharedGateway(server);
    const run = withRunBudget(shared, 0.05);
    const r = await callsBeforeRefusal(run, 'openai/priced', 50);
    assert.ok(r.made >= 1 && r.made < 50, `stopped after ${r.made} calls`);
    assert.ok(
      r.error instanceof ModelError && r.error.kind === 'budget',
      `a budget ModelError, got ${String(r.error)}`,
    );
    assert.match(r.error.message, /budget reached/);
    assert.equal(server.requests.length, r.made, 'the refused call never reached the provider');
    assert.ok(shared.stats().costUsd <= 0.05, `spent ${shared.stats().costUsd}`);
  });

  it('does not count models with an unknown price, and cache hits are free', async () => {
    const run = withRunBudget(sharedGateway(server), 0.0001);
    const unpriced = await callsBeforeRefusal(run, 'openai/unknown-model', 5);
    assert.equal(unpriced.made, 5);
    const cached = await callsBeforeRefusal(run, 'openai/unknown-model', 5);
    assert.equal(cached.made, 5);
    assert.equal(server.requests.length, 5, 'the second round came from the cache');
  });

  it('gives each run its own budget on the shared gateway, and leaves calls without a run unlimited', async () => {
    const shared = sharedGateway(server);
    const first = await callsBeforeRefusal(withRunBudget(shared, 0.05), 'openai/priced', 50);
    const second = await callsBeforeRefusal(withRunBudget(shared, 0.05), 'openai/priced', 50);
    assert.ok(first.made >= 1 && second.made >= 1, 'a new run starts with a fresh budget');
    const unlimited = await callsBeforeRefusal(shared, 'openai/priced', 10);
    assert.equal(unlimited.made, 10);
  });
});

describe('per-run budget in the editor: models without a price', () => {
  it('refuses the budget before the run when a model has no known price, naming it', async () => {
    const refusal = await runBudgetRefusal(['openai/priced', 'openai/unknown-model', 'ollama/llama3'], {
      prices: PRICES,
      endpoints: [],
    });
    assert.match(refusal ?? '', /^no price known for openai\/unknown-model, ollama\/llama3: add them to prices/);
  });

  it('accepts it when every model is priced: overrides, the bundled table, or an endpoint priced from a provider', async () => {
    assert.equal(
      await runBudgetRefusal(['openai/priced', 'openai/gpt-4o-mini', 'proxy/gpt-4o'], {
        prices: PRICES,
        endpoints: [{ name: 'proxy', pricesFrom: 'openai' }],
      }),
      null,
    );
  });
});
