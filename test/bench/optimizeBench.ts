// Prompt-optimization benchmark against the simulator: rollouts per second of a baseline run (Tau's mode, no
// APO) on the real SQLite rollout store for worker_count 1, 2, 4 and 8 at a fixed simulated latency, against the
// ideal worker_count / latency (no store, no polling, no overhead at all). Prints one table of ratios; never
// fails on time. Run: npm run bench:optimize.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createCliGateway } from '../../src/core/models/cliGateway';
import { parseOptimizeConfig } from '../../src/core/optimize/config';
import { openSqliteRolloutStore } from '../../src/core/optimize/store/sqliteRolloutStore';
import { startOptimization } from '../../src/core/optimize/trainer';
import type { RolloutStore } from '../../src/core/optimize/types';
import { printTable, startBenchSim } from './benchSupport';

const ROLLOUTS = Number(process.env.BENCH_OPTIMIZE_ROLLOUTS ?? 64);
const LATENCY_MS = Number(process.env.BENCH_OPTIMIZE_LATENCY_MS ?? 40);
const WORKERS = (process.env.BENCH_OPTIMIZE_WORKERS ?? '1,2,4,8').split(',').map(Number);

interface Row {
  label: string;
  workers: number;
  wallS: number;
  idealS: number;
  perS: number;
  idealPerS: number;
  /** Wall time inside the store's calls (synchronous sql.js + journal fsync, on the event loop), per rollout. */
  storeMsPerRollout: number;
  /** Durable commits (one fsync each) of the workers' calls, per rollout: claims, span writes, endings, heartbeats. */
  commitsPerRollout: number;
  result: string;
}

/** Times every store call (they run on the event loop, so they are the overhead the ideal leaves out). */
function timedStore(inner: RolloutStore): { store: RolloutStore; ms: () => number; commits: () => number } {
  let ms = 0;
  let commits = 0;
  const store = Object.create(inner) as RolloutStore;
  for (const key of [
    'dequeue',
    'addSpans',
    'heartbeat',
    'finishAttempt',
    'sweep',
    'rollouts',
    'counters',
    'enqueue',
  ] as const) {
    const fn = inner[key] as (...args: unknown[]) => Promise<unknown>;
    (store as unknown as Record<string, unknown>)[key] = async (...args: unknown[]) => {
      const t = performance.now();
      try {
        const result = await fn.apply(inner, args);
        // An empty dequeue and a lost ending write nothing.
        if (
          (key === 'dequeue' && result !== undefined) ||
          key === 'addSpans' ||
          key === 'heartbeat' ||
          (key === 'finishAttempt' && result === 'recorded')
        )
          commits++;
        return result;
      } finally {
        ms += performance.now() - t;
      }
    };
  }
  const persist = inner.persistJob.bind(inner);
  store.persistJob = (runId, w) => {
    const t = performance.now();
    try {
      persist(runId, w);
    } finally {
      ms += performance.now() - t;
    }
  };
  return { store, ms: () => ms, commits: () => commits };
}

async function benchOne(baseUrl: string, workers: number, label: string): Promise<Row> {
  const dir = mkdtempSync(path.join(tmpdir(), 'pt-bench-optimize-'));
  const inner = await openSqliteRolloutStore(path.join(dir, 'store.sqlite'));
  const { store, ms, commits } = timedStore(inner);
  try {
    const gateway = createCliGateway({
      env: { OPENAI_BASE_URL: baseUrl, OPENAI_API_KEY: 'bench' },
      workspace: dir,
      noCache: true,
      concurrency: 16,
    });
    // Echo items: every rollout is one model call; distinct prompts so nothing could be served from a cache.
    const optimize = Array.from({ length: ROLLOUTS }, (_, i) => ({
      prompt: `ping ${i}`,
      expected: `(simulator) You said: ping ${i}`,
    }));
    const { config } = parseOptimizeConfig(
      JSON.stringify({
        optimize,
        resources: { system_prompt: 'You are a concise assistant.' },
        worker_count: workers,
        completion_timeout_secs: 300,
      }),
      'bench.json',
    );
    const started = performance.now();
    const job = await startOptimization(
      { store, gateway },
      { config, configPath: 'bench.json', model: 'openai/sim-1', storePath: path.join(dir, 'store.sqlite') },
    );
    const final = await job.done;
    const wallS = (performance.now() - started) / 1000;
    const idealS = (Math.ceil(ROLLOUTS / workers) * LATENCY_MS) / 1000;
    const r = final.report;
    return {
      label,
      workers,
      wallS,
      idealS,
      perS: ROLLOUTS / wallS,
      idealPerS: (workers * 1000) / LATENCY_MS,
      storeMsPerRollout: ms() / ROLLOUTS,
      commitsPerRollout: commits() / ROLLOUTS,
      result: r
        ? `${final.status}: ${r.succeeded} succeeded, ${r.failed} failed, mean reward ${r.mean_reward.optimize?.toFixed(2) ?? 'n/a'}`
        : `${final.status}: ${final.error ?? 'no report'}`,
    };
  } finally {
    await inner.close();
  }
}

async function main(): Promise<void> {
  const sim = await startBenchSim();
  const rows: Row[] = [];
  try {
    await sim.configure({ latencyMs: LATENCY_MS, jitterMs: 0 });
    // Warm-up (SDK loading, sql.js, JIT), not reported.
    await benchOne(sim.openaiBaseUrl, 2, 'warm-up');
    for (const w of WORKERS) rows.push(await benchOne(sim.openaiBaseUrl, w, `worker_count=${w}`));
  } finally {
    await sim.close();
  }
  const header = [
    'scenario',
    'wall s',
    'ideal s',
    'rollouts/s',
    'ideal/s',
    'ratio',
    'store ms/rollout',
    'worker commits/rollout',
    'result',
  ];
  const lines = rows.map((r) => [
    r.label,
    r.wallS.toFixed(2),
    r.idealS.toFixed(2),
    r.perS.toFixed(1),
    r.idealPerS.toFixed(1),
    (r.perS / r.idealPerS).toFixed(3),
    r.storeMsPerRollout.toFixed(1),
    r.commitsPerRollout.toFixed(2),
    r.result,
  ]);
  printTable(
    `\nPrompt-optimization benchmark: ${ROLLOUTS} rollouts (Tau's mode, one call each), simulated latency ${LATENCY_MS} ms; ideal = worker_count / latency rollouts per second`,
    header,
    lines,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
