// The shared-store scenarios, one suite for both backends: `optimize worker` child processes and a trainer
// (`optimize run --no-local-workers`, in this process) on one store against the simulator. Every rollout succeeds
// exactly once; SIGTERM of a worker finishes its attempt and exits 0 with its rows stopped; `kill -9` of a worker
// mid-run leaves attempts the watchdog takes back (unresponsive), requeued and finished by the other processes.
import { strict as assert } from 'node:assert';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { OptimizeReport, RolloutStore } from '../../src/core/optimize/types';
import type { Simulator } from '../sim/server';
import { runCliInProcess, simEnv, type CliRun } from './cliHarness';
import { assertEachSucceededOnce, spawnWorker, stopWorkerProcess, type WorkerProcess } from './workerProcesses';

export interface SharedStore {
  /** What --store gets (a file path or a URL). */
  location: string;
  /** Opens it to check the outcome (closed by the scenario). */
  open(): Promise<RolloutStore>;
}

export interface ScenarioEnv {
  sim: () => Simulator;
  /** A fresh, empty store per test. */
  freshStore(): Promise<SharedStore>;
  /** Worker processes per test (3 on PostgreSQL, 2 on SQLite). */
  processes: number;
}

const HEARTBEAT_MS = 500;

export const QUESTIONS = [
  'What is 12 + 7?',
  'What is 6 times 7?',
  'What is the capital of France?',
  'What is 20 minus 8?',
  'What is the capital of Japan?',
  'What is 9 * 9?',
];
export const ANSWERS = ['19', '42', 'Paris', '12', 'Tokyo', '81'];

/**
 * A config of `n` optimize items (the questions repeated), two attempts per rollout. Heartbeats every 500 ms
 * (unresponsive after 1.5 s): several processes on a loaded machine can leave a busy worker unheard for a few
 * hundred ms, and the kill -9 case does not wait for it (a dead pid on this host is taken back at the next sweep).
 */
export function sharedConfig(n: number, extra: Record<string, unknown> = {}) {
  return {
    train: Array.from({ length: n }, (_, i) => ({
      prompt: QUESTIONS[i % QUESTIONS.length],
      expected: ANSWERS[i % ANSWERS.length],
    })),
    val: [],
    resources: { system_prompt: 'You are a concise assistant.' },
    worker_count: 2,
    poll_interval_ms: 10,
    heartbeat_interval_ms: HEARTBEAT_MS,
    completion_poll_interval_ms: 20,
    completion_timeout_secs: 120,
    max_attempts: 2,
    ...extra,
  };
}

export function writeConfig(config: unknown): { ws: string; configFile: string } {
  const ws = mkdtempSync(path.join(tmpdir(), 'pt-shared-'));
  const configFile = path.join(ws, 'po.json');
  writeFileSync(configFile, JSON.stringify(config, null, 2));
  return { ws, configFile };
}

/** The trainer, in this process: only enqueues, watches and reports. */
export function runTrainer(
  location: string,
  configFile: string,
  ws: string,
  sim: Simulator,
  extra: string[] = [],
): Promise<CliRun> {
  return runCliInProcess(
    [
      'optimize',
      'run',
      '--config',
      configFile,
      '--model',
      'openai/sim-1',
      '--store',
      location,
      '--no-local-workers',
      '--json',
      ...extra,
    ],
    { cwd: ws, env: simEnv(sim) },
  );
}

export async function startWorkers(
  n: number,
  location: string,
  sim: Simulator,
  extra: string[] = [],
): Promise<WorkerProcess[]> {
  const workers = Array.from({ length: n }, () =>
    spawnWorker(location, simEnv(sim), [
      '--worker-count',
      '2',
      '--poll-ms',
      '10',
      '--heartbeat-ms',
      String(HEARTBEAT_MS),
      ...extra,
    ]),
  );
  await Promise.all(workers.map((w) => w.waitFor((l) => l.type === 'worker_start', 'worker_start', 90_000)));
  return workers;
}

export function sharedStoreScenarios(name: string, env: ScenarioEnv): void {
  describe(`optimize worker processes and a trainer without local workers (${name})`, function () {
    this.timeout(240_000);
    let workers: WorkerProcess[] = [];
    afterEach(async () => {
      await Promise.all(workers.map((w) => stopWorkerProcess(w)));
      workers = [];
    });

    it(`${env.processes} worker processes and a trainer on one store: every rollout succeeds exactly once, run by the worker processes`, async () => {
      const sim = env.sim();
      sim.configure({ latencyMs: 40 });
      const store = await env.freshStore();
      const total = 24;
      const { ws, configFile } = writeConfig(sharedConfig(total));
      workers = await startWorkers(env.processes, store.location, sim);
      const r = await runTrainer(store.location, configFile, ws, sim);
      assert.equal(r.code, 0, r.err);
      const report = JSON.parse(r.out) as OptimizeReport;
      assert.equal(report.total_rollouts, total);
      assert.equal(report.succeeded, total);
      const s = await store.open();
      try {
        const byRollout = await assertEachSucceededOnce(s, report.run_id, total);
        const ids = new Set(
          workers.flatMap(
            (w) => (w.lines.find((l) => l.type === 'worker_start') as { worker_ids: string[] }).worker_ids,
          ),
        );
        for (const [rollout, attempts] of byRollout)
          for (const a of attempts)
            assert.ok(ids.has(a.worker_id), `${rollout} was run by ${a.worker_id}, not a worker process`);
        // The work is shared: more than one process took rollouts.
        const busy = workers.filter((w) => w.lines.some((l) => l.type === 'claim'));
        assert.ok(busy.length >= 2, `only ${busy.length} worker process(es) took rollouts`);
      } finally {
        await s.close();
      }
    });

    it('SIGTERM of a worker with an attempt in flight: it finishes the attempt, exits 0, and its workers are stopped', async () => {
      const sim = env.sim();
      sim.configure({ latencyMs: 600 });
      const store = await env.freshStore();
      const total = 8;
      const { ws, configFile } = writeConfig(sharedConfig(total));
      workers = await startWorkers(env.processes, store.location, sim);
      const trainer = runTrainer(store.location, configFile, ws, sim);
      const victim = workers[0]!;
      const claim = (await victim.waitFor((l) => l.type === 'claim', 'a claim')) as { attempt_id: string };
      victim.child.kill('SIGTERM');
      const exit = await victim.exited;
      assert.deepEqual(exit, { code: 0, signal: null }, victim.stderr());
      const ended = victim.lines.find((l) => l.type === 'rollout_end' && l.attempt_id === claim.attempt_id) as
        { outcome: string } | undefined;
      assert.equal(ended?.outcome, 'succeeded', `the attempt in flight was finished: ${JSON.stringify(victim.lines)}`);
      assert.deepEqual(victim.inFlight(), [], 'nothing left in flight');
      assert.ok(victim.lines.some((l) => l.type === 'stopping'));
      const r = await trainer;
      assert.equal(r.code, 0, r.err);
      const report = JSON.parse(r.out) as OptimizeReport;
      const s = await store.open();
      try {
        const byRollout = await assertEachSucceededOnce(s, report.run_id, total);
        const mine = new Set(
          (victim.lines.find((l) => l.type === 'worker_start') as { worker_ids: string[] }).worker_ids,
        );
        // Nothing of the stopped process was taken back by a watchdog: it ended what it had.
        for (const attempts of byRollout.values())
          for (const a of attempts) if (mine.has(a.worker_id)) assert.equal(a.status, 'succeeded');
        const rows = (await s.workers()).filter((w) => mine.has(w.worker_id));
        assert.equal(rows.length, mine.size);
        for (const w of rows) {
          assert.notEqual(w.stopped_at, null, `${w.worker_id} is stopped`);
          assert.equal(w.active_attempt_id, null);
        }
      } finally {
        await s.close();
      }
    });

    it('kill -9 of a worker mid-run: its attempts become unresponsive, are requeued and finished by the others', async () => {
      const sim = env.sim();
      sim.configure({ latencyMs: 400 });
      const store = await env.freshStore();
      const total = 12;
      const { ws, configFile } = writeConfig(sharedConfig(total));
      workers = await startWorkers(env.processes, store.location, sim);
      const trainer = runTrainer(store.location, configFile, ws, sim);
      const victim = workers[0]!;
      await victim.waitFor((l) => l.type === 'claim', 'a claim');
      victim.child.kill('SIGKILL');
      await victim.exited;
      const lostInFlight = victim.inFlight();
      assert.ok(lostInFlight.length > 0, 'the killed process had an attempt in flight');
      const r = await trainer;
      assert.equal(r.code, 0, r.err);
      const report = JSON.parse(r.out) as OptimizeReport;
      assert.equal(report.succeeded, total);
      const s = await store.open();
      try {
        const byRollout = await assertEachSucceededOnce(s, report.run_id, total);
        const mine = new Set(
          (victim.lines.find((l) => l.type === 'worker_start') as { worker_ids: string[] }).worker_ids,
        );
        const attempts = await s.attempts({ run_id: report.run_id });
        for (const id of lostInFlight) {
          const a = attempts.find((x) => x.attempt_id === id);
          assert.ok(a, `attempt ${id} is stored`);
          assert.ok(a.status === 'unresponsive' || a.status === 'timeout', `${id} is ${a.status}`);
          const retried = byRollout.get(a.rollout_id)!.find((x) => x.status === 'succeeded');
          assert.ok(retried && !mine.has(retried.worker_id), `${a.rollout_id} was finished by another process`);
        }
      } finally {
        await s.close();
      }
    });
  });
}
