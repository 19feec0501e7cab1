// The simulator through the real openai and @anthropic-ai/sdk clients: wire formats, rules, meta mode,
// faults and counters.
import { strict as assert } from 'node:assert';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { SIM_RULES } from '../sim/behaviour';
import { startSimulator, type Simulator } from '../sim/server';

const WEATHER_TOOL = {
  name: 'get_weather',
  description: 'Get the weather forecast for a city on a given date.',
  parameters: {
    type: 'object',
    properties: {
      city: { type: 'string', description: 'City name' },
      date: { type: 'string', format: 'date', description: 'Forecast date, YYYY-MM-DD' },
    },
    required: ['city', 'date'],
  },
};
const HOTEL_TOOL = {
  name: 'book_hotel',
  description: 'Book a hotel room in a city.',
  parameters: {
    type: 'object',
    properties: {
      city: { type: 'string', description: 'City of the hotel' },
      check_in: { type: 'string', format: 'date', description: 'Check-in date, YYYY-MM-DD' },
      nights: { type: 'integer', description: 'Number of nights' },
    },
    required: ['city', 'check_in', 'nights'],
  },
};
const ALL_RULES = ['You are a helpful travel assistant.', ...SIM_RULES.map((r) => r.sentence)].join('\n');

describe('model simulator over HTTP', () => {
  let sim: Simulator;
  let openai: OpenAI;
  let anthropic: Anthropic;

  before(async () => {
    sim = await startSimulator();
    openai = new OpenAI({ apiKey: 'sk-test', baseURL: sim.openaiBaseUrl, maxRetries: 0 });
    anthropic = new Anthropic({ apiKey: 'sk-ant-test', baseURL: sim.anthropicBaseUrl, maxRetries: 0 });
  });
  after(async () => {
    await sim.close();
  });
  beforeEach(() => {
    sim.configure({
      latencyMs: 0,
      jitterMs: 0,
      rateLimitRps: 0,
      errorRate: 0,
      hangRate: 0,
      dropRate: 0,
      malformedToolJsonRate: 0,
    });
    sim.reset();
  });

  const openaiWeather = (system: string, user: string, model = 'sim-1') =>
    openai.chat.completions.create({
      model,
      messages: [
        { role: 'system', content: system },
        { role: 'user', content: user },
      ],
      tools: [WEATHER_TOOL, HOTEL_TOOL].map((t) => ({ type: 'function' as const, function: t })),
    });

  it('answers OpenAI chat completions with tool calls and usage the SDK parses', async () => {
    const res = await openaiWeather(
      'You are a helpful travel assistant.',
      "What's the weather in Lisbon on 2026-12-05?",
    );
    const choice = res.choices[0]!;
    assert.equal(choice.finish_reason, 'tool_calls');
    const call = choice.message.tool_calls?.[0];
    assert.ok(call && call.type === 'function');
    assert.equal(call.function.name, 'get_weather');
    assert.deepEqual(JSON.parse(call.function.arguments), { city: 'Lisbon', date: '2026-12-05' });
    assert.ok(res.usage && res.usage.prompt_tokens > 0 && res.usage.completion_tokens > 0);
    assert.equal(res.usage.total_tokens, res.usage.prompt_tokens + res.usage.completion_tokens);
    assert.equal(res.usage.prompt_tokens_details?.cached_tokens, 0);
  });

  it('answers Anthropic messages with tool_use blocks and usage the SDK parses', async () => {
    const res = await anthropic.messages.create({
      model: 'sim-1',
      max_tokens: 256,
      system: [{ type: 'text', text: 'You are a helpful travel assistant.' }],
      messages: [{ role: 'user', content: [{ type: 'text', text: "What's the weather in Lisbon on 2026-12-05?" }] }],
      tools: [WEATHER_TOOL].map((t) => ({
        name: t.name,
        description: t.description,
        input_schema: t.parameters as Anthropic.Tool.InputSchema,
      })),
    });
    assert.equal(res.stop_reason, 'tool_use');
    const block = res.content.find((b) => b.type === 'tool_use');
    assert.ok(block);
    assert.equal(block.name, 'get_weather');
    assert.deepEqual(block.input, { city: 'Lisbon', date: '2026-12-05' });
    assert.ok(res.usage.input_tokens > 0 && res.usage.output_tokens > 0);
    assert.equal(res.usage.cache_read_input_tokens, 0);
  });

  it('changes its tool calls with the rules the system prompt states', async () => {
    const text =
      'Thanks! Please book a hotel in Vienna checking in on March 3rd 2027 for 2 nights and also tell me the weather in Vienna on March 3rd 2027.';
    const base = await openaiWeather('You are a helpful travel assistant.', text);
    const baseCalls = base.choices[0]!.message.tool_calls ?? [];
    assert.equal(baseCalls.length, 1);
    const first = baseCalls[0]!;
    assert.ok(first.type === 'function');
    assert.deepEqual(JSON.parse(first.function.arguments), { city: 'Vienna', check_in: 'March 3rd 2027', nights: '2' });

    const tuned = await openaiWeather(ALL_RULES, text);
    const calls = (tuned.choices[0]!.message.tool_calls ?? []).map((c) =>
      c.type === 'function' ? [c.function.name, JSON.parse(c.function.arguments)] : null,
    );
    assert.deepEqual(calls, [
      ['book_hotel', { city: 'Vienna', check_in: '2027-03-03', nights: 2 }],
      ['get_weather', { city: 'Vienna', date: '2027-03-03' }],
    ]);

    const smallTalk = await openaiWeather(ALL_RULES, 'Thanks, that is all!');
    assert.equal(smallTalk.choices[0]!.message.tool_calls, undefined);
    assert.equal(smallTalk.choices[0]!.finish_reason, 'stop');
    assert.ok((smallTalk.choices[0]!.message.content ?? '').length > 0);
  });

  it('reads earlier tool calls and tool results in both wire formats', async () => {
    const o = await openai.chat.completions.create({
      model: 'sim-1',
      messages: [
        { role: 'user', content: "What's the weather in Lisbon on 2026-12-05?" },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            {
              id: 'c1',
              type: 'function',
              function: { name: 'get_weather', arguments: '{"city":"Lisbon","date":"2026-12-05"}' },
            },
          ],
        },
        { role: 'tool', tool_call_id: 'c1', content: 'sunny, 18 C' },
      ],
      tools: [{ type: 'function', function: WEATHER_TOOL }],
    });
    assert.equal(o.choices[0]!.finish_reason, 'stop');
    assert.match(o.choices[0]!.message.content ?? '', /sunny, 18 C/);

    const followUp = await anthropic.messages.create({
      model: 'sim-1',
      max_tokens: 100,
      system: 'You are a helpful travel assistant.',
      messages: [
        { role: 'user', content: "What's the weather in Lisbon on 2026-12-05?" },
        {
          role: 'assistant',
          content: [{ type: 'tool_use', id: 't1', name: 'get_weather', input: { city: 'Lisbon', date: '2026-12-05' } }],
        },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 't1', content: 'sunny' },
            { type: 'text', text: 'And in Porto?' },
          ],
        },
      ],
      tools: [
        {
          name: WEATHER_TOOL.name,
          description: WEATHER_TOOL.description,
          input_schema: WEATHER_TOOL.parameters as Anthropic.Tool.InputSchema,
        },
      ],
    });
    const use = followUp.content.find((b) => b.type === 'tool_use');
    assert.ok(use);
    assert.deepEqual(use.input, { city: 'Porto', date: '2026-12-05' });
  });

  it('follows tool_choice none, required and a named tool', async () => {
    const ask = (tool_choice: OpenAI.Chat.ChatCompletionToolChoiceOption) =>
      openai.chat.completions.create({
        model: 'sim-1',
        messages: [
          { role: 'system', content: ALL_RULES },
          { role: 'user', content: 'Hello there!' },
        ],
        tools: [WEATHER_TOOL, HOTEL_TOOL].map((t) => ({ type: 'function' as const, function: t })),
        tool_choice,
      });
    assert.equal((await ask('auto')).choices[0]!.message.tool_calls, undefined);
    assert.equal((await ask('none')).choices[0]!.message.tool_calls, undefined);
    assert.equal((await ask('required')).choices[0]!.message.tool_calls?.length, 1);
    const named = (await ask({ type: 'function', function: { name: 'book_hotel' } })).choices[0]!.message
      .tool_calls?.[0];
    assert.ok(named && named.type === 'function');
    assert.equal(named.function.name, 'book_hotel');
  });

  it('acts as the meta model on both APIs, answering inside <prompt>', async () => {
    const ask = `Improve the prompt.\n<current_prompt>You are a helpful travel assistant.</current_prompt>\n<failures>\nsmalltalk-thanks: unexpected_call get_weather\n</failures>`;
    const o = await openai.chat.completions.create({ model: 'sim-meta', messages: [{ role: 'user', content: ask }] });
    const oText = o.choices[0]!.message.content ?? '';
    const abstain = SIM_RULES.find((r) => r.id === 'abstain')!.sentence;
    assert.match(oText, /<prompt>[\s\S]+<\/prompt>/);
    assert.ok(oText.includes(abstain), oText);

    const a = await anthropic.messages.create({
      model: 'sim-meta',
      max_tokens: 1024,
      messages: [{ role: 'user', content: ask }],
    });
    const aText = a.content.map((b) => (b.type === 'text' ? b.text : '')).join('');
    assert.equal(aText, oText);
    assert.equal(sim.counters().byMode.meta, 2);
  });

  it('answers 429 with retry-after-ms and retry-after beyond the rate limit', async () => {
    // 0.2/s: the window (5 s) is far longer than any test machine's pause between two calls.
    sim.configure({ rateLimitRps: 0.2, rateLimitBurst: 1 });
    await openaiWeather('s', 'weather in Lisbon on 2026-12-05');
    await assert.rejects(openaiWeather('s', 'weather in Lisbon on 2026-12-05'), (e: unknown) => {
      assert.ok(e instanceof OpenAI.APIError);
      assert.equal(e.status, 429);
      const ms = Number(e.headers?.get('retry-after-ms'));
      assert.ok(ms > 0 && ms <= 5000, `retry-after-ms ${ms}`);
      assert.equal(e.headers?.get('retry-after'), String(Math.ceil(ms / 1000)));
      return true;
    });
    await assert.rejects(
      anthropic.messages.create({ model: 'sim-1', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }),
      (e: unknown) => e instanceof Anthropic.RateLimitError && e.headers.get('retry-after-ms') !== null,
    );
    const c = sim.counters();
    assert.equal(c.rateLimited, 2);
    assert.equal(c.byStatus['429'], 2);
    assert.equal(c.byStatus['200'], 1);
  });

  it('injects 500/503 at the configured share, repeatably from the seed', async () => {
    sim.configure({ errorRate: 0.5, seed: 7 });
    const statuses = async (): Promise<number[]> => {
      const out: number[] = [];
      for (let i = 0; i < 12; i++) {
        out.push(
          await openaiWeather('s', 'weather in Oslo on 2026-01-01').then(
            () => 200,
            (e: unknown) => (e instanceof OpenAI.APIError ? (e.status ?? -1) : -2),
          ),
        );
      }
      return out;
    };
    const first = await statuses();
    assert.ok(
      first.some((s) => s === 500 || s === 503),
      first.join(','),
    );
    assert.ok(first.includes(200), first.join(','));
    assert.ok(
      first.every((s) => [200, 500, 503].includes(s)),
      first.join(','),
    );
    sim.reset();
    assert.deepEqual(await statuses(), first);
  });

  it('sends tool-call arguments that are not valid JSON when asked to', async () => {
    sim.configure({ malformedToolJsonRate: 1 });
    const res = await openaiWeather('s', "What's the weather in Lisbon on 2026-12-05?");
    const call = res.choices[0]!.message.tool_calls?.[0];
    assert.ok(call && call.type === 'function');
    assert.throws(() => JSON.parse(call.function.arguments));
  });

  it('holds hung requests until the client aborts, and counts them', async () => {
    sim.configure({ hangRate: 1 });
    const ac = new AbortController();
    const pending = openai.chat.completions.create(
      { model: 'sim-1', messages: [{ role: 'user', content: 'hi' }] },
      { signal: ac.signal },
    );
    for (let i = 0; i < 250 && sim.counters().hung === 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(sim.counters().hung, 1);
    assert.equal(sim.counters().inFlight, 1);
    ac.abort();
    await assert.rejects(pending, (e: unknown) => e instanceof OpenAI.APIUserAbortError);
    for (let i = 0; i < 50 && sim.counters().inFlight > 0; i++) await new Promise((r) => setTimeout(r, 20));
    const c = sim.counters();
    assert.equal(c.inFlight, 0);
    assert.equal(c.hung, 0);
    assert.equal(c.aborted, 1);
  });

  it('counts peak concurrency under latency', async () => {
    sim.configure({ latencyMs: 400 });
    await Promise.all(Array.from({ length: 5 }, () => openaiWeather('s', 'weather in Oslo on 2026-01-01')));
    const c = sim.counters();
    assert.equal(c.calls, 5);
    assert.equal(c.peakConcurrency, 5);
    assert.equal(c.inFlight, 0);
    const overHttp = (await (await fetch(`${sim.url}/__sim/counters`)).json()) as { calls: number };
    assert.equal(overHttp.calls, 5);
    await fetch(`${sim.url}/__sim/reset`, { method: 'POST' });
    assert.equal(sim.counters().calls, 0);
  });

  it('takes fault settings over HTTP and refuses bad ones naming the field', async () => {
    const ok = await fetch(`${sim.url}/__sim/config`, { method: 'POST', body: JSON.stringify({ latencyMs: 5 }) });
    assert.equal(ok.status, 200);
    assert.equal(sim.faults().latencyMs, 5);
    const bad = await fetch(`${sim.url}/__sim/config`, { method: 'POST', body: JSON.stringify({ errorRate: 2 }) });
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as { error: string }).error, /errorRate/);
  });

  it('refuses the key "bad-key" with 401 in each API\'s error shape', async () => {
    const badOpenai = new OpenAI({ apiKey: 'bad-key', baseURL: sim.openaiBaseUrl, maxRetries: 0 });
    await assert.rejects(
      badOpenai.chat.completions.create({ model: 'sim-1', messages: [{ role: 'user', content: 'hi' }] }),
      (e: unknown) => {
        assert.ok(e instanceof OpenAI.AuthenticationError);
        assert.equal((e.error as { code?: string }).code, 'invalid_api_key');
        return true;
      },
    );
    const badAnthropic = new Anthropic({ apiKey: 'bad-key', baseURL: sim.anthropicBaseUrl, maxRetries: 0 });
    await assert.rejects(
      badAnthropic.messages.create({ model: 'sim-1', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }),
      (e: unknown) => {
        assert.ok(e instanceof Anthropic.AuthenticationError);
        assert.equal((e.error as { error?: { type?: string } }).error?.type, 'authentication_error');
        return true;
      },
    );
  });

  it('fails the models fail-401, fail-500 and fail-400 always', async () => {
    const status = (model: string) =>
      openai.chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }] }).then(
        () => 200,
        (e: unknown) => (e instanceof OpenAI.APIError ? e.status : -1),
      );
    assert.deepEqual(await Promise.all(['fail-401', 'fail-500', 'fail-400'].map(status)), [401, 500, 400]);
    await assert.rejects(
      anthropic.messages.create({ model: 'fail-500', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }),
      (e: unknown) => e instanceof Anthropic.InternalServerError,
    );
  });

  it('refuses temperature on the Anthropic API as version 2026-10-21 does, and streaming on OpenAI', async () => {
    const params = {
      model: 'sim-1',
      max_tokens: 10,
      messages: [{ role: 'user' as const, content: 'hi' }],
      temperature: 0,
    };
    await assert.rejects(
      anthropic.messages.create(params as Anthropic.MessageCreateParamsNonStreaming),
      (e: unknown) => {
        assert.ok(e instanceof Anthropic.BadRequestError);
        assert.match(e.message, /temperature/);
        return true;
      },
    );
    await assert.rejects(
      openai.chat.completions.create({ model: 'sim-1', messages: [{ role: 'user', content: 'hi' }], stream: true }),
      (e: unknown) => {
        assert.ok(e instanceof OpenAI.BadRequestError);
        assert.match(e.message, /stream/);
        return true;
      },
    );
  });

  it('reports a repeated long prefix as cached input tokens', async () => {
    const longSystem = `You are a helpful travel assistant. ${'Follow the travel policy carefully. '.repeat(130)}`;
    const first = await openaiWeather(longSystem, 'weather in Oslo on 2026-01-01');
    const second = await openaiWeather(longSystem, 'weather in Rome on 2026-01-02');
    assert.equal(first.usage?.prompt_tokens_details?.cached_tokens, 0);
    const cached = second.usage?.prompt_tokens_details?.cached_tokens ?? 0;
    assert.ok(cached >= 1024 && cached < (second.usage?.prompt_tokens ?? 0), `cached ${cached}`);
  });
});
