// Both real SDKs end to end against the simulator, through the gateway.
import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createCliGateway } from '../../src/core/models/cliGateway';
import { type ModelRequest, ModelError } from '../../src/core/models/types';
import { startSimulator, type Simulator } from '../sim/server';

const weatherTool = {
  name: 'get_weather',
  description: 'Get the weather forecast for a city on a date',
  parameters: {
    type: 'object',
    properties: { city: { type: 'string' }, date: { type: 'string' } },
    required: ['city', 'date'],
  },
};

const weatherRequest = (model: string): ModelRequest => ({
  model,
  system: 'You are a travel assistant. Write every date argument in ISO 8601 format (YYYY-MM-DD).',
  messages: [{ role: 'user', content: "What's the weather in Lisbon on 2026-12-05?" }],
  tools: [weatherTool],
  maxTokens: 300,
  temperature: 0, // must reach openai and must not reach anthropic (the simulator answers 400 like the real API)
});

describe('providers through the SDKs against the simulator', () => {
  let sim: Simulator;
  let ws: string;
  before(async () => {
    sim = await startSimulator();
    ws = mkdtempSync(path.join(tmpdir(), 'pt-providers-'));
  });
  after(async () => {
    await sim.close();
  });
  beforeEach(() => {
    sim.configure({ rateLimitRps: 0, rateLimitBurst: null, hangRate: 0, malformedToolJsonRate: 0 });
    sim.reset();
  });

  const env = () => ({
    OPENAI_BASE_URL: sim.openaiBaseUrl,
    ANTHROPIC_BASE_URL: sim.anthropicBaseUrl,
    OPENAI_API_KEY: 'sim-key',
    ANTHROPIC_API_KEY: 'sim-key',
  });

  for (const provider of ['openai', 'anthropic'] as const) {
    it(`${provider}: a tool call comes back with parsed arguments, usage, latency and no temperature for anthropic`, async () => {
      const gw = createCliGateway({ env: env(), workspace: ws });
      const result = await gw.call(weatherRequest(`${provider}/sim-1`));
      assert.equal(result.model, `${provider}/sim-1`);
      assert.equal(result.toolCalls.length, 1);
      assert.equal(result.toolCalls[0]!.name, 'get_weather');
      assert.equal((result.toolCalls[0]!.arguments as { city: string }).city, 'Lisbon');
      assert.ok(result.usage.inputTokens > 0 && result.usage.outputTokens > 0);
      assert.ok(result.latencyMs >= 0);
      assert.equal(result.costUsd, null, 'sim-1 has no known price');
      const body = sim.requests().at(-1)!.body as Record<string, unknown>;
      assert.equal('temperature' in body, provider === 'openai');
      assert.equal(sim.counters().byApi[provider], 1);
    });

    it(`${provider}: bad-key fails at once with what to fix`, async () => {
      const gw = createCliGateway({
        env: { ...env(), OPENAI_API_KEY: 'bad-key', ANTHROPIC_API_KEY: 'bad-key' },
        workspace: ws,
      });
      const key = provider === 'openai' ? 'OPENAI_API_KEY' : 'ANTHROPIC_API_KEY';
      await assert.rejects(
        gw.call(weatherRequest(`${provider}/sim-1`)),
        (e: unknown) =>
          e instanceof ModelError &&
          e.kind === 'auth' &&
          e.message.startsWith(`401 from ${provider}: check the key: set ${key}`),
      );
      assert.equal(sim.counters().calls, 1);
    });

    it(`${provider}: fail-500 is retried a bounded number of times`, async () => {
      const gw = createCliGateway({ env: env(), workspace: ws, retry: { maxAttempts: 3, baseDelayMs: 5 } });
      await assert.rejects(
        gw.call(weatherRequest(`${provider}/fail-500`)),
        (e: unknown) => e instanceof ModelError && e.kind === 'server' && e.status === 500,
      );
      assert.equal(sim.counters().calls, 3);
      assert.equal(gw.stats().retries, 2);
    });

    it(`${provider}: a rate limit with Retry-After loses no call`, async () => {
      sim.configure({ rateLimitRps: 20, rateLimitBurst: 2 });
      const gw = createCliGateway({ env: env(), workspace: ws, concurrency: 8, retry: { maxAttempts: 30 } });
      const results = await Promise.all(
        Array.from({ length: 16 }, (_, i) =>
          gw.call({
            ...weatherRequest(`${provider}/sim-1`),
            messages: [{ role: 'user', content: `Weather in Porto on 2026-12-0${(i % 9) + 1}? (${i})` }],
          }),
        ),
      );
      assert.equal(results.length, 16);
      const counters = sim.counters();
      assert.ok(counters.rateLimited > 0, 'the limit was hit');
      assert.equal(gw.stats().retries, counters.rateLimited, 'every 429 was retried once');
      assert.equal(counters.byStatus['200'], 16);
    });

    it(`${provider}: cancel aborts a hung request at the simulator`, async () => {
      sim.configure({ hangRate: 1 });
      const gw = createCliGateway({ env: env(), workspace: ws });
      const controller = new AbortController();
      const call = gw.call(weatherRequest(`${provider}/sim-1`), { signal: controller.signal }).then(
        () => 'ok',
        (e: unknown) => e,
      );
      while (sim.counters().hung < 1) await new Promise((r) => setTimeout(r, 5));
      controller.abort();
      const outcome = await call;
      assert.ok(outcome instanceof ModelError && outcome.kind === 'cancelled');
      for (let i = 0; i < 100 && sim.counters().aborted < 1; i++) await new Promise((r) => setTimeout(r, 10));
      assert.equal(sim.counters().aborted, 1);
    });

    it(`${provider}: the meta model answers with a <prompt>`, async () => {
      const gw = createCliGateway({ env: env(), workspace: ws });
      const result = await gw.call(
        {
          model: `${provider}/sim-1`,
          messages: [
            {
              role: 'user',
              content:
                '<current_prompt>You are a helpful travel assistant.</current_prompt>\n<failures>\nunexpected_call: called get_weather for "Thanks!"\n</failures>',
            },
          ],
        },
        { cache: false },
      );
      assert.match(result.text, /<prompt>[\s\S]+<\/prompt>/);
    });
  }

  it('openai: malformed tool-call JSON is reported as argumentsError', async () => {
    sim.configure({ malformedToolJsonRate: 1 });
    const gw = createCliGateway({ env: env(), workspace: ws });
    const result = await gw.call(weatherRequest('openai/sim-1'));
    assert.equal(result.toolCalls[0]!.arguments, undefined);
    assert.match(result.toolCalls[0]!.argumentsError!, /not valid JSON/);
  });

  it('an endpoint named sim in config.json reaches the simulator over either protocol', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'pt-providers-cfg-'));
    mkdirSync(path.join(dir, '.prompt-tuner'));
    writeFileSync(
      path.join(dir, '.prompt-tuner', 'config.json'),
      JSON.stringify({
        endpoints: [
          { name: 'sim', baseUrl: sim.openaiBaseUrl },
          { name: 'simclaude', baseUrl: sim.anthropicBaseUrl, api: 'anthropic', apiKeyEnv: 'SIM_KEY' },
        ],
        prices: { 'sim/sim-1': { inputPerMTok: 1, outputPerMTok: 2 } },
      }),
    );
    const gw = createCliGateway({ env: { SIM_KEY: 'x' }, workspace: dir });
    const a = await gw.call(weatherRequest('sim/sim-1'));
    const b = await gw.call(weatherRequest('simclaude/sim-1'));
    assert.equal(a.toolCalls[0]!.name, 'get_weather');
    assert.equal(b.toolCalls[0]!.name, 'get_weather');
    assert.ok(a.costUsd !== null && a.costUsd > 0);
    assert.equal(b.costUsd, null);
    assert.deepEqual(sim.counters().byApi, { openai: 1, anthropic: 1 });
  });
});
