// Gateway benchmark against the simulator: orchestration overhead (wall time vs the ideal at a given
// concurrency) and behaviour under a rate limit (throughput vs the limit, requests per successful call,
// lost calls). Prints one table of ratios; never fails on time. Run: npm run bench:gateway
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import OpenAI from 'openai';
import { createCliGateway } from '../../src/core/models/cliGateway';
import { createGateway } from '../../src/core/models/gateway';
import type { ModelProvider } from '../../src/core/models/providerTypes';
import { toOpenAiBody } from '../../src/core/models/openaiProvider';
import type { ModelRequest } from '../../src/core/models/types';
import { printTable, startBenchSim } from './benchSupport';

const CALLS = Number(process.env.BENCH_CALLS ?? 1000);
const LATENCY_MS = 100;
/** Rate-limit scenarios: the 10 req/s with 102 calls at the default and at a high concurrency, then a faster limit. */
const RATE_SCENARIOS: { rate: number; calls: number; concurrency: number }[] = process.env.BENCH_RATE
  ? [
      {
        rate: Number(process.env.BENCH_RATE),
        calls: Number(process.env.BENCH_RATE_CALLS ?? 400),
        concurrency: Number(process.env.BENCH_RATE_CONCURRENCY ?? 32),
      },
    ]
  : [
      { rate: 10, calls: 102, concurrency: 8 },
      { rate: 10, calls: 102, concurrency: 32 },
      { rate: 50, calls: 400, concurrency: 32 },
    ];
/** BENCH_ONLY=rate: only the rate-limit scenarios (a quick look while tuning the pacer). */
const ONLY_RATE = process.env.BENCH_ONLY === 'rate';
/** Requests the simulator's bucket lets through at once; excluded from the achieved rate. */
const BURST = 10;

interface Row {
  scenario: string;
  calls: number;
  ok: number;
  wallS: number;
  idealS: number;
  ratio: number;
  retries: number;
  /** Requests the simulator received per successful call (ideal 1); NaN when not measured. */
  perCall: number;
  extra: string;
}

const request = (i: number): ModelRequest => ({
  model: 'openai/sim-1',
  system: 'You are a travel assistant.',
  messages: [{ role: 'user', content: `What's the weather in Lisbon on 2026-12-05? (#${i})` }],
  tools: [
    {
      name: 'get_weather',
      description: 'Weather for a city on a date',
      parameters: {
        type: 'object',
        properties: { city: { type: 'string' }, date: { type: 'string' } },
        required: ['city', 'date'],
      },
    },
  ],
  maxTokens: 100,
});

async function main(): Promise<void> {
  const sim = await startBenchSim();
  const ws = mkdtempSync(path.join(tmpdir(), 'pt-bench-gw-'));
  const env = { OPENAI_BASE_URL: sim.openaiBaseUrl, OPENAI_API_KEY: 'bench' };
  const rows: Row[] = [];
  try {
    for (const concurrency of ONLY_RATE ? [] : [8, 32]) {
      await sim.configure({ latencyMs: LATENCY_MS, jitterMs: 0, rateLimitRps: 0 });
      await sim.reset();
      // Baseline: the bare SDK with a plain worker pool, to tell this machine's limits from gateway overhead.
      const sdk = new OpenAI({ apiKey: 'bench', baseURL: sim.openaiBaseUrl, maxRetries: 0 });
      let next = 0;
      const bareStart = performance.now();
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (next < CALLS) {
            const i = next++;
            await sdk.chat.completions.create(toOpenAiBody('sim-1', request(i)));
          }
        }),
      );
      const bareS = (performance.now() - bareStart) / 1000;
      await sim.reset();
      const gw = createCliGateway({ env, workspace: ws, concurrency, noCache: true });
      const started = performance.now();
      const settled = await Promise.allSettled(Array.from({ length: CALLS }, (_, i) => gw.call(request(i))));
      const wallS = (performance.now() - started) / 1000;
      const idealS = (CALLS * LATENCY_MS) / concurrency / 1000;
      rows.push({
        scenario: `orchestration c=${concurrency}`,
        calls: CALLS,
        ok: settled.filter((s) => s.status === 'fulfilled').length,
        wallS,
        idealS,
        ratio: idealS / wallS,
        retries: gw.stats().retries,
        perCall: NaN,
        extra: `bare SDK ${bareS.toFixed(2)} s (ratio ${(idealS / bareS).toFixed(3)}); gateway/bare ${(wallS / bareS).toFixed(3)}; peak at sim ${(await sim.counters()).peakConcurrency}`,
      });
    }

    // A few calls first so the first rate-limit scenario does not pay for this process's cold start
    // (module loading, first connections) in its pacing.
    await sim.configure({ latencyMs: 10, jitterMs: 0, rateLimitRps: 0 });
    const warm = createCliGateway({ env, workspace: ws, concurrency: 8, noCache: true });
    await Promise.all(Array.from({ length: 40 }, (_, i) => warm.call(request(i))));
    for (const { rate, calls, concurrency } of RATE_SCENARIOS) {
      await sim.configure({ latencyMs: 10, jitterMs: 0, rateLimitRps: rate, rateLimitBurst: BURST });
      await sim.reset();
      const gw = createCliGateway({
        env,
        workspace: ws,
        concurrency,
        noCache: true,
        retry: { maxRetryAfterMs: 10_000 },
      });
      const started = performance.now();
      const settled = await Promise.allSettled(Array.from({ length: calls }, (_, i) => gw.call(request(i))));
      const wallS = (performance.now() - started) / 1000;
      const ok = settled.filter((s) => s.status === 'fulfilled').length;
      // The bucket starts full: BURST calls pass at once, the rest at R per second.
      const achieved = Math.max(0, ok - BURST) / wallS;
      const counters = await sim.counters();
      const perCall = ok > 0 ? counters.calls / ok : NaN;
      rows.push({
        scenario: `rate limit R=${rate}/s burst ${BURST} c=${concurrency}`,
        calls,
        ok,
        wallS,
        idealS: Math.max(0, calls - BURST) / rate,
        ratio: achieved / rate,
        retries: gw.stats().retries,
        perCall,
        extra: `${achieved.toFixed(1)} req/s achieved (ideal ${rate}); ${counters.calls} requests, ${counters.rateLimited} × 429; lost ${calls - ok}`,
      });
    }
  } finally {
    await sim.close();
  }

  // The gateway's own cost per call (queue, gate, events, price lookup) with a provider that answers at once.
  const stub: ModelProvider = {
    id: 'openai',
    api: 'openai',
    priceProviderId: 'openai',
    send: async () => ({
      text: 'ok',
      toolCalls: [],
      usage: { inputTokens: 100, outputTokens: 10, cachedInputTokens: 0 },
    }),
  };
  const stubGateway = createGateway({ providers: [stub], concurrency: 32 });
  const stubCalls = ONLY_RATE ? 0 : 20_000;
  const stubStart = performance.now();
  await Promise.all(
    Array.from({ length: stubCalls }, (_, i) => stubGateway.call({ ...request(i), model: 'openai/gpt-4o-mini' })),
  );
  const stubS = (performance.now() - stubStart) / 1000;
  rows.push({
    scenario: 'overhead (stub provider)',
    calls: stubCalls,
    ok: stubCalls,
    wallS: stubS,
    idealS: 0,
    ratio: NaN,
    retries: 0,
    perCall: NaN,
    extra: `${((stubS / stubCalls) * 1e6).toFixed(0)} µs of gateway time per call`,
  });

  const header = ['scenario', 'calls', 'ok', 'wall s', 'ideal s', 'ratio', 'req/call', 'retries', 'notes'];
  const lines = rows.map((r) => [
    r.scenario,
    String(r.calls),
    String(r.ok),
    r.wallS.toFixed(2),
    r.idealS.toFixed(2),
    Number.isNaN(r.ratio) ? '-' : r.ratio.toFixed(3),
    Number.isNaN(r.perCall) ? '-' : r.perCall.toFixed(3),
    String(r.retries),
    r.extra,
  ]);
  printTable(
    '\nGateway benchmark (ratio: ideal/wall for orchestration, target ≥ 0.95; rate limit: ratio achieved/R, target ≥ 0.95, req/call = requests per successful call, ideal 1, target ≤ 1.3, nothing lost)',
    header,
    lines,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
