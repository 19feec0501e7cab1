// `optimize worker` processes beside a trainer without local workers, on one SQLite store file (one machine,
// several processes): the shared-store scenarios, plus what the CLI promises about the two commands — the help
// names --no-local-workers and says a worker must run, a trainer with no worker fails at its completion timeout,
// and bad input to the worker command exits 2.
import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { openSqliteRolloutStore } from '../../src/core/optimize/store/sqliteRolloutStore';
import { startSimulator, type Simulator } from '../sim/server';
import { runCliInProcess, simEnv } from '../support/cliHarness';
import type { OptimizeReport } from '../../src/core/optimize/types';
import { stopWorkerProcess, type WorkerProcess } from '../support/workerProcesses';
import { runTrainer, sharedConfig, sharedStoreScenarios, startWorkers, writeConfig } from '../support/workerScenarios';

describe('optimize worker on a SQLite store', function () {
  this.timeout(240_000);
  let sim: Simulator;
  before(async () => {
    sim = await startSimulator({ latencyMs: 5 });
  });
  after(async () => {
    await sim.close();
  });
  beforeEach(() => sim.reset());
  let workers: WorkerProcess[] = [];
  afterEach(async () => {
    await Promise.all(workers.map((w) => stopWorkerProcess(w)));
    workers = [];
  });

  sharedStoreScenarios('SQLite file', {
    sim: () => sim,
    processes: 2,
    freshStore: async () => {
      const location = path.join(mkdtempSync(path.join(tmpdir(), 'pt-workers-sqlite-')), 'store.sqlite');
      return { location, open: () => openSqliteRolloutStore(location, { create: false }) };
    },
  });

  it('the help of run and resume names --no-local-workers and says a worker must be running', async () => {
    for (const cmd of ['run', 'resume']) {
      const r = await runCliInProcess(['optimize', cmd, '--help'], { cwd: tmpdir(), env: {} });
      assert.equal(r.code, 0);
      assert.match(r.out, /--no-local-workers/);
      assert.match(r.out, /A worker must be running/);
    }
    const w = await runCliInProcess(['optimize', 'worker', '--help'], { cwd: tmpdir(), env: {} });
    assert.equal(w.code, 0);
    for (const flag of [
      '--store URL|P',
      '--model ID',
      '--worker-count N',
      '--poll-ms N',
      '--heartbeat-ms N',
      '--json',
      'SIGTERM',
    ])
      assert.ok(w.out.includes(flag), `worker help names ${flag}`);
  });

  it("a trainer without local workers and no worker process fails at the completion timeout, with Tau's message", async () => {
    const location = path.join(mkdtempSync(path.join(tmpdir(), 'pt-workers-none-')), 'store.sqlite');
    const { ws, configFile } = writeConfig(sharedConfig(2, { completion_timeout_secs: 1 }));
    const r = await runTrainer(location, configFile, ws, sim);
    assert.equal(r.code, 1, r.err);
    assert.match(
      r.err,
      /trainer timeout waiting for rollouts to complete: TrainingSummary \{ total_rollouts: 2, succeeded: 0/,
    );
    const s = await openSqliteRolloutStore(location, { create: false });
    try {
      assert.deepEqual(await s.workers(), [], 'no worker ran in the trainer');
    } finally {
      await s.close();
    }
  });

  it('a second signal quits at once (exit 130); a watchdog takes back the attempt it left', async () => {
    sim.configure({ latencyMs: 5000 });
    const location = path.join(mkdtempSync(path.join(tmpdir(), 'pt-workers-twice-')), 'store.sqlite');
    const { ws, configFile } = writeConfig(sharedConfig(1, { max_attempts: 1 }));
    const [w] = await startWorkers(1, location, sim);
    workers.push(w!);
    const trainer = runTrainer(location, configFile, ws, sim);
    const claim = (await w!.waitFor((l) => l.type === 'claim', 'a claim')) as { attempt_id: string };
    w!.child.kill('SIGTERM');
    await w!.waitFor((l) => l.type === 'stopping', 'stopping');
    w!.child.kill('SIGTERM');
    assert.deepEqual(await w!.exited, { code: 130, signal: null });
    const r = await trainer;
    assert.equal(r.code, 0, r.err);
    assert.equal((JSON.parse(r.out) as OptimizeReport).failed, 1, 'max_attempts 1: the taken-back rollout failed');
    const s = await openSqliteRolloutStore(location, { create: false });
    try {
      const attempt = (await s.attempts({})).find((x) => x.attempt_id === claim.attempt_id);
      assert.equal(attempt?.status, 'unresponsive');
      assert.match(attempt.error_message ?? '', /is gone/);
    } finally {
      await s.close();
    }
  });

  it('the worker command checks its input before it touches the store: exit 2', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'pt-workers-bad-'));
    const store = path.join(dir, 'store.sqlite');
    const cases: [string[], RegExp][] = [
      [['--store', store], /--model ID is required/],
      [['--store', store, '--model', 'nope'], /expected provider\/model/],
      [['--store', store, '--model', 'openai/sim-1', '--worker-count', '0'], /--worker-count: must be at least 1/],
      [['--store', store, '--model', 'openai/sim-1', '--poll-ms', 'x'], /--poll-ms: expected a number/],
      [['--store', store, '--model', 'nowhere/m'], /unknown provider "nowhere"/],
    ];
    for (const [args, message] of cases) {
      const r = await runCliInProcess(['optimize', 'worker', ...args], { cwd: dir, env: simEnv(sim) });
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.err}`);
      assert.match(r.err, message);
    }
    const noKey = await runCliInProcess(['optimize', 'worker', '--store', store, '--model', 'openai/sim-1'], {
      cwd: dir,
      env: {},
    });
    assert.equal(noKey.code, 2);
    assert.match(noKey.err, /no API key for openai/);
    assert.equal(existsSync(store), false, 'nothing was written');
  });
});
