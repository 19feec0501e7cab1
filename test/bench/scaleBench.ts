// Scale-test benchmark against the simulator: conversations per second and orchestration overhead against
// the ideal at concurrency 1, 3 and 5 with a fixed simulated latency. The ideal has no overhead at all:
// ⌈runs / concurrency⌉ rounds × (calls per conversation × latency) + the summarizer's calls × latency.
// Prints one table of ratios; never fails on time. Run: npm run bench:scale
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parseAgent } from '../../src/core/agents/loadAgent';
import { createCliGateway } from '../../src/core/models/cliGateway';
import type { Gateway } from '../../src/core/models/gateway';
import { createPriceBook } from '../../src/core/models/prices';
import type { CallOptions, ModelRequest } from '../../src/core/models/types';
import { parseScaleConfig } from '../../src/core/scale/config';
import { startScaleRun } from '../../src/core/scale/engine';
import { ScaleRunsRepository } from '../../src/core/scale/runsRepository';
import { openWorkspaceStore } from '../../src/core/workspaceStore';
import { printTable, startBenchSim } from './benchSupport';

const RUNS = Number(process.env.BENCH_SCALE_RUNS ?? 10);
const LATENCY_MS = Number(process.env.BENCH_SCALE_LATENCY_MS ?? 100);

/** One scenario for every run, so every conversation makes the same calls (the table shows whether it did). */
const AGENT_JSON = {
  name: 'Bench desk',
  systemPrompt: 'You are a hotel front desk assistant. Use the tools to book rooms. Be brief.',
  maxTurns: 3,
  tools: [
    {
      name: 'book_room',
      description: 'Book a hotel room in a city',
      parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
      mock: { result: { ok: true, confirmation: 'OSL123' } },
    },
  ],
  scenarios: [
    {
      id: 'oslo',
      persona: 'A brief business traveller.',
      goal: 'Book a room in Oslo.',
      openingMessage: 'Book me a room in Oslo please.',
    },
  ],
};

interface Row {
  scenario: string;
  wallS: number;
  idealS: number;
  convPerS: number;
  calls: number;
  callsPerConv: string;
  overheadMsPerCall: number;
  /** Wall time inside the repository's durable writes, per call on the critical path. */
  storeMsPerCall: number;
  outcomes: string;
}

/** Time spent in the repository's durable writes (the runtime persists synchronously, on the event loop). */
let storeWriteMs = 0;
const write = ScaleRunsRepository.prototype.write;
ScaleRunsRepository.prototype.write = function (this: ScaleRunsRepository, w) {
  const t = performance.now();
  try {
    write.call(this, w);
  } finally {
    storeWriteMs += performance.now() - t;
  }
};

/** Counts calls per conversation (agent and user calls carry seed + index) and the rest (judge, summarizer). */
function countingGateway(inner: Gateway): { gateway: Gateway; bySeed: Map<number, number>; unseeded: () => number } {
  const bySeed = new Map<number, number>();
  let unseeded = 0;
  const gateway: Gateway = Object.create(inner) as Gateway;
  gateway.call = (request: ModelRequest, options?: CallOptions) => {
    if (request.seed !== undefined) bySeed.set(request.seed, (bySeed.get(request.seed) ?? 0) + 1);
    else unseeded += 1;
    return inner.call(request, options);
  };
  return { gateway, bySeed, unseeded: () => unseeded };
}

async function benchOne(
  baseUrl: string,
  concurrency: number,
  staggerMs: [number, number],
  label: string,
): Promise<Row> {
  const ws = mkdtempSync(path.join(tmpdir(), 'pt-bench-scale-'));
  const agentFile = path.join(ws, 'bench.agent.json');
  writeFileSync(agentFile, JSON.stringify(AGENT_JSON));
  const agent = parseAgent(JSON.stringify(AGENT_JSON), 'bench.agent.json');
  const store = await openWorkspaceStore({ dir: path.join(ws, '.prompt-tuner') });
  try {
    const inner = createCliGateway({
      env: { OPENAI_BASE_URL: baseUrl, OPENAI_API_KEY: 'bench' },
      workspace: ws,
      store,
      noCache: true,
    });
    const { gateway, bySeed, unseeded } = countingGateway(inner);
    const prices = createPriceBook();
    await prices.ready();
    const config = parseScaleConfig({
      agentFile: 'bench.agent.json',
      agentModel: 'openai/sim-1',
      systemPrompt: AGENT_JSON.systemPrompt,
      runs: RUNS,
      concurrency,
      seed: 1000,
    });
    storeWriteMs = 0;
    const started = performance.now();
    const job = startScaleRun(config, { agent, gateway, store, prices, staggerMs });
    const final = await job.done;
    const wallS = (performance.now() - started) / 1000;
    await inner.onIdle();
    const report = final.report;
    const ledger = report?.stats.cost.byRole ?? [];
    const calls = ledger.reduce((s, l) => s + l.calls, 0);
    const summarizerCalls = ledger.find((l) => l.role === 'summarizer')?.calls ?? 0;
    const perConvSeeded = [...bySeed.values()];
    // Judge calls carry no seed: shared out evenly over the conversations.
    const judgePerConv = (unseeded() - summarizerCalls) / RUNS;
    const perConv = perConvSeeded.map((n) => n + judgePerConv);
    const mean = perConv.reduce((s, n) => s + n, 0) / Math.max(1, perConv.length);
    const rounds = Math.ceil(RUNS / concurrency);
    const criticalCalls = rounds * mean + summarizerCalls;
    const idealS = (criticalCalls * LATENCY_MS) / 1000;
    const min = Math.min(...perConv);
    const max = Math.max(...perConv);
    const s = report?.stats;
    return {
      scenario: label,
      wallS,
      idealS,
      convPerS: RUNS / wallS,
      calls,
      callsPerConv: min === max ? min.toFixed(1) : `${min.toFixed(1)}–${max.toFixed(1)}`,
      overheadMsPerCall: ((wallS - idealS) * 1000) / criticalCalls,
      storeMsPerCall: storeWriteMs / criticalCalls,
      outcomes: s
        ? `${final.status}: ${s.passed} pass, ${s.failed} fail, ${s.unscored} unscored`
        : `${final.status}: ${final.error ?? 'no report'}`,
    };
  } finally {
    await store.close();
  }
}

/** The same number of calls, one after another, through the gateway alone: what HTTP and the SDK cost per call. */
async function transportBaseline(baseUrl: string): Promise<Row> {
  const ws = mkdtempSync(path.join(tmpdir(), 'pt-bench-scale-'));
  const gateway = createCliGateway({
    env: { OPENAI_BASE_URL: baseUrl, OPENAI_API_KEY: 'bench' },
    workspace: ws,
    noCache: true,
  });
  const calls = 50;
  const started = performance.now();
  for (let i = 0; i < calls; i++) {
    await gateway.call({
      model: 'openai/sim-1',
      system: AGENT_JSON.systemPrompt,
      messages: [{ role: 'user', content: `Hello (#${i})` }],
      seed: i,
    });
  }
  const wallS = (performance.now() - started) / 1000;
  const idealS = (calls * LATENCY_MS) / 1000;
  return {
    scenario: 'gateway only, sequential',
    wallS,
    idealS,
    convPerS: NaN,
    calls,
    callsPerConv: '-',
    overheadMsPerCall: ((wallS - idealS) * 1000) / calls,
    storeMsPerCall: NaN,
    outcomes: 'transport baseline',
  };
}

async function main(): Promise<void> {
  const sim = await startBenchSim();
  const rows: Row[] = [];
  try {
    await sim.configure({ latencyMs: LATENCY_MS, jitterMs: 0 });
    // Warm-up (SDK and tokenizer loading, JIT), not reported.
    await benchOne(sim.openaiBaseUrl, 2, [0, 0], 'warm-up');
    rows.push(await transportBaseline(sim.openaiBaseUrl));
    for (const c of [1, 3, 5]) rows.push(await benchOne(sim.openaiBaseUrl, c, [0, 0], `c=${c}, no stagger`));
    rows.push(await benchOne(sim.openaiBaseUrl, 5, [200, 400], 'c=5, stagger 200–400 ms'));
  } finally {
    await sim.close();
  }
  const header = [
    'scenario',
    'wall s',
    'ideal s',
    'ideal/wall',
    'conv/s',
    'calls',
    'calls/conv',
    'overhead ms/call',
    'of which store',
    'result',
  ];
  const lines = rows.map((r) => [
    r.scenario,
    r.wallS.toFixed(2),
    r.idealS.toFixed(2),
    (r.idealS / r.wallS).toFixed(3),
    Number.isNaN(r.convPerS) ? '-' : r.convPerS.toFixed(2),
    String(r.calls),
    r.callsPerConv,
    r.overheadMsPerCall.toFixed(1),
    Number.isNaN(r.storeMsPerCall) ? '-' : r.storeMsPerCall.toFixed(1),
    r.outcomes,
  ]);
  printTable(
    `\nScale benchmark: ${RUNS} conversations, simulated latency ${LATENCY_MS} ms per call (ideal = ⌈runs/c⌉ × calls per conversation × latency + summarizer)`,
    header,
    lines,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
