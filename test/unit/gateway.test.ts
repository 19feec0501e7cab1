import { strict as assert } from 'node:assert';
import { calcPrice } from '@pydantic/genai-prices';
import { cacheKey } from '../../src/core/models/canonicalJson';
import { createGateway, type GatewayClock, type GatewayOptions } from '../../src/core/models/gateway';
import { buildProviders } from '../../src/core/models/providerRegistry';
import { createMemoryResponseCache } from '../../src/core/models/responseCache';
import { createPriceBook } from '../../src/core/models/prices';
import { DEFAULT_RETRY_POLICY } from '../../src/core/models/retry';
import { type GatewayEvent, ModelError, type ModelRequest } from '../../src/core/models/types';
import { openAiCompletion, startFakeServer, type FakeServer } from './modelsFakeServer';
import { sleep, until } from '../support/until';

const KEY = 'sk-test-ZXCVBNM1234567890secret';

/** Real time, but sleeps are recorded and shortened so Retry-After waits can be measured without waiting. */
function recordingClock(): GatewayClock & { sleeps: number[] } {
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => performance.now(),
    random: () => 0.5,
    sleep: (ms, signal) => {
      sleeps.push(ms);
      return signal.aborted ? Promise.reject(signal.reason) : new Promise((r) => setTimeout(r, 1));
    },
  };
}

function gatewayFor(server: FakeServer, extra: Partial<GatewayOptions> = {}, key: string | undefined = KEY) {
  const providers = buildProviders({
    keys: { keyFor: () => () => key, missingKeyHint: (id) => `set ${id.toUpperCase()}_API_KEY` },
    openaiBaseUrl: server.openaiBaseUrl,
    anthropicBaseUrl: server.anthropicBaseUrl,
  });
  return createGateway({
    providers,
    authHint: () => 'check the key with Prompt Tuner: Set API Key',
    retry: { maxAttempts: 4, attemptTimeoutMs: 5000 },
    ...extra,
  });
}

const req = (over: Partial<ModelRequest> = {}): ModelRequest => ({
  model: 'openai/gpt-4o-mini',
  system: 'You are terse.',
  messages: [{ role: 'user', content: 'Hello' }],
  ...over,
});

describe('gateway', () => {
  let server: FakeServer;
  beforeEach(async () => {
    server = await startFakeServer();
  });
  afterEach(async () => {
    await server.close();
  });

  describe('retries', () => {
    it('waits at least the Retry-After seconds before retrying a 429, then succeeds', async () => {
      const clock = recordingClock();
      const gw = gatewayFor(server, { clock });
      const events: GatewayEvent[] = [];
      gw.onEvent((e) => events.push(e));
      server.script.push({ status: 429, headers: { 'retry-after': '2' } });
      const result = await gw.call(req());
      assert.equal(result.text, 'OK');
      assert.equal(server.requests.length, 2);
      assert.equal(clock.sleeps.length, 1);
      // The provider's pacer holds the retry until 2 s after the 429 arrived (a few ms of it already passed).
      assert.ok(clock.sleeps[0]! >= 1950 && clock.sleeps[0]! <= 2000, `waited ${clock.sleeps[0]} ms, header said 2 s`);
      assert.equal(gw.stats().retries, 1);
      const throttle = events.find((e) => e.type === 'throttle' && e.retryInMs !== undefined);
      assert.ok(throttle && throttle.type === 'throttle');
      assert.equal(throttle.status, 429);
      assert.ok(Math.abs(throttle.retryInMs! - clock.sleeps[0]!) < 50, `announced ${throttle.retryInMs} ms`);
    });

    it("a 429's Retry-After holds the provider's other calls too (one pacer, not a sleep per call)", async () => {
      const clock = recordingClock();
      const gw = gatewayFor(server, { clock });
      server.script.push({ status: 429, headers: { 'retry-after': '2' } });
      await gw.call(req({ system: 'first' }));
      assert.equal(clock.sleeps.length, 1);
      // Another call, started right after: its first attempt waits for the rest of the Retry-After.
      await gw.call(req({ system: 'second' }));
      assert.equal(clock.sleeps.length, 2, String(clock.sleeps));
      assert.ok(clock.sleeps[1]! > 1900, `the second call waited ${clock.sleeps[1]} ms`);
      assert.equal(server.requests.length, 3);
    });

    it("a 503's Retry-After holds the provider's other calls too, not only the call it answered", async () => {
      const clock = recordingClock();
      const gw = gatewayFor(server, { clock });
      server.script.push({ status: 503, headers: { 'retry-after': '2' } });
      await gw.call(req({ system: 'first' }));
      assert.equal(clock.sleeps.length, 1);
      // Another call, started right after: the overloaded server asked every call to wait, so its first attempt does.
      await gw.call(req({ system: 'second' }));
      assert.equal(clock.sleeps.length, 2, String(clock.sleeps));
      assert.equal(server.requests.length, 3);
    });

    it('prefers retry-after-ms over retry-after', async () => {
      const clock = recordingClock();
      const gw = gatewayFor(server, { clock });
      server.script.push({ status: 503, headers: { 'retry-after-ms': '1500', 'retry-after': '9' } });
      await gw.call(req());
      assert.equal(clock.sleeps.length, 1);
      // The provider's pacer holds the retry until 1.5 s after the 503 arrived (a few ms of it already passed), not 9 s.
      assert.ok(clock.sleeps[0]! >= 1450 && clock.sleeps[0]! <= 1500, `waited ${clock.sleeps[0]} ms`);
    });

    it('429s are paced, not failures: they do not use up maxAttempts, and have their own bound', async () => {
      const clock = recordingClock();
      const gw = gatewayFor(server, { clock, retry: { maxAttempts: 2, maxRateLimitedAttempts: 6 } });
      for (let i = 0; i < 5; i++) server.script.push({ status: 429, headers: { 'retry-after-ms': '10' } });
      const result = await gw.call(req());
      assert.equal(result.text, 'OK', 'five 429s in a row, then an answer');
      assert.equal(server.requests.length, 6);

      server.requests.length = 0;
      server.fallback = { status: 429, headers: { 'retry-after-ms': '10' } };
      const error = await gw.call(req({ system: 'another request' })).then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(error instanceof ModelError);
      assert.equal(error.kind, 'rate_limit');
      assert.equal(server.requests.length, 6, 'bounded by maxRateLimitedAttempts');
    });

    it('a call stops retrying 429s once its total wait passes maxRateLimitedWaitMs', async () => {
      const clock = recordingClock();
      const gw = gatewayFor(server, { clock, retry: { maxRateLimitedAttempts: 100, maxRateLimitedWaitMs: 35 } });
      server.fallback = { status: 429, headers: { 'retry-after-ms': '10' } };
      await assert.rejects(gw.call(req()), (e: unknown) => e instanceof ModelError && e.kind === 'rate_limit');
      // Each wait is the 10 ms Retry-After (less what passed before the retry asked): ~40 ms ≥ 35 after four.
      assert.equal(clock.sleeps.length, 4);
      assert.ok(
        clock.sleeps.every((ms) => ms > 5 && ms <= 10),
        String(clock.sleeps),
      );
      assert.equal(server.requests.length, 5);
    });

    it('gives up after maxAttempts on persistent 500s with a server error, backoff bounded by the policy', async () => {
      const clock = recordingClock();
      const gw = gatewayFor(server, { clock, retry: { maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 150 } });
      server.fallback = { status: 500 };
      const error = await gw.call(req()).then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(error instanceof ModelError);
      assert.equal(error.kind, 'server');
      assert.match(error.message, /^500 from openai after 3 attempts/);
      assert.equal(server.requests.length, 3);
      assert.equal(gw.stats().retries, 2);
      assert.equal(clock.sleeps.length, 2);
      // full jitter with random()=0.5: half of min(maxDelay, base·2^(n-1))
      assert.deepEqual(clock.sleeps, [50, 75]);
    });

    for (const [status, kind, pattern] of [
      [401, 'auth', /^401 from openai: check the key with Prompt Tuner: Set API Key/],
      [403, 'auth', /^403 from openai: check the key/],
      [400, 'bad_request', /^400 from openai: the request was refused/],
      [404, 'bad_request', /^404 from openai: model "openai\/gpt-4o-mini" or the endpoint was not found/],
    ] as const) {
      it(`fails at once on ${status} with what to fix`, async () => {
        const clock = recordingClock();
        const gw = gatewayFor(server, { clock });
        server.fallback = { status };
        const error = await gw.call(req()).then(
          () => undefined,
          (e: unknown) => e,
        );
        assert.ok(error instanceof ModelError);
        assert.equal(error.kind, kind);
        assert.equal(error.status, status);
        assert.match(error.message, pattern);
        assert.equal(server.requests.length, 1);
        assert.equal(clock.sleeps.length, 0);
      });
    }

    it('retries a hung request as a timeout, bounded, and says so with timeout events (not throttle)', async () => {
      const clock = recordingClock();
      const gw = gatewayFor(server, { clock, retry: { maxAttempts: 2 }, requestTimeoutMs: 150 });
      const events: GatewayEvent[] = [];
      gw.onEvent((e) => events.push(e));
      server.fallback = { hang: true };
      const error = await gw.call(req()).then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(error instanceof ModelError);
      assert.equal(error.kind, 'timeout');
      assert.match(error.message, /^openai\/gpt-4o-mini timed out after 0\.15 s \(attempt 2 of 2\)/);
      assert.equal(server.requests.length, 2);
      const timeouts = events.filter((e) => e.type === 'timeout');
      assert.deepEqual(timeouts, [
        {
          type: 'timeout',
          provider: 'openai',
          model: 'openai/gpt-4o-mini',
          afterS: 0.15,
          attempt: 1,
          maxAttempts: 2,
          retryInMs: clock.sleeps[0],
        },
        { type: 'timeout', provider: 'openai', model: 'openai/gpt-4o-mini', afterS: 0.15, attempt: 2, maxAttempts: 2 },
      ]);
      assert.ok(
        !events.some((e) => e.type === 'throttle' && e.retryInMs !== undefined),
        'a hung request is not reported as throttled',
      );
    });

    it('times out after 60 s by default; requestTimeoutMs wins over retry.attemptTimeoutMs and is validated', async () => {
      assert.equal(DEFAULT_RETRY_POLICY.attemptTimeoutMs, 60_000);
      const gw = gatewayFor(server, { retry: { maxAttempts: 1, attemptTimeoutMs: 60_000 }, requestTimeoutMs: 1000 });
      server.fallback = { hang: true };
      await assert.rejects(
        gw.call(req()),
        (e: unknown) => e instanceof ModelError && /after 1 s \(attempt 1 of 1\)/.test(e.message),
      );
      for (const bad of [0, -1, Number.NaN, 600_001]) {
        assert.throws(
          () => gatewayFor(server, { requestTimeoutMs: bad }),
          (e: unknown) =>
            e instanceof ModelError &&
            e.kind === 'config' &&
            /^requestTimeoutMs: expected 1 to 600000 ms/.test(e.message),
        );
      }
    });

    it('retries a dropped connection and then succeeds', async () => {
      const gw = gatewayFor(server, { clock: recordingClock() });
      server.script.push({ drop: true });
      const result = await gw.call(req());
      assert.equal(result.text, 'OK');
      assert.equal(server.requests.length, 2);
      assert.equal(gw.stats().retries, 1);
    });

    it('says how to set a missing key and makes no request', async () => {
      const providers = buildProviders({
        keys: { keyFor: () => () => undefined, missingKeyHint: () => 'set OPENAI_API_KEY' },
      });
      const gw = createGateway({ providers });
      const error = await gw.call(req()).then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(error instanceof ModelError);
      assert.equal(error.kind, 'config');
      assert.equal(error.message, 'no API key for openai: set OPENAI_API_KEY');
    });

    it('names the known providers for an unknown one', async () => {
      const gw = gatewayFor(server);
      await assert.rejects(
        gw.call(req({ model: 'nope/x' })),
        (e: unknown) =>
          e instanceof ModelError &&
          e.kind === 'config' &&
          /unknown provider "nope".*openai, anthropic/.test(e.message),
      );
      await assert.rejects(
        gw.call(req({ model: 'gpt-4o' })),
        (e: unknown) => e instanceof ModelError && /provider\/model/.test(e.message),
      );
    });
  });

  describe('cancellation', () => {
    it('stops the in-flight and the queued calls, and the in-flight request is closed', async () => {
      const gw = gatewayFor(server, { concurrency: 1 });
      server.fallback = { hang: true };
      const controller = new AbortController();
      const first = gw.call(req({ messages: [{ role: 'user', content: 'a' }] }), { signal: controller.signal }).then(
        () => 'ok',
        (e: unknown) => e,
      );
      const second = gw.call(req({ messages: [{ role: 'user', content: 'b' }] }), { signal: controller.signal }).then(
        () => 'ok',
        (e: unknown) => e,
      );
      while (server.requests.length < 1) await new Promise((r) => setTimeout(r, 5));
      const started = performance.now();
      controller.abort();
      const [a, b] = await Promise.all([first, second]);
      assert.ok(a instanceof ModelError && a.kind === 'cancelled', String(a));
      assert.ok(b instanceof ModelError && b.kind === 'cancelled', String(b));
      assert.equal(server.requests.length, 1, 'the queued call never reached the server');
      await gw.onIdle();
      while (server.abandoned < 1 && performance.now() - started < 2000) await new Promise((r) => setTimeout(r, 5));
      assert.equal(server.abandoned, 1, 'the in-flight HTTP request was aborted');
    });

    it('stops a call that is waiting on Retry-After', async () => {
      const gw = gatewayFor(server, { retry: { maxAttempts: 3 } });
      server.script.push({ status: 429, headers: { 'retry-after': '30' } });
      const controller = new AbortController();
      const call = gw.call(req(), { signal: controller.signal }).then(
        () => 'ok',
        (e: unknown) => e,
      );
      while (gw.stats().retries < 1) await new Promise((r) => setTimeout(r, 5));
      controller.abort();
      const result = await call;
      assert.ok(result instanceof ModelError && result.kind === 'cancelled');
      assert.equal(server.requests.length, 1);
    });
  });

  describe('cache', () => {
    it('answers an identical request from the cache and counts the hit', async () => {
      const gw = gatewayFor(server, { cache: createMemoryResponseCache() });
      const a = await gw.call(req());
      const b = await gw.call(req());
      assert.equal(a.cached, false);
      assert.equal(b.cached, true);
      assert.equal(b.latencyMs, 0);
      assert.deepEqual(b.toolCalls, a.toolCalls);
      assert.equal(server.requests.length, 1);
      assert.equal(gw.stats().cacheHits, 1);
      assert.equal(gw.stats().calls, 1);
    });

    it('treats key order as irrelevant but any content change as a new request', async () => {
      const gw = gatewayFor(server, { cache: createMemoryResponseCache() });
      const tool = {
        name: 't',
        description: 'd',
        parameters: { type: 'object', properties: { a: { type: 'string' } }, required: ['a'] },
      };
      const reordered = {
        parameters: { required: ['a'], properties: { a: { type: 'string' } }, type: 'object' },
        description: 'd',
        name: 't',
      };
      await gw.call(req({ tools: [tool] }));
      const hit = await gw.call({
        messages: [{ content: 'Hello', role: 'user' }],
        tools: [reordered],
        system: 'You are terse.',
        model: 'openai/gpt-4o-mini',
      });
      assert.equal(hit.cached, true);
      const miss1 = await gw.call(req({ tools: [tool], temperature: 0.5 }));
      const miss2 = await gw.call(req({ tools: [tool], model: 'openai/gpt-4o' }));
      const miss3 = await gw.call(req({ tools: [tool], system: 'You are terse!' }));
      assert.deepEqual([miss1.cached, miss2.cached, miss3.cached], [false, false, false]);
      assert.equal(server.requests.length, 4);
    });

    it('does not read or write the cache with cache: false, and never caches failures', async () => {
      const cache = createMemoryResponseCache();
      const gw = gatewayFor(server, { cache, retry: { maxAttempts: 1 } });
      await gw.call(req(), { cache: false });
      assert.equal(cache.size(), 0);
      server.script.push({ status: 400 });
      await assert.rejects(gw.call(req({ system: 'x' })));
      assert.equal(cache.size(), 0);
      const again = await gw.call(req({ system: 'x' }));
      assert.equal(again.cached, false);
      assert.equal(cache.size(), 1);
    });

    it('does not cache an answer whose tool-call arguments did not parse, and does not replay an old one', async () => {
      const cache = createMemoryResponseCache();
      const gw = gatewayFor(server, { cache });
      const badArgs = {
        id: 'x',
        object: 'chat.completion',
        created: 0,
        model: 'gpt-4o-mini',
        choices: [
          {
            index: 0,
            finish_reason: 'tool_calls',
            message: {
              role: 'assistant',
              content: null,
              tool_calls: [
                { id: 'c1', type: 'function', function: { name: 'get_weather', arguments: '{"city": "Lis' } },
              ],
            },
          },
        ],
        usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
      };
      server.script.push({ body: badArgs });
      const first = await gw.call(req());
      assert.ok(first.toolCalls[0]?.argumentsError, 'the provider marked the arguments as unparsable');
      assert.equal(cache.size(), 0, 'the transient fault was not cached');
      const second = await gw.call(req());
      assert.equal(second.cached, false);
      assert.equal(second.toolCalls.length, 0, 'a fresh answer, not the replayed fault');
      assert.equal(server.requests.length, 2);

      // An entry written before this rule existed is not replayed either.
      const poisoned = createMemoryResponseCache();
      const key = cacheKey('openai', 'gpt-4o-mini', req({ system: 'old' }));
      poisoned.put(
        key,
        { model: 'openai/gpt-4o-mini', text: '', toolCalls: first.toolCalls, usage: first.usage, latencyMs: 5 },
        new Date(),
      );
      const gw2 = gatewayFor(server, { cache: poisoned });
      const third = await gw2.call(req({ system: 'old' }));
      assert.equal(third.cached, false);
      assert.equal(server.requests.length, 3);
    });

    it('gives repeat k > 1 its own cache entry; repeat 1 keeps the key it always had', async () => {
      const cache = createMemoryResponseCache();
      const gw = gatewayFor(server, { cache });
      const r = req();
      assert.equal(cacheKey('openai', 'gpt-4o-mini', r, 1), cacheKey('openai', 'gpt-4o-mini', r));
      assert.notEqual(cacheKey('openai', 'gpt-4o-mini', r, 2), cacheKey('openai', 'gpt-4o-mini', r));
      const one = await gw.call(r);
      const two = await gw.call(r, { repeat: 2 });
      assert.deepEqual([one.cached, two.cached], [false, false], 'repeat 2 is a fresh sample');
      assert.equal(server.requests.length, 2);
      const again = await Promise.all([gw.call(r, { repeat: 1 }), gw.call(r, { repeat: 2 })]);
      assert.deepEqual(
        again.map((x) => x.cached),
        [true, true],
      );
      assert.equal(server.requests.length, 2);
      await assert.rejects(
        gw.call(r, { repeat: 0 }),
        (e: unknown) => e instanceof ModelError && /^repeat: expected a whole number ≥ 1, got 0/.test(e.message),
      );
    });

    it('says when a cached answer was made (cachedAt)', async () => {
      const made = '2026-11-30T10:00:00.000Z';
      const cache = createMemoryResponseCache();
      const usage = { inputTokens: 1, outputTokens: 1, cachedInputTokens: 0 };
      const stored = { model: 'openai/gpt-4o-mini', text: 'old', toolCalls: [], usage, latencyMs: 3 };
      cache.put(cacheKey('openai', 'gpt-4o-mini', req()), stored, new Date(made));
      const hit = await gatewayFor(server, { cache }).call(req());
      assert.equal(hit.cached, true);
      assert.equal(hit.cachedAt, made);
      const fresh = await gatewayFor(server).call(req());
      assert.equal(fresh.cachedAt, undefined);
    });

    it('useCache: false (--no-cache) bypasses the cache but still measures latency', async () => {
      const cache = createMemoryResponseCache();
      const gw = gatewayFor(server, { cache, useCache: false });
      await gw.call(req());
      await gw.call(req());
      assert.equal(server.requests.length, 2);
      assert.equal(cache.size(), 0);
      assert.ok(gw.measuredLatencyMs('openai/gpt-4o-mini')! >= 0);
      assert.equal(gw.measuredLatencyMs('openai/never-called'), undefined);
    });
  });

  describe('cost', () => {
    it('prices known models from the table with normalised usage', async () => {
      const gw = gatewayFor(server);
      server.script.push({ body: openAiCompletion({ promptTokens: 2000, completionTokens: 300, cachedTokens: 1000 }) });
      const result = await gw.call(req());
      const expected = calcPrice({ input_tokens: 2000, output_tokens: 300, cache_read_tokens: 1000 }, 'gpt-4o-mini', {
        providerId: 'openai',
      })!.total_price;
      assert.ok(expected > 0);
      assert.equal(result.costUsd, expected);
      assert.equal(gw.stats().costUsd, expected);
      assert.equal(gw.stats().costIncomplete, false);
      // cached tokens are cheaper: the same usage without cache reads costs more
      const uncached = calcPrice({ input_tokens: 2000, output_tokens: 300 }, 'gpt-4o-mini', {
        providerId: 'openai',
      })!.total_price;
      assert.ok(result.costUsd < uncached);
    });

    it('reports an unknown price as null and marks the totals incomplete', async () => {
      const gw = gatewayFor(server);
      const result = await gw.call(req({ model: 'openai/sim-unknown-model-xyz' }));
      assert.equal(result.costUsd, null);
      assert.equal(gw.stats().costUsd, 0);
      assert.equal(gw.stats().costIncomplete, true);
    });

    it('without a budget, sends the call before the price table has loaded, and prices the answer once it has', async () => {
      // A price book whose table is still loading: the request must not wait behind it.
      const real = createPriceBook();
      let release!: () => void;
      const loaded = new Promise<void>((r) => (release = r));
      const slow = { ready: () => loaded.then(() => real.ready()), cost: real.cost.bind(real) };
      const gw = gatewayFor(server, { prices: slow });
      const call = gw.call(req());
      await until(() => server.requests.length === 1, 'the request to reach the server');
      release();
      const result = await call;
      assert.equal(typeof result.costUsd, 'number', 'the answer is priced once the table is in');
      assert.ok(result.costUsd! > 0);
    });

    it('with a budget, waits for the price table before sending (the estimate needs it)', async () => {
      const real = createPriceBook();
      let release!: () => void;
      const loaded = new Promise<void>((r) => (release = r));
      const slow = { ready: () => loaded.then(() => real.ready()), cost: real.cost.bind(real) };
      const gw = gatewayFor(server, { prices: slow, budget: { usd: 5 } });
      const call = gw.call(req());
      await sleep(50);
      assert.equal(server.requests.length, 0, 'nothing is sent before the estimate can be made');
      release();
      await call;
      assert.equal(server.requests.length, 1);
    });

    it('uses price overrides for models the table does not know', async () => {
      const gw = gatewayFor(server, {
        prices: createPriceBook({ 'ollama/llama3.1': { inputPerMTok: 1, outputPerMTok: 2 } }),
      });
      const providers = buildProviders({
        keys: { keyFor: () => () => undefined, missingKeyHint: () => '' },
        endpoints: [{ name: 'ollama', baseUrl: server.openaiBaseUrl }],
      });
      const gw2 = createGateway({
        providers,
        prices: createPriceBook({ 'ollama/llama3.1': { inputPerMTok: 1, outputPerMTok: 2 } }),
      });
      void gw;
      const result = await gw2.call(req({ model: 'ollama/llama3.1' }));
      assert.equal(result.costUsd, (1000 * 1 + 100 * 2) / 1e6);
    });
  });

  describe('budget', () => {
    it('refuses new calls past the calls cap, emits budget_reached once and keeps the stats', async () => {
      const gw = gatewayFor(server, { budget: { calls: 2 } });
      const events: GatewayEvent[] = [];
      gw.onEvent((e) => events.push(e));
      await gw.call(req({ system: '1' }));
      await gw.call(req({ system: '2' }));
      await assert.rejects(
        gw.call(req({ system: '3' })),
        (e: unknown) =>
          e instanceof ModelError && e.kind === 'budget' && /budget reached: 2 of 2 calls/.test(e.message),
      );
      await assert.rejects(
        gw.call(req({ system: '4' })),
        (e: unknown) => e instanceof ModelError && e.kind === 'budget',
      );
      assert.equal(server.requests.length, 2);
      assert.equal(gw.stats().calls, 2);
      const reached = events.filter((e) => e.type === 'budget_reached');
      assert.equal(reached.length, 1);
      assert.deepEqual(reached[0], { type: 'budget_reached', costUsd: gw.stats().costUsd, calls: 2 });
    });

    it('refuses a call whose conservative estimate would cross the USD cap', async () => {
      // gpt-4o-mini: 0.6 $/M output tokens; 1024 default output tokens ≈ $0.0006 per call.
      const gw = gatewayFor(server, { budget: { usd: 0.001 } });
      await gw.call(req({ maxTokens: 50 }));
      assert.equal(server.requests.length, 1);
      await assert.rejects(
        gw.call(req({ system: 'other', maxTokens: 4000 })),
        (e: unknown) => e instanceof ModelError && e.kind === 'budget',
      );
      assert.equal(server.requests.length, 1);
      assert.ok(gw.stats().costUsd > 0 && gw.stats().costUsd < 0.001);
    });

    it('counts calls in flight against the cap under concurrency', async () => {
      const gw = gatewayFor(server, { budget: { calls: 3 }, concurrency: 8 });
      server.fallback = { delayMs: 50 };
      const results = await Promise.allSettled(
        Array.from({ length: 6 }, (_, i) => gw.call(req({ system: String(i) }))),
      );
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 3);
      assert.equal(server.requests.length, 3);
    });
  });

  describe('secrets', () => {
    it('keeps the key out of error messages and logs even when the provider echoes it', async () => {
      const lines: string[] = [];
      const gw = gatewayFor(server, { log: (l) => lines.push(l) });
      server.fallback = {
        status: 401,
        body: {
          error: {
            message: `Incorrect API key provided: ${KEY}. You can find your API key at …`,
            type: 'invalid_request_error',
          },
        },
      };
      const error = await gw.call(req()).then(
        () => undefined,
        (e: unknown) => e as ModelError,
      );
      assert.ok(error);
      assert.ok(!error.message.includes(KEY), error.message);
      assert.ok(!error.message.includes(KEY.slice(0, 12)), error.message);
      assert.ok(!lines.join('\n').includes(KEY));
      // the key did reach the provider: it was sent as the bearer token
      assert.equal(server.requests[0]!.headers.authorization, `Bearer ${KEY}`);
    });
  });
});
