// Gateway benchmark against the simulator: orchestration overhead (wall time vs the ideal at a given
// concurrency) and behaviour under a rate limit (throughput vs the limit, retries, lost calls).
// Prints one table of ratios; never fails on time. Run: npm run bench:gateway
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
const RATE = Number(process.env.BENCH_RATE ?? 50);
const RATE_CALLS = Number(process.env.BENCH_RATE_CALLS ?? 400);
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
    for (const concurrency of [8, 32]) {
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
        extra: `bare SDK ${bareS.toFixed(2)} s (ratio ${(idealS / bareS).toFixed(3)}); gateway/bare ${(wallS / bareS).toFixed(3)}; peak at sim ${(await sim.counters()).peakConcurrency}`,
      });
    }

    await sim.configure({ latencyMs: 10, jitterMs: 0, rateLimitRps: RATE, rateLimitBurst: BURST });
    await sim.reset();
    const gw = createCliGateway({
      env,
      workspace: ws,
      concurrency: 32,
      noCache: true,
      retry: { maxRetryAfterMs: 10_000 },
    });
    const started = performance.now();
    const settled = await Promise.allSettled(Array.from({ length: RATE_CALLS }, (_, i) => gw.call(request(i))));
    const wallS = (performance.now() - started) / 1000;
    const ok = settled.filter((s) => s.status === 'fulfilled').length;
    // The bucket starts full: BURST calls pass at once, the rest at R per second.
    const achieved = Math.max(0, ok - BURST) / wallS;
    const counters = await sim.counters();
    rows.push({
      scenario: `rate limit R=${RATE}/s burst ${BURST} c=32`,
      calls: RATE_CALLS,
      ok,
      wallS,
      idealS: Math.max(0, RATE_CALLS - BURST) / RATE,
      ratio: achieved / RATE,
      retries: gw.stats().retries,
      extra: `${achieved.toFixed(1)} req/s achieved, ${counters.rateLimited} × 429, lost ${RATE_CALLS - ok}`,
    });
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
  const stubCalls = 20_000;
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
    extra: `${((stubS / stubCalls) * 1e6).toFixed(0)} µs of gateway time per call`,
  });

  const header = ['scenario', 'calls', 'ok', 'wall s', 'ideal s', 'ratio', 'retries', 'notes'];
  const lines = rows.map((r) => [
    r.scenario,
    String(r.calls),
    String(r.ok),
    r.wallS.toFixed(2),
    r.idealS.toFixed(2),
    Number.isNaN(r.ratio) ? '-' : r.ratio.toFixed(3),
    String(r.retries),
    r.extra,
  ]);
  printTable(
    '\nGateway benchmark (ratio: ideal/wall for orchestration, achieved/R for the rate limit; target ≥ 0.95 and ≥ 0.9)',
    header,
    lines,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
