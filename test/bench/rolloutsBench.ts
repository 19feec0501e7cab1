// Rollouts beyond one machine, measured: rollouts per second of a baseline run (Tau's mode, one model call per
// rollout) with 1, 2 and 4 worker processes of 2 workers each at a fixed simulated latency, against the ideal
// slots / latency (no store, no polling, nothing else), on SQLite (the trainer's local workers: the same number
// of slots in one process) and on PostgreSQL (`prompt-tuner optimize worker` child processes and a trainer
// with no local workers). The ratio is of the whole run (start to report); `ratio (window)` of the rollouts alone
// (first attempt's start to last rollout's end); `attempt ms` is the mean claim-to-end time of one attempt (the
// latency plus the worker's own work), so what is left between attempts is the queue's. Then the cost of one
// dequeue with 1k and 100k queued rollouts on both (it should stay flat: the queue is indexed). Prints tables of ratios; never fails on time. Run: npm run bench:rollouts.
// PostgreSQL comes from test/support/postgres.ts (a throwaway cluster); without a server only SQLite is measured.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createCliGateway } from '../../src/core/models/cliGateway';
import { parseOptimizeConfig } from '../../src/core/optimize/config';
import { openRolloutStore } from '../../src/core/optimize/store/openRolloutStore';
import { startOptimization, type OptimizeStart } from '../../src/core/optimize/trainer';
import type { NewRollout, OptimizeConfig, RolloutStore } from '../../src/core/optimize/types';
import { startPostgres, type PgServer } from '../support/postgres';
import { printTable, startBenchSim, type BenchSim } from './benchSupport';

const LATENCY_MS = Number(process.env.BENCH_ROLLOUTS_LATENCY_MS ?? 200);
/** Rounds of the slots: every scenario runs slots × ROUNDS rollouts, so each lasts about ROUNDS × latency. */
const ROUNDS = Number(process.env.BENCH_ROLLOUTS_ROUNDS ?? 20);
/** `none`: only the dequeue cost. */
const PROCESSES = (process.env.BENCH_ROLLOUTS_PROCESSES ?? '1,2,4')
  .split(',')
  .filter((p) => p !== 'none')
  .map(Number);
const WORKERS_PER_PROCESS = 2;
const QUEUE_SIZES = (process.env.BENCH_ROLLOUTS_QUEUED ?? '1000,100000').split(',').map(Number);
/** Dequeues timed per queue size (from the head of the queue: each takes the oldest). */
const DEQUEUES = Number(process.env.BENCH_ROLLOUTS_DEQUEUES ?? 200);
const MODEL = 'openai/sim-1';
const ROOT = path.join(__dirname, '..', '..');
const CLI_MAIN = path.join(ROOT, 'src/cli/main.ts');

interface ThroughputRow {
  backend: string;
  processes: number;
  slots: number;
  rollouts: number;
  wallS: number;
  perS: number;
  /** From the first attempt's start to the last rollout's end (the database's times): the rollouts alone, without the run's start and report. */
  windowS: number;
  /** Mean time from an attempt's claim to its end. */
  attemptMs: number;
  idealPerS: number;
  result: string;
}

interface DequeueRow {
  backend: string;
  queued: number;
  enqueueMsPerRollout: number;
  anyRunMs: number;
  runFilterMs: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function benchConfig(rollouts: number, workerCount: number, tag: string): OptimizeConfig {
  // Echo items: one model call each; distinct prompts so no cache could answer one.
  const optimize = Array.from({ length: rollouts }, (_, i) => ({
    prompt: `ping ${tag} ${i}`,
    expected: `(simulator) You said: ping ${tag} ${i}`,
  }));
  return parseOptimizeConfig(
    JSON.stringify({
      optimize,
      resources: { system_prompt: 'You are a concise assistant.' },
      worker_count: workerCount,
      completion_timeout_secs: 600,
    }),
    'bench.json',
  ).config;
}

function gatewayFor(sim: BenchSim, dir: string) {
  return createCliGateway({
    env: { OPENAI_BASE_URL: sim.openaiBaseUrl, OPENAI_API_KEY: 'bench' },
    workspace: dir,
    noCache: true,
    concurrency: 64,
  });
}

/** One run, timed from its start to its end (enqueue, every rollout, the report). */
async function timedRun(
  store: RolloutStore,
  sim: BenchSim,
  dir: string,
  config: OptimizeConfig,
  extra: Partial<OptimizeStart>,
): Promise<{ wallS: number; windowS: number; attemptMs: number; result: string }> {
  const started = performance.now();
  const job = await startOptimization(
    { store, gateway: gatewayFor(sim, dir) },
    { config, configPath: 'bench.json', model: MODEL, storePath: store.location, ...extra },
  );
  const final = await job.done;
  const wallS = (performance.now() - started) / 1000;
  const r = final.report;
  const attempts = await store.attempts({ run_id: final.runId });
  const starts = attempts.map((a) => Date.parse(a.started_at));
  const spans = attempts.filter((a) => a.ended_at).map((a) => Date.parse(a.ended_at!) - Date.parse(a.started_at));
  const ends = (await store.rollouts({ run_id: final.runId }))
    .map((x) => (x.end_time ? Date.parse(x.end_time) : Number.NaN))
    .filter(Number.isFinite);
  return {
    wallS,
    windowS: starts.length && ends.length ? (Math.max(...ends) - Math.min(...starts)) / 1000 : Number.NaN,
    attemptMs: spans.length ? spans.reduce((a, b) => a + b, 0) / spans.length : Number.NaN,
    result: r
      ? `${final.status}: ${r.succeeded}/${r.total_rollouts} succeeded, ${r.failed} failed`
      : `${final.status}: ${final.error ?? 'no report'}`,
  };
}

function row(
  backend: string,
  processes: number,
  slots: number,
  rollouts: number,
  run: { wallS: number; windowS: number; attemptMs: number; result: string },
): ThroughputRow {
  return {
    backend,
    processes,
    slots,
    rollouts,
    wallS: run.wallS,
    perS: rollouts / run.wallS,
    windowS: run.windowS,
    attemptMs: run.attemptMs,
    idealPerS: (slots * 1000) / LATENCY_MS,
    result: run.result,
  };
}

/** SQLite: the trainer's own workers, as many slots as the worker processes would have. */
async function sqliteThroughput(sim: BenchSim, processes: number): Promise<ThroughputRow> {
  const slots = processes * WORKERS_PER_PROCESS;
  const rollouts = slots * ROUNDS;
  const dir = mkdtempSync(path.join(tmpdir(), 'pt-bench-rollouts-'));
  const store = await openRolloutStore(path.join(dir, 'store.sqlite'), { create: true });
  try {
    return row(
      'sqlite (local workers)',
      processes,
      slots,
      rollouts,
      await timedRun(store, sim, dir, benchConfig(rollouts, slots, `s${processes}`), {}),
    );
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `prompt-tuner optimize worker` as a child process, as on another machine. */
function spawnWorker(
  url: string,
  sim: BenchSim,
  index: number,
): { child: ChildProcess; exited: Promise<number | null>; output: () => string } {
  const child = spawn(
    process.execPath,
    [
      '--require',
      'tsx/cjs',
      CLI_MAIN,
      'optimize',
      'worker',
      '--store',
      url,
      '--model',
      MODEL,
      '--worker-count',
      String(WORKERS_PER_PROCESS),
      '--json',
    ],
    {
      cwd: ROOT,
      env: { ...process.env, OPENAI_BASE_URL: sim.openaiBaseUrl, OPENAI_API_KEY: 'bench' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  const keep = (d: Buffer) => {
    out = (out + d.toString('utf8')).slice(-4000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  void exited.then((code) => {
    if (code !== 0 && code !== null) console.error(`worker process ${index} exited with ${code}: ${out.trim()}`);
  });
  return { child, exited, output: () => out };
}

/** Waits until `count` workers are registered and not stopped (the processes have loaded and connected). */
async function untilWorkers(store: RolloutStore, count: number, timeoutMs: number, why: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const live = (await store.workers()).filter((w) => w.stopped_at === null).length;
    if (live >= count) return;
    if (Date.now() > deadline)
      throw new Error(`only ${live} of ${count} workers registered after ${timeoutMs} ms: ${why()}`);
    await sleep(100);
  }
}

/** PostgreSQL: `processes` worker processes of 2 workers each, then a trainer that only enqueues and waits. */
async function pgThroughput(pg: PgServer, sim: BenchSim, processes: number): Promise<ThroughputRow> {
  const slots = processes * WORKERS_PER_PROCESS;
  const rollouts = slots * ROUNDS;
  const url = await pg.createDatabase();
  const dir = mkdtempSync(path.join(tmpdir(), 'pt-bench-rollouts-'));
  // Created (migrated) here first, so the workers find the schema.
  const store = await openRolloutStore(url, { create: true });
  const workers = Array.from({ length: processes }, (_, i) => spawnWorker(url, sim, i));
  try {
    // Process start-up (tsx, the SDKs) is not part of the rollouts' rate.
    await untilWorkers(store, slots, 120_000, () => workers.map((w) => w.output().trim()).join(' | '));
    const run = await timedRun(store, sim, dir, benchConfig(rollouts, slots, `p${processes}`), { localWorkers: false });
    return row('postgres (worker processes)', processes, slots, rollouts, run);
  } finally {
    for (const w of workers) w.child.kill('SIGTERM');
    await Promise.race([Promise.all(workers.map((w) => w.exited)), sleep(15_000)]);
    for (const w of workers) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The same slots as local workers of one trainer on PostgreSQL: what the separate processes cost, if anything. */
async function pgLocalThroughput(pg: PgServer, sim: BenchSim, processes: number): Promise<ThroughputRow> {
  const slots = processes * WORKERS_PER_PROCESS;
  const rollouts = slots * ROUNDS;
  const url = await pg.createDatabase();
  const dir = mkdtempSync(path.join(tmpdir(), 'pt-bench-rollouts-'));
  const store = await openRolloutStore(url, { create: true });
  try {
    return row(
      'postgres (local workers)',
      processes,
      slots,
      rollouts,
      await timedRun(store, sim, dir, benchConfig(rollouts, slots, `l${processes}`), {}),
    );
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** ms per dequeue from a queue of `queued` rollouts of two runs: without a run filter (worker processes) and with one (a trainer's own workers). */
async function dequeueCost(
  backend: string,
  open: () => Promise<{ store: RolloutStore; done: () => Promise<void> }>,
  queued: number,
): Promise<DequeueRow> {
  const { store, done } = await open();
  try {
    const config = benchConfig(1, 1, 'q');
    const mk = (n: number) =>
      store.createRun({
        run_id: `bench-run-${n}`,
        model_ref: MODEL,
        config_path: 'bench.json',
        config,
        store_path: store.location,
      });
    const runs = [await mk(1), await mk(2)];
    const res = await store.addResources(
      { system_prompt: 'You are a concise assistant.' },
      { run_id: runs[0]!.run_id, label: 'initial', parent_version: null, latest: true },
    );
    const rolloutConfig = { max_attempts: 1, timeout_seconds: null, unresponsive_seconds: 3, retry_condition: [] };
    const enqueueStarted = performance.now();
    const CHUNK = 5000;
    for (let from = 0; from < queued; from += CHUNK) {
      const batch: NewRollout[] = [];
      for (let i = from; i < Math.min(queued, from + CHUNK); i++) {
        // Alternating runs: the run filter has to skip the other run's rollouts.
        const run = runs[i % 2]!;
        batch.push({
          rollout_id: `train-${run.run_number}-${i}`,
          run_id: run.run_id,
          input: { prompt: `ping ${i}`, expected: `(simulator) You said: ping ${i}` },
          mode: 'train',
          config: rolloutConfig,
          metadata: { run_id: run.run_id, item_index: i, set: 'optimize', purpose: 'baseline' },
          resources_id: res.resources_id,
        });
      }
      await store.enqueue(batch);
    }
    const enqueueMsPerRollout = (performance.now() - enqueueStarted) / queued;
    await store.registerWorker({ worker_id: 'bench-worker', run_id: null, pid: process.pid, host: 'bench' });
    const time = async (opts: { runId?: string }) => {
      // A few untimed first (prepared statements, caches), as a running worker has.
      for (let i = 0; i < 5; i++) await store.dequeue('bench-worker', opts);
      const t = performance.now();
      for (let i = 0; i < DEQUEUES; i++) {
        if (!(await store.dequeue('bench-worker', opts))) throw new Error(`${backend}: the queue of ${queued} ran dry`);
      }
      return (performance.now() - t) / DEQUEUES;
    };
    const anyRunMs = await time({});
    const runFilterMs = await time({ runId: runs[1]!.run_id });
    return { backend, queued, enqueueMsPerRollout, anyRunMs, runFilterMs };
  } finally {
    await done();
  }
}

async function main(): Promise<void> {
  const pgStarted = await startPostgres({ maxConnections: 300 });
  const pg = 'skip' in pgStarted ? null : pgStarted;
  if (!pg) console.log(`PostgreSQL not measured: ${(pgStarted as { skip: string }).skip}`);
  const sim = await startBenchSim();
  const throughput: ThroughputRow[] = [];
  const dequeues: DequeueRow[] = [];
  try {
    await sim.configure({ latencyMs: LATENCY_MS, jitterMs: 0 });
    for (const p of PROCESSES) throughput.push(await sqliteThroughput(sim, p));
    if (pg && PROCESSES.length > 0) {
      for (const p of PROCESSES) throughput.push(await pgThroughput(pg, sim, p));
      throughput.push(await pgLocalThroughput(pg, sim, Math.max(...PROCESSES)));
    }
    for (const n of QUEUE_SIZES) {
      dequeues.push(
        await dequeueCost(
          'sqlite',
          async () => {
            const dir = mkdtempSync(path.join(tmpdir(), 'pt-bench-dequeue-'));
            const store = await openRolloutStore(path.join(dir, 'store.sqlite'), { create: true });
            return { store, done: async () => (await store.close(), rmSync(dir, { recursive: true, force: true })) };
          },
          n,
        ),
      );
      if (pg) {
        const url = await pg.createDatabase();
        dequeues.push(
          await dequeueCost(
            'postgres',
            async () => {
              const store = await openRolloutStore(url, { create: true });
              return { store, done: () => store.close() };
            },
            n,
          ),
        );
      }
    }
  } finally {
    await sim.close();
    await pg?.stop();
  }
  printTable(
    `\nRollouts beyond one machine: ${ROUNDS} rollouts per slot (one model call each), simulated latency ${LATENCY_MS} ms, ${WORKERS_PER_PROCESS} workers per process; ideal = slots / latency (target on PostgreSQL: ratio >= 0.9 at 8 slots)`,
    [
      'backend',
      'processes',
      'slots',
      'rollouts',
      'wall s',
      'rollouts/s',
      'ideal/s',
      'ratio',
      'rollouts window s',
      'ratio (window)',
      'attempt ms',
      'result',
    ],
    throughput.map((r) => [
      r.backend,
      String(r.processes),
      String(r.slots),
      String(r.rollouts),
      r.wallS.toFixed(2),
      r.perS.toFixed(1),
      r.idealPerS.toFixed(1),
      (r.perS / r.idealPerS).toFixed(3),
      r.windowS.toFixed(2),
      (r.rollouts / r.windowS / r.idealPerS).toFixed(3),
      r.attemptMs.toFixed(0),
      r.result,
    ]),
  );
  printTable(
    `\nDequeue cost per rollout (${DEQUEUES} dequeues from the head of a queue of two runs' rollouts; should stay flat as the queue grows)`,
    ['backend', 'queued', 'enqueue ms/rollout', 'dequeue ms (any run)', 'dequeue ms (run filter)'],
    dequeues.map((d) => [
      d.backend,
      String(d.queued),
      d.enqueueMsPerRollout.toFixed(3),
      d.anyRunMs.toFixed(2),
      d.runFilterMs.toFixed(2),
    ]),
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
