import assert from 'node:assert/strict';
import { parseTuneConfig, survivorCount, TuneConfigError } from '../../src/core/tuning/config';
import { createGateway } from '../../src/core/models/gateway';
import type { ModelProvider } from '../../src/core/models/providerTypes';
import { DEFAULT_CONCURRENCY, estimateTune, formatEstimate, generationPlan } from '../../src/core/tuning/estimate';

const base = {
  suiteFile: 's.suite.json',
  mode: 'evolutionary',
  metaModel: 'openai/meta',
  targetModels: ['openai/a'],
  basePrompt: 'Be helpful.',
};

function refused(input: unknown): TuneConfigError {
  try {
    parseTuneConfig(input);
  } catch (e) {
    assert.ok(e instanceof TuneConfigError, `expected TuneConfigError, got ${String(e)}`);
    return e;
  }
  assert.fail('config was accepted');
}

describe('tuning config', () => {
  it('fills defaults for population, generations and selection ratio', () => {
    const c = parseTuneConfig(base);
    assert.equal(c.population, 6);
    assert.equal(c.generations, 3);
    assert.equal(c.selectionRatio, 0.5);
  });

  it('refuses out-of-range values with a message naming the field and the range', () => {
    for (const [field, value, range] of [
      ['population', 25, '2 to 20'],
      ['population', 1, '2 to 20'],
      ['generations', 11, '1 to 10'],
      ['generations', 0, '1 to 10'],
      ['selectionRatio', 0.95, '0.1 to 0.9'],
      ['selectionRatio', 0.05, '0.1 to 0.9'],
      ['validationSplit', 0.6, '0 to 0.5'],
    ] as const) {
      const e = refused({ ...base, [field]: value });
      assert.equal(e.field, field);
      assert.match(
        e.message,
        new RegExp(`^${field}: .*${range.replace('.', '\\.')}.*${String(value).replace('.', '\\.')}`),
      );
    }
  });

  it('refuses a fractional population, an empty base prompt, no target model and a bad mode', () => {
    assert.match(refused({ ...base, population: 3.5 }).message, /^population: must be a whole number/);
    assert.match(refused({ ...base, basePrompt: '  ' }).message, /^basePrompt: must not be empty/);
    assert.match(refused({ ...base, targetModels: [] }).message, /^targetModels: choose at least one/);
    assert.match(refused({ ...base, mode: 'fast' }).message, /^mode: must be quick or evolutionary/);
    assert.match(refused({ ...base, metaModel: 'gpt-4o' }).message, /^metaModel: expected provider\/model/);
    assert.match(
      refused({ ...base, targetModels: ['openai/a', 'openai/a'] }).message,
      /^targetModels: a model is listed twice/,
    );
  });

  it('keeps at least one child per generation when the ratio rounds up to the whole population', () => {
    assert.equal(survivorCount(10, 0.3), 3);
    assert.equal(survivorCount(10, 0.5), 5);
    assert.equal(survivorCount(4, 0.9), 3);
    assert.equal(survivorCount(2, 0.5), 1);
  });
});

describe('tuning estimate', () => {
  it('counts meta calls plus cases × models × evaluated candidates (quick)', () => {
    const e = estimateTune(
      { mode: 'quick', population: 5, generations: 4, selectionRatio: 0.5, targetModels: ['openai/a', 'openai/b'] },
      10,
      () => 100,
    );
    assert.equal(e.metaCalls, 4);
    assert.equal(e.evalCalls, 5 * 10 * 2);
    assert.equal(e.calls, 104);
    assert.match(e.warning ?? '', /104 API calls \(more than 100\)/);
  });

  it('evolutionary: later generations only evaluate the children, survivors carry their scores', () => {
    const plan = generationPlan({ mode: 'evolutionary', population: 6, generations: 3, selectionRatio: 0.5 });
    assert.deepEqual(plan, [
      { metaCalls: 5, evaluated: 6 },
      { metaCalls: 3, evaluated: 3 },
      { metaCalls: 3, evaluated: 3 },
    ]);
    const e = estimateTune(
      { mode: 'evolutionary', population: 6, generations: 3, selectionRatio: 0.5, targetModels: ['openai/a'] },
      4,
      () => undefined,
    );
    assert.equal(e.calls, 11 + 12 * 4);
    assert.equal(e.warning, null);
  });

  it('uses measured latency when known, else the stated default, divided by the concurrency', () => {
    const cfg = {
      mode: 'quick' as const,
      population: 2,
      generations: 1,
      selectionRatio: 0.5,
      targetModels: ['openai/a'],
      metaModel: 'openai/m',
      concurrency: 2,
    };
    const measured = estimateTune(cfg, 3, () => 1000);
    // 1 meta call + 6 evaluations at 1 s, two at a time
    assert.equal(measured.seconds, 3.5);
    assert.equal(measured.assumedDefaultLatency, false);
    const unknown = estimateTune(cfg, 3, () => undefined);
    assert.equal(unknown.seconds, 5.3);
    assert.equal(unknown.assumedDefaultLatency, true);
    assert.equal(formatEstimate(unknown), '7 API calls, ~6s (assumed 1.5 s per call: openai/m, openai/a; 2 at a time)');
  });

  it('assumes the same default concurrency as the gateway really runs', async () => {
    const controller = new AbortController();
    let running = 0;
    let most = 0;
    const hung: ModelProvider = {
      id: 'hung',
      api: 'openai',
      send: (_m, _r, signal) => {
        running += 1;
        most = Math.max(most, running);
        return new Promise((_resolve, reject) =>
          signal.addEventListener('abort', () => {
            running -= 1;
            reject(new Error('aborted'));
          }),
        );
      },
    };
    const gateway = createGateway({ providers: [hung] });
    const calls = Array.from({ length: DEFAULT_CONCURRENCY + 4 }, (_, i) =>
      gateway
        .call({ model: 'hung/x', messages: [{ role: 'user', content: `${i}` }] }, { signal: controller.signal })
        .catch(() => undefined),
    );
    await new Promise((r) => setTimeout(r, 100));
    controller.abort();
    await Promise.all(calls);
    assert.equal(most, DEFAULT_CONCURRENCY);
  });

  it('says which latencies were measured and which assumed', () => {
    const e = estimateTune(
      {
        mode: 'quick',
        population: 2,
        generations: 1,
        selectionRatio: 0.5,
        targetModels: ['openai/a', 'openai/b'],
        metaModel: 'openai/m',
      },
      3,
      (m) => (m === 'openai/a' ? 820 : m === 'openai/m' ? 2400 : undefined),
    );
    assert.deepEqual(
      (e.latencies ?? []).map((l) => [l.model, l.ms, l.measured]),
      [
        ['openai/m', 2400, true],
        ['openai/a', 820, true],
        ['openai/b', 1500, false],
      ],
    );
    assert.equal(
      formatEstimate(e),
      `13 API calls, ~${Math.ceil(e.seconds)}s (measured: openai/m 2.4 s, openai/a 820 ms; assumed 1.5 s per call: openai/b; 8 at a time)`,
    );
  });

  it("assumes the concurrency the run really uses: the flag, else the provider's, else the gateway default of 8", () => {
    const cfg = {
      mode: 'quick' as const,
      population: 2,
      generations: 1,
      selectionRatio: 0.5,
      targetModels: ['openai/a'],
      metaModel: 'anthropic/m',
    };
    // 1 meta call + 2 evaluations × 4 cases at 0.8 s each
    assert.equal(estimateTune(cfg, 4, () => 800).seconds, 0.9);
    const perProvider = estimateTune(
      cfg,
      4,
      () => 800,
      (m) => (m.startsWith('anthropic/') ? 1 : 4),
    );
    assert.equal(perProvider.seconds, 2.4);
    assert.match(formatEstimate(perProvider), /at a time: anthropic\/m 1, openai\/a 4\)$/);
    assert.equal(
      estimateTune(
        { ...cfg, concurrency: 2 },
        4,
        () => 800,
        () => 4,
      ).seconds,
      3.6,
    );
  });
});
