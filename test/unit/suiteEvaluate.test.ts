import { strict as assert } from 'node:assert';
import {
  ModelError,
  type CallOptions,
  type GatewayEvent,
  type GatewayStats,
  type ModelGateway,
  type ModelRequest,
  type ModelResult,
  type ToolCall,
} from '../../src/core/models/types';
import { evaluatePrompt, type CaseResult } from '../../src/core/suites/evaluate';
import { parseSuite } from '../../src/core/suites/loadSuite';

const SUITE = parseSuite(
  JSON.stringify({
    name: 'Weather',
    tools: [
      {
        name: 'get_weather',
        parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
      },
    ],
    cases: [
      { id: 'lisbon', prompt: 'Weather in Lisbon?', expect: { tool: 'get_weather', args: { city: 'Lisbon' } } },
      { id: 'rome', prompt: 'Weather in Rome?', expect: { tool: 'get_weather', args: { city: 'Rome' } } },
      { id: 'thanks', prompt: 'Thanks!', expect: { noToolCall: true } },
    ],
  }),
  'weather.suite.json',
);

type Answer = (
  req: ModelRequest,
  callIndex: number,
) => { toolCalls?: ToolCall[]; text?: string; costUsd?: number | null } | Error;

const weatherCall = (city: string): ToolCall => ({
  name: 'get_weather',
  arguments: { city },
  rawArguments: JSON.stringify({ city }),
});
const lastUser = (req: ModelRequest) => {
  const m = req.messages.at(-1);
  return m && m.role === 'user' ? m.content : '';
};

/** Answers like a model that knows the city only when the system prompt says "use tools". */
const toolUser: Answer = (req) => {
  const text = lastUser(req);
  const city = /in (\w+)\?/.exec(text)?.[1];
  if (!city) return { text: 'You are welcome!' };
  return req.system?.includes('use tools') ? { toolCalls: [weatherCall(city)] } : { text: `It is sunny in ${city}.` };
};

class FakeGateway implements ModelGateway {
  requests: { req: ModelRequest; options: CallOptions | undefined }[] = [];
  private cache = new Set<string>();
  private pending: Array<() => void> = [];
  constructor(
    private answer: Answer,
    private opts: { manual?: boolean } = {},
  ) {}
  call(req: ModelRequest, options?: CallOptions): Promise<ModelResult> {
    const index = this.requests.length;
    this.requests.push({ req, options });
    return new Promise<ModelResult>((resolve, reject) => {
      const signal = options?.signal;
      const onAbort = () => reject(new ModelError('cancelled', 'cancelled'));
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      const run = () => {
        if (signal?.aborted) return;
        const a = this.answer(req, index);
        if (a instanceof Error) return reject(a);
        const key = JSON.stringify(req);
        const cached = options?.cache !== false && this.cache.has(key);
        if (options?.cache !== false) this.cache.add(key);
        resolve({
          model: req.model,
          text: a.text ?? '',
          toolCalls: a.toolCalls ?? [],
          usage: cached
            ? { inputTokens: 0, outputTokens: 0, cachedInputTokens: 0 }
            : { inputTokens: 10, outputTokens: 2, cachedInputTokens: 0 },
          latencyMs: cached ? 0 : 5,
          costUsd: a.costUsd === undefined ? 0.001 : a.costUsd,
          cached,
        });
      };
      if (this.opts.manual) this.pending.push(run);
      else setImmediate(run);
    });
  }
  /** Manual mode: lets the next queued call answer. */
  release(n = 1, from = 0): void {
    for (const run of this.pending.splice(from, n)) run();
  }
  get waiting(): number {
    return this.pending.length;
  }
  onEvent(_listener: (event: GatewayEvent) => void): () => void {
    return () => {};
  }
  stats(): GatewayStats {
    return {
      calls: 0,
      cacheHits: 0,
      retries: 0,
      usage: { inputTokens: 0, outputTokens: 0, cachedInputTokens: 0 },
      costUsd: 0,
      costIncomplete: false,
    };
  }
  measuredLatencyMs(): number | undefined {
    return undefined;
  }
}

const tick = () => new Promise((r) => setImmediate(r));

describe('evaluatePrompt', () => {
  it('runs every case on every model and scores passed / (cases × models)', async () => {
    const gateway = new FakeGateway(toolUser);
    const seen: CaseResult[] = [];
    const good = await evaluatePrompt({
      suite: SUITE,
      prompt: 'Always use tools.',
      models: ['sim/a', 'sim/b'],
      gateway,
      onResult: (r) => seen.push(r),
    });
    assert.equal(good.score, 1);
    assert.equal(seen.length, 6);
    assert.deepEqual(
      good.cases.map((c) => `${c.caseId}@${c.model}`),
      ['lisbon@sim/a', 'lisbon@sim/b', 'rome@sim/a', 'rome@sim/b', 'thanks@sim/a', 'thanks@sim/b'],
    );
    const plain = await evaluatePrompt({
      suite: SUITE,
      prompt: 'Be nice.',
      models: ['sim/a', 'sim/b'],
      gateway: new FakeGateway(toolUser),
    });
    assert.equal(plain.score, 2 / 6);
    assert.deepEqual(plain.perModel, [
      { model: 'sim/a', score: 1 / 3, passed: 1, total: 3 },
      { model: 'sim/b', score: 1 / 3, passed: 1, total: 3 },
    ]);
    const lisbon = plain.cases[0]!;
    assert.equal(lisbon.reason, 'no_call');
    assert.match(lisbon.detail!, /sunny in Lisbon/);
  });

  it('sends the prompt as system, the case messages and the suite tools', async () => {
    const gateway = new FakeGateway(toolUser);
    await evaluatePrompt({ suite: SUITE, prompt: 'Always use tools.', models: ['sim/a'], gateway, caseIds: ['rome'] });
    assert.equal(gateway.requests.length, 1);
    const { req, options } = gateway.requests[0]!;
    assert.deepEqual(req, {
      model: 'sim/a',
      system: 'Always use tools.',
      messages: [{ role: 'user', content: 'Weather in Rome?' }],
      tools: SUITE.tools,
    });
    assert.equal(options?.cache, true);
    assert.ok(options.signal instanceof AbortSignal);
    const noPrompt = new FakeGateway(toolUser);
    await evaluatePrompt({ suite: SUITE, prompt: '  ', models: ['sim/a'], gateway: noPrompt, caseIds: ['rome'] });
    assert.equal('system' in noPrompt.requests[0]!.req, false);
  });

  it('issues every call at once (the gateway queues)', async () => {
    const gateway = new FakeGateway(toolUser, { manual: true });
    const run = evaluatePrompt({ suite: SUITE, prompt: 'use tools', models: ['sim/a', 'sim/b'], gateway, repeat: 2 });
    await tick();
    assert.equal(gateway.waiting, 12);
    gateway.release(12);
    assert.equal((await run).cases.length, 12);
  });

  it('totals come from the call results: calls, cache hits, usage, cost', async () => {
    const gateway = new FakeGateway(toolUser);
    const first = await evaluatePrompt({ suite: SUITE, prompt: 'use tools', models: ['sim/a'], gateway });
    assert.equal(first.calls, 3);
    assert.equal(first.cacheHits, 0);
    assert.deepEqual(first.usage, { inputTokens: 30, outputTokens: 6, cachedInputTokens: 0 });
    assert.ok(Math.abs(first.costUsd - 0.003) < 1e-12);
    assert.equal(first.costIncomplete, false);
    const again = await evaluatePrompt({ suite: SUITE, prompt: 'use tools', models: ['sim/a'], gateway });
    assert.equal(again.calls, 0);
    assert.equal(again.cacheHits, 3);
    assert.equal(again.costUsd, 0);
    assert.equal(again.score, 1);
    const noCache = await evaluatePrompt({
      suite: SUITE,
      prompt: 'use tools',
      models: ['sim/a'],
      gateway,
      cache: false,
    });
    assert.equal(noCache.calls, 3);
  });

  it('marks the cost incomplete when a price is unknown', async () => {
    const gateway = new FakeGateway((req, i) => ({ ...toolUser(req, i), costUsd: i === 0 ? null : 0.002 }));
    const s = await evaluatePrompt({ suite: SUITE, prompt: 'use tools', models: ['sim/a'], gateway });
    assert.equal(s.costIncomplete, true);
    assert.ok(Math.abs(s.costUsd - 0.004) < 1e-12);
  });

  it('repeat K: real tries after the first, mean and pass^k', async () => {
    // Rome passes only on even call indexes: inconsistent, so pass^k < mean.
    const gateway = new FakeGateway((req, i) =>
      lastUser(req).includes('Rome') && i % 2 === 1 ? { text: 'no' } : toolUser(req, i),
    );
    const s = await evaluatePrompt({ suite: SUITE, prompt: 'use tools', models: ['sim/a'], gateway, repeat: 3 });
    assert.equal(s.cases.length, 9);
    // Every repeat uses the cache with its own repeat index (its own entry: a fresh sample, never repeat 1's).
    assert.deepEqual(
      gateway.requests.map((r) => [r.options?.cache, r.options?.repeat]),
      [1, 2, 3, 1, 2, 3, 1, 2, 3].map((k) => [true, k]),
    );
    const rome = s.cases.filter((c) => c.caseId === 'rome');
    assert.deepEqual(
      rome.map((c) => c.repeat),
      [0, 1, 2],
    );
    assert.ok(rome.some((c) => !c.pass));
    assert.equal(s.score, (9 - rome.filter((c) => !c.pass).length) / 9);
    assert.equal(s.passHatK, 2 / 3);
    const single = await evaluatePrompt({
      suite: SUITE,
      prompt: 'use tools',
      models: ['sim/a'],
      gateway: new FakeGateway(toolUser),
    });
    assert.equal(single.passHatK, undefined);
  });

  it('rejects on the first ModelError and cancels the calls still running', async () => {
    const gateway = new FakeGateway(
      (req, i) => (i === 1 ? new ModelError('auth', '401 from sim: check the key', 401) : toolUser(req, i)),
      { manual: true },
    );
    const seen: CaseResult[] = [];
    const run = evaluatePrompt({
      suite: SUITE,
      prompt: 'use tools',
      models: ['sim/a'],
      gateway,
      onResult: (r) => seen.push(r),
    });
    await tick();
    gateway.release(1); // call 0 answers
    await tick();
    assert.equal(seen.length, 1);
    gateway.release(1); // call 1 fails
    await assert.rejects(run, (e: unknown) => e instanceof ModelError && e.kind === 'auth');
    assert.equal(gateway.requests[2]!.options?.signal?.aborted, true);
    gateway.release(5);
    await tick();
    assert.equal(seen.length, 1, 'no result is reported after the failure');
  });

  it('on a budget stop lets running calls finish, reports them, then rejects with the budget error', async () => {
    const gateway = new FakeGateway(
      (req, i) => (i >= 2 ? new ModelError('budget', 'budget reached: $1.00 spent of $1.00') : toolUser(req, i)),
      { manual: true },
    );
    const seen: CaseResult[] = [];
    const run = evaluatePrompt({
      suite: SUITE,
      prompt: 'use tools',
      models: ['sim/a', 'sim/b'],
      gateway,
      onResult: (r) => seen.push(r),
    });
    await tick();
    gateway.release(4, 2); // calls 2..5 are refused by the budget first
    await tick();
    gateway.release(2); // then the two running calls answer
    await assert.rejects(run, (e: unknown) => e instanceof ModelError && e.kind === 'budget');
    assert.equal(seen.length, 2);
    assert.ok(
      gateway.requests.every((r) => r.options?.signal?.aborted),
      'nothing is left running',
    );
  });

  it('rejects with a cancelled ModelError when the caller aborts', async () => {
    const gateway = new FakeGateway(toolUser, { manual: true });
    const controller = new AbortController();
    const run = evaluatePrompt({
      suite: SUITE,
      prompt: 'use tools',
      models: ['sim/a'],
      gateway,
      signal: controller.signal,
    });
    await tick();
    controller.abort();
    await assert.rejects(run, (e: unknown) => e instanceof ModelError && e.kind === 'cancelled');
    assert.ok(gateway.requests.every((r) => r.options?.signal?.aborted));
    await assert.rejects(
      evaluatePrompt({ suite: SUITE, prompt: 'x', models: ['sim/a'], gateway, signal: controller.signal }),
      (e: unknown) => e instanceof ModelError && e.kind === 'cancelled',
    );
  });

  it('runs only the chosen cases and refuses unknown ids', async () => {
    const s = await evaluatePrompt({
      suite: SUITE,
      prompt: 'use tools',
      models: ['sim/a'],
      gateway: new FakeGateway(toolUser),
      caseIds: ['thanks', 'lisbon'],
    });
    assert.deepEqual(
      s.cases.map((c) => c.caseId),
      ['lisbon', 'thanks'],
    );
    await assert.rejects(
      evaluatePrompt({
        suite: SUITE,
        prompt: 'x',
        models: ['sim/a'],
        gateway: new FakeGateway(toolUser),
        caseIds: ['paris'],
      }),
      /unknown case id\(s\): paris/,
    );
    const empty = await evaluatePrompt({
      suite: SUITE,
      prompt: 'x',
      models: ['sim/a'],
      gateway: new FakeGateway(toolUser),
      caseIds: [],
    });
    assert.equal(empty.cases.length, 0);
  });

  it('refuses a bad repeat or no models', async () => {
    await assert.rejects(
      evaluatePrompt({ suite: SUITE, prompt: 'x', models: ['sim/a'], gateway: new FakeGateway(toolUser), repeat: 0 }),
      /repeat/,
    );
    await assert.rejects(
      evaluatePrompt({ suite: SUITE, prompt: 'x', models: [], gateway: new FakeGateway(toolUser) }),
      /models/,
    );
  });
});
