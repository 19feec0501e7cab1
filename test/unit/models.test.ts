import { strict as assert } from 'node:assert';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fromAnthropicResponse, toAnthropicBody } from '../../src/core/models/anthropicProvider';
import { BudgetTracker, estimateUsage } from '../../src/core/models/budget';
import { cacheKey, canonicalJson } from '../../src/core/models/canonicalJson';
import { createCliGateway, keyEnvName } from '../../src/core/models/cliGateway';
import { ModelConfigError, parseModelConfig } from '../../src/core/models/modelConfig';
import { fromOpenAiResponse, toOpenAiBody } from '../../src/core/models/openaiProvider';
import { createPriceBook } from '../../src/core/models/prices';
import { parseToolArguments, redactSecrets, retryAfterFromHeaders } from '../../src/core/models/providerTypes';
import { ModelError, type ModelRequest } from '../../src/core/models/types';
import { anthropicMessage, openAiCompletion, startFakeServer } from './modelsFakeServer';
import type OpenAI from 'openai';
import type Anthropic from '@anthropic-ai/sdk';

const toolRequest: ModelRequest = {
  model: 'x/y',
  system: 'Be exact.',
  messages: [
    { role: 'user', content: 'Weather in Lisbon?' },
    {
      role: 'assistant',
      content: '',
      toolCalls: [{ id: 'c1', name: 'get_weather', arguments: { city: 'Lisbon' }, rawArguments: '{"city":"Lisbon"}' }],
    },
    { role: 'tool', toolCallId: 'c1', name: 'get_weather', content: 'sunny' },
  ],
  tools: [
    {
      name: 'get_weather',
      description: 'Weather by city',
      parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
    },
  ],
  maxTokens: 200,
  temperature: 0.2,
};

describe('model providers: request and result mapping', () => {
  it('maps a request to Chat Completions with system, tools, tool results and temperature', () => {
    const body = toOpenAiBody('gpt-4o-mini', toolRequest);
    assert.equal(body.model, 'gpt-4o-mini');
    assert.deepEqual(body.messages[0], { role: 'system', content: 'Be exact.' });
    assert.deepEqual(body.messages[2], {
      role: 'assistant',
      content: '',
      tool_calls: [{ id: 'c1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Lisbon"}' } }],
    });
    assert.deepEqual(body.messages[3], { role: 'tool', tool_call_id: 'c1', content: 'sunny' });
    assert.equal(body.tools?.[0]?.type, 'function');
    assert.equal(body.max_tokens, 200);
    assert.equal(body.temperature, 0.2);
  });

  it('maps a request to Anthropic Messages without temperature and with the default max_tokens', () => {
    const body = toAnthropicBody('claude-haiku-4-5', toolRequest);
    assert.equal('temperature' in body, false);
    assert.equal('top_p' in body, false);
    assert.equal(body.system, 'Be exact.');
    assert.equal(body.max_tokens, 200);
    assert.deepEqual(body.tools?.[0], {
      name: 'get_weather',
      description: 'Weather by city',
      input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
    });
    assert.deepEqual(
      body.messages.map((m) => m.role),
      ['user', 'assistant', 'user'],
    );
    assert.equal(toAnthropicBody('m', { model: 'a/m', messages: [{ role: 'user', content: 'hi' }] }).max_tokens, 1024);
  });

  it('parses OpenAI tool calls; invalid JSON arguments are reported, not thrown', () => {
    const completion = openAiCompletion({
      toolCalls: [
        { name: 'get_weather', arguments: '{"city":"Lisbon","date":"2026-12-05"}' },
        { name: 'book', arguments: '{"city": "Lis' },
      ],
      promptTokens: 500,
      completionTokens: 20,
      cachedTokens: 128,
    }) as OpenAI.Chat.Completions.ChatCompletion;
    const result = fromOpenAiResponse(completion, 'openai');
    assert.deepEqual(result.toolCalls[0]!.arguments, { city: 'Lisbon', date: '2026-12-05' });
    assert.equal(result.toolCalls[0]!.argumentsError, undefined);
    assert.equal(result.toolCalls[1]!.arguments, undefined);
    assert.equal(result.toolCalls[1]!.rawArguments, '{"city": "Lis');
    assert.match(result.toolCalls[1]!.argumentsError!, /not valid JSON/);
    assert.deepEqual(result.usage, { inputTokens: 500, outputTokens: 20, cachedInputTokens: 128 });
  });

  it('adds Anthropic cache reads and writes to input tokens', () => {
    const message = anthropicMessage({
      text: 'Sure.',
      toolUses: [{ name: 'get_weather', input: { city: 'Lisbon' } }],
      input: 50,
      output: 7,
      cacheRead: 900,
      cacheWrite: 40,
    }) as Anthropic.Messages.Message;
    const result = fromAnthropicResponse(message, 'anthropic');
    assert.equal(result.text, 'Sure.');
    assert.deepEqual(result.toolCalls[0], {
      id: 'toolu_0',
      name: 'get_weather',
      rawArguments: '{"city":"Lisbon"}',
      arguments: { city: 'Lisbon' },
    });
    assert.deepEqual(result.usage, { inputTokens: 990, outputTokens: 7, cachedInputTokens: 900 });
  });

  it('rejects arguments that are JSON but not an object', () => {
    assert.match(parseToolArguments('[1,2]').argumentsError!, /not an object \(array\)/);
    assert.deepEqual(parseToolArguments('').arguments, {});
  });

  it('reads retry-after-ms, retry-after seconds and HTTP dates', () => {
    const h = (o: Record<string, string>) => ({ get: (n: string) => o[n] ?? null });
    assert.equal(retryAfterFromHeaders(h({ 'retry-after-ms': '250', 'retry-after': '3' })), 250);
    assert.equal(retryAfterFromHeaders(h({ 'retry-after': '3' })), 3000);
    assert.equal(retryAfterFromHeaders(h({ 'retry-after': new Date(10_000).toUTCString() }), 4000), 6000);
    assert.equal(retryAfterFromHeaders(h({})), undefined);
  });

  it('redacts the key and key-shaped strings', () => {
    const text = redactSecrets('bad key sk-proj-abcdef123456 and mysecretvalue', ['mysecretvalue']);
    assert.ok(!text.includes('abcdef123456'));
    assert.ok(!text.includes('mysecretvalue'));
  });
});

describe('model layer: cache keys, prices, budget', () => {
  it('canonical JSON ignores key order and undefined members', () => {
    assert.equal(
      canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: undefined } }),
      '{"a":{"d":[1,{"y":2,"z":1}]},"b":1}',
    );
    const a: ModelRequest = { model: 'openai/m', messages: [{ role: 'user', content: 'x' }], system: 's' };
    const b: ModelRequest = {
      system: 's',
      messages: [{ content: 'x', role: 'user' }],
      model: 'openai/m',
      temperature: undefined,
    };
    assert.equal(cacheKey('openai', 'm', a), cacheKey('openai', 'm', b));
    assert.notEqual(cacheKey('openai', 'm', a), cacheKey('ollama', 'm', a));
    assert.match(cacheKey('openai', 'm', a), /^[0-9a-f]{64}$/);
  });

  it('prices: overrides win, cached tokens use their own rate, unknown is null', async () => {
    const book = createPriceBook({ 'sim/model': { inputPerMTok: 2, outputPerMTok: 8, cachedInputPerMTok: 1 } });
    await book.ready();
    assert.equal(
      book.cost('sim/model', undefined, { inputTokens: 1_000_000, outputTokens: 500_000, cachedInputTokens: 400_000 }),
      0.6 * 2 + 0.4 * 1 + 0.5 * 8,
    );
    assert.equal(book.cost('sim/other', undefined, { inputTokens: 1, outputTokens: 1, cachedInputTokens: 0 }), null);
    assert.ok(
      book.cost('anthropic/claude-sonnet-4-5', 'anthropic', {
        inputTokens: 1000,
        outputTokens: 100,
        cachedInputTokens: 0,
      })! > 0,
    );
  });

  it('budget estimate is conservative and the tracker reserves in-flight calls', () => {
    const usage = estimateUsage({
      model: 'a/b',
      system: 'x'.repeat(300),
      messages: [{ role: 'user', content: 'y'.repeat(300) }],
    });
    assert.ok(usage.inputTokens >= 600 / 4, 'at least chars/4');
    assert.equal(usage.outputTokens, 1024);
    const t = new BudgetTracker({ usd: 1 });
    const first = t.tryStart(0.6);
    assert.ok(first.ok);
    assert.equal(t.tryStart(0.6).ok, false, 'the in-flight reservation counts');
    first.release(0.1);
    assert.ok(t.tryStart(0.6).ok, 'after the actual cost is known the rest is free again');
  });
});

describe('model config (config.json)', () => {
  const file = '/ws/.prompt-tuner/config.json';
  it('accepts endpoints, presets by name, concurrency and prices', () => {
    const config = parseModelConfig(
      JSON.stringify({
        endpoints: [{ name: 'sim', baseUrl: 'http://127.0.0.1:4010/v1', apiKeyEnv: 'SIM_KEY' }, { name: 'ollama' }],
        concurrency: { default: 4, openai: 16 },
        prices: { 'sim/sim-model': { inputPerMTok: 0.1, outputPerMTok: 0.2 } },
      }),
      file,
    );
    assert.equal(config.endpoints.length, 2);
  });

  for (const [name, value, pattern] of [
    [
      'a key in the file',
      { endpoints: [{ name: 'x', baseUrl: 'http://h/v1', apiKey: 'sk-1' }] },
      /endpoints\[0\]: apiKey: keys never go in config\.json/,
    ],
    [
      'a non-preset without baseUrl',
      { endpoints: [{ name: 'mine' }] },
      /endpoints\[0\]\.baseUrl: is required: "mine" is not a preset/,
    ],
    [
      'a reserved name',
      { endpoints: [{ name: 'openai', baseUrl: 'http://h/v1' }] },
      /endpoints\[0\]\.name: is a built-in provider id/,
    ],
    [
      'a duplicate name',
      {
        endpoints: [
          { name: 'a', baseUrl: 'http://h/v1' },
          { name: 'a', baseUrl: 'http://i/v1' },
        ],
      },
      /endpoints\[1\]\.name: "a" is used by another endpoint/,
    ],
    ['a bad URL', { endpoints: [{ name: 'a', baseUrl: 'localhost' }] }, /endpoints\[0\]\.baseUrl: must be a URL/],
    [
      'a price key without provider',
      { prices: { 'gpt-4o': { inputPerMTok: 1, outputPerMTok: 1 } } },
      /prices\.gpt-4o: must be a model id/,
    ],
  ] as const) {
    it(`refuses ${name} with the file and the path`, () => {
      assert.throws(
        () => parseModelConfig(JSON.stringify(value), file),
        (e: unknown) => e instanceof ModelConfigError && e.message.startsWith(file) && pattern.test(e.message),
      );
    });
  }

  it('refuses invalid JSON naming the file', () => {
    assert.throws(() => parseModelConfig('{', file), /config\.json: not valid JSON/);
  });
});

describe('createCliGateway', () => {
  it('uses OPENAI_BASE_URL/OPENAI_API_KEY and endpoints from config.json, and says which variable to set', async () => {
    const server = await startFakeServer();
    try {
      const ws = mkdtempSync(path.join(tmpdir(), 'pt-cli-gw-'));
      mkdirSync(path.join(ws, '.prompt-tuner'));
      writeFileSync(
        path.join(ws, '.prompt-tuner', 'config.json'),
        JSON.stringify({
          endpoints: [{ name: 'sim', baseUrl: server.openaiBaseUrl, apiKeyEnv: 'SIM_KEY' }],
          concurrency: 3,
        }),
      );
      const gw = createCliGateway({
        env: { OPENAI_BASE_URL: server.openaiBaseUrl, OPENAI_API_KEY: 'k-openai', SIM_KEY: 'k-sim' },
        workspace: ws,
      });
      await gw.call({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'a' }] });
      await gw.call({ model: 'sim/target', messages: [{ role: 'user', content: 'b' }] });
      assert.equal(server.requests[0]!.headers.authorization, 'Bearer k-openai');
      assert.equal(server.requests[1]!.headers.authorization, 'Bearer k-sim');
      assert.equal(server.requests[1]!.body.model, 'target');
      server.fallback = { status: 401 };
      await assert.rejects(
        gw.call({ model: 'sim/t2', messages: [{ role: 'user', content: 'c' }] }),
        (e: unknown) => e instanceof ModelError && e.message.startsWith('401 from sim: check the key: set SIM_KEY'),
      );
      const bare = createCliGateway({ env: {}, workspace: ws });
      await assert.rejects(
        bare.call({ model: 'anthropic/claude-haiku-4-5', messages: [{ role: 'user', content: 'x' }] }),
        (e: unknown) => e instanceof ModelError && e.message === 'no API key for anthropic: set ANTHROPIC_API_KEY',
      );
    } finally {
      await server.close();
    }
  });

  it('names key variables for providers, presets and endpoints', () => {
    assert.equal(keyEnvName('openai'), 'OPENAI_API_KEY');
    assert.equal(keyEnvName('openrouter'), 'OPENROUTER_API_KEY');
    assert.equal(keyEnvName('my-box', { name: 'my-box', baseUrl: 'http://h/v1' }), 'MY_BOX_API_KEY');
  });
});
