// `optimize worker` processes and a trainer without local workers on one PostgreSQL store (a throwaway cluster,
// test/support/postgres.ts): the shared-store scenarios with three worker processes (every rollout succeeds
// exactly once; SIGTERM finishes the attempt in flight; kill -9 leaves attempts the watchdog takes back), and a
// restart of PostgreSQL mid-run: the workers and the trainer wait it out and the run completes, nothing twice.
import { strict as assert } from 'node:assert';
import { openRolloutStore } from '../../src/core/optimize/store/openRolloutStore';
import type { OptimizeReport } from '../../src/core/optimize/types';
import { startSimulator, type Simulator } from '../sim/server';
import { requirePostgres, type PgServer } from '../support/postgres';
import { assertEachSucceededOnce, stopWorkerProcess, type WorkerProcess } from '../support/workerProcesses';
import { runTrainer, sharedConfig, sharedStoreScenarios, startWorkers, writeConfig } from '../support/workerScenarios';

describe('optimize worker on a PostgreSQL store', function () {
  this.timeout(300_000);
  let sim: Simulator;
  let pg: PgServer | undefined;
  before(async function () {
    pg = await requirePostgres(this);
    sim = await startSimulator({ latencyMs: 5 });
  });
  after(async () => {
    // before() may have skipped (no PostgreSQL) or thrown before sim was set.
    await (sim as Simulator | undefined)?.close();
    await pg?.stop();
  });
  beforeEach(() => sim.reset());

  sharedStoreScenarios('PostgreSQL', {
    sim: () => sim,
    processes: 3,
    freshStore: async () => {
      const location = await pg!.createDatabase();
      return { location, open: () => openRolloutStore(location, { create: false }) };
    },
  });

  it('a worker on a URL with a password shows it masked and never prints the password', async () => {
    const password = 'w0rker-s3cret';
    await pg!.createRole('worker_pw', password);
    const location = await pg!.createDatabase(undefined, { user: 'worker_pw', password });
    const [w] = await startWorkers(1, location, sim);
    try {
      const start = w!.lines.find((l) => l.type === 'worker_start') as { store: string };
      assert.match(start.store, /^postgres:\/\/worker_pw:\*\*\*@127\.0\.0\.1:\d+\//);
    } finally {
      await stopWorkerProcess(w!);
    }
    assert.equal((await w!.exited).code, 0, w!.stderr());
    const everything = JSON.stringify(w!.lines) + w!.stderr();
    assert.ok(!everything.includes(password), 'the password is not in the output');
  });

  describe('a restart of PostgreSQL mid-run', () => {
    let workers: WorkerProcess[] = [];
    afterEach(async () => {
      await Promise.all(workers.map((w) => stopWorkerProcess(w)));
      workers = [];
    });

    for (const mode of ['fast', 'immediate'] as const) {
      it(`the worker processes and the trainer wait it out (${mode === 'fast' ? 'a clean restart' : 'a crash'}): the run completes, every rollout succeeded exactly once`, async () => {
        sim.configure({ latencyMs: 150 });
        const location = await pg!.createDatabase();
        const total = 30;
        const { ws, configFile } = writeConfig(sharedConfig(total, { max_attempts: 3 }));
        workers = await startWorkers(3, location, sim);
        const trainer = runTrainer(location, configFile, ws, sim);
        // Mid-run: some rollouts ended, most not yet.
        await Promise.race(workers.map((w) => w.waitFor((l) => l.type === 'rollout_end', 'a rollout ended')));
        await pg!.restart({ mode, downMs: 1500 });
        const r = await trainer;
        assert.equal(r.code, 0, r.err);
        const report = JSON.parse(r.out) as OptimizeReport;
        assert.equal(report.total_rollouts, total);
        assert.equal(report.succeeded, total);
        for (const w of workers)
          assert.equal(w.child.exitCode, null, `worker ${w.pid} is still running: ${w.stderr()}`);
        const outages = workers.flatMap((w) => w.lines.filter((l) => l.type === 'store_outage'));
        assert.ok(
          outages.some((l) => l.state === 'down'),
          'a worker saw the database go away',
        );
        const s = await openRolloutStore(location, { create: false });
        try {
          await assertEachSucceededOnce(s, report.run_id, total);
        } finally {
          await s.close();
        }
      });
    }
  });
});
