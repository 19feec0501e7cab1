// What `optimize status`, the dashboard and the panel show of a store: runs newest first (an interrupted one
// says how to resume), counters, workers with heartbeat age and stale marks, the queue timeline of the shown run,
// alerts, and Tau's `training` field from status.json — read from a real store driven with a fake clock.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { queueTimeline, readOverview, RunNotFoundError } from '../../src/core/optimize/overview';
import { statusPathFor, writeStatusFile } from '../../src/core/optimize/statusFile';
import { openSqliteRolloutStore } from '../../src/core/optimize/store/sqliteRolloutStore';
import type {
  NewRollout,
  OptimizeRunSnapshot,
  RolloutConfig,
  RolloutStore,
  StatusFile,
} from '../../src/core/optimize/types';
import { optimizeConfig } from '../support/optimizeConfig';

const REPO = resolve(__dirname, '../..');
const T0 = Date.parse('2026-03-01T12:00:00.000Z');

const config = optimizeConfig({ max_attempts: 2 });

const rolloutConfig = (over: Partial<RolloutConfig> = {}): RolloutConfig => ({
  max_attempts: 2,
  timeout_seconds: null,
  unresponsive_seconds: 3,
  retry_condition: ['unresponsive', 'timeout'],
  ...over,
});

function rollout(runId: string, runNumber: number, n: number, over: Partial<RolloutConfig> = {}): NewRollout {
  return {
    rollout_id: `train-${runNumber}-${n}`,
    run_id: runId,
    input: { prompt: `question ${n}`, expected: 'x' },
    mode: 'train',
    config: rolloutConfig(over),
    metadata: { run_id: runId, item_index: n - 1, set: 'optimize', purpose: 'baseline' },
    resources_id: 'resources-1',
  };
}

function status(over: Partial<StatusFile> = {}): StatusFile {
  return {
    schema_version: 1,
    updated_unix_ms: T0,
    run_state: 'completed',
    model_ref: 'openai/sim-1',
    store_path: 'x',
    total_rollouts: 2,
    succeeded: 2,
    failed: 0,
    cancelled: 0,
    ...over,
  };
}

describe('optimize overview', () => {
  let dir: string;
  let path: string;
  let statusPath: string;
  let now: number;
  let store: RolloutStore;
  const at = (s: number) => {
    now = T0 + s * 1000;
  };

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pt-overview-'));
    path = join(dir, 'store.sqlite');
    statusPath = statusPathFor(path);
    now = T0;
    store = await openSqliteRolloutStore(path, { clock: () => now });
    await store.addResources(config.resources, { run_id: null, label: 'initial', parent_version: null, latest: true });
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function newRun(id: string) {
    return store.createRun({ run_id: id, model_ref: 'openai/sim-1', config_path: 'c.json', config, store_path: path });
  }

  async function runToEnd(attemptId: string, reward = 1) {
    await store.addSpans(attemptId, []);
    assert.equal(await store.finishAttempt(attemptId, { status: 'succeeded', reward, answer: 'x' }), 'recorded');
  }

  it('an empty store: no runs, no timeline, zero counters, and training says status.json is missing', async () => {
    const o = await readOverview(store, { statusPath });
    assert.equal(o.location, path);
    assert.equal(o.generated_unix_ms, T0);
    assert.deepEqual(o.runs, []);
    assert.equal(o.run, null);
    assert.deepEqual(o.timeline, []);
    assert.equal(o.counters.total_rollouts, 0);
    assert.equal(o.latest_resources?.version, 1);
    assert.deepEqual(o.alerts, []);
    assert.equal(o.training.status_present, false);
    assert.equal(o.training.run_state, null);
    assert.deepEqual(o.training.diagnostics, [`training_status_missing:${statusPath}`]);
  });

  it('lists runs newest first with their own counters, shows the newest unless asked, and rejects an unknown run', async () => {
    await newRun('run-a');
    await store.enqueue([rollout('run-a', 1, 1), rollout('run-a', 1, 2)]);
    for (let i = 0; i < 2; i++) {
      const claim = await store.dequeue('w');
      await runToEnd(claim!.attempt.attempt_id);
    }
    await store.finishRun('run-a', 'completed', null, null);
    await newRun('run-b');
    await store.enqueue([rollout('run-b', 2, 1)]);

    const o = await readOverview(store, { statusPath });
    assert.deepEqual(
      o.runs.map((r) => [
        r.run_id,
        r.run_number,
        r.status,
        r.interrupted,
        r.counters.total_rollouts,
        r.counters.succeeded,
        r.counters.queuing,
      ]),
      [
        ['run-b', 2, 'running', null, 1, 0, 1],
        ['run-a', 1, 'completed', null, 2, 2, 0],
      ],
    );
    assert.equal(o.run?.row.run_id, 'run-b');
    assert.equal(o.counters.total_rollouts, 3, 'the top counters are the whole store');
    assert.equal(o.counters.succeeded, 2);

    const a = await readOverview(store, { statusPath, runId: 'run-a' });
    assert.equal(a.run?.row.run_id, 'run-a');
    assert.equal(a.timeline.at(-1)?.done, 2);
    await assert.rejects(
      readOverview(store, { statusPath, runId: 'nope' }),
      (e: Error) => e instanceof RunNotFoundError && /no prompt-optimization run 'nope'/.test(e.message),
    );
  });

  it('the queue timeline follows rollouts through queued, running and done, and back to queued when requeued', async () => {
    await newRun('run-t');
    await store.enqueue([rollout('run-t', 1, 1), rollout('run-t', 1, 2)]);
    at(1);
    const first = (await store.dequeue('w1'))!;
    at(2);
    await store.addSpans(first.attempt.attempt_id, []);
    at(3);
    await store.finishAttempt(first.attempt.attempt_id, { status: 'succeeded', reward: 1, answer: 'x' });
    at(4);
    const second = (await store.dequeue('w2'))!;
    // w2 goes silent: the watchdog takes the attempt back 3 s after its last heartbeat and requeues it.
    at(7.5);
    const actions = await store.sweep();
    assert.deepEqual(
      actions.map((a) => [a.attempt_status, a.rollout_status]),
      [['unresponsive', 'requeuing']],
    );
    at(9);
    const again = (await store.dequeue('w1'))!;
    assert.equal(again.rollout.rollout_id, second.rollout.rollout_id);
    at(10);
    await runToEnd(again.attempt.attempt_id);
    await store.finishRun('run-t', 'completed', null, null);

    const o = await readOverview(store, { statusPath, timelinePoints: 11 });
    assert.deepEqual(
      o.timeline.map((p) => [(p.t_unix_ms - T0) / 1000, p.queued, p.running, p.done]),
      [
        [0, 2, 0, 0],
        [1, 1, 1, 0],
        [2, 1, 1, 0],
        [3, 1, 0, 1],
        [4, 0, 1, 1],
        [5, 0, 1, 1],
        [6, 0, 1, 1],
        [7, 0, 1, 1],
        [8, 1, 0, 1],
        [9, 0, 1, 1],
        [10, 0, 0, 2],
      ],
    );
    assert.equal((await readOverview(store, { statusPath })).timeline.length, 60, 'about 60 points by default');
    // The watchdog's work is said, not hidden.
    assert.ok(
      o.alerts.some(
        (a) =>
          a.code === 'optimize_attempts_unresponsive' &&
          a.severity === 'info' &&
          a.message.includes('train-1-2:attempt-1'),
      ),
    );
  });

  it('a live run’s timeline runs up to now', async () => {
    await newRun('run-l');
    await store.enqueue([rollout('run-l', 1, 1)]);
    at(30);
    const o = await readOverview(store, { statusPath, timelinePoints: 4 });
    assert.deepEqual(
      o.timeline.map((p) => [(p.t_unix_ms - T0) / 1000, p.queued]),
      [
        [0, 1],
        [10, 1],
        [20, 1],
        [30, 1],
      ],
    );
  });

  it('workers show heartbeat age by the store clock; stale after 3 missed intervals, never once stopped; other runs’ workers are left out', async () => {
    await newRun('run-old');
    await store.registerWorker({ worker_id: 'old-w', run_id: 'run-old', pid: process.pid, host: 'h' });
    await store.finishRun('run-old', 'completed', null, null);
    at(1);
    await newRun('run-w');
    await store.registerWorker({ worker_id: 'w1', run_id: 'run-w', pid: process.pid, host: 'h' });
    await store.registerWorker({ worker_id: 'w2', run_id: 'run-w', pid: process.pid, host: 'h' });
    await store.stopWorker('w2');

    at(3.5);
    let o = await readOverview(store, { statusPath });
    assert.deepEqual(
      o.workers.map((w) => [w.worker_id, w.heartbeat_age_ms, w.stale]),
      [
        ['w1', 2500, false],
        ['w2', 2500, false],
      ],
    );
    assert.ok(!o.alerts.some((a) => a.code === 'optimize_workers_stale'));

    at(4.5); // w1's last heartbeat was 3.5 s ago: more than 3 × heartbeat_interval_ms (1000)
    o = await readOverview(store, { statusPath });
    assert.deepEqual(
      o.workers.map((w) => [w.worker_id, w.stale]),
      [
        ['w1', true],
        ['w2', false],
      ],
    );
    const alert = o.alerts.find((a) => a.code === 'optimize_workers_stale');
    assert.equal(alert?.severity, 'warning');
    assert.match(alert.message, /^1 worker without a heartbeat .*w1 \(3\.5 s\)$/);

    o = await readOverview(store, { statusPath, heartbeatIntervalMs: 2000 });
    assert.equal(
      o.workers.find((w) => w.worker_id === 'w1')?.stale,
      false,
      'the interval option overrides the run config',
    );

    o = await readOverview(store, { statusPath, runId: 'run-old' });
    assert.deepEqual(
      o.workers.map((w) => w.worker_id),
      ['old-w'],
    );
  });

  it('training comes from status.json, with Tau’s failure alert and wording', async () => {
    writeStatusFile(statusPath, status());
    let o = await readOverview(store, { statusPath });
    assert.deepEqual(o.training, {
      status_path: statusPath,
      status_present: true,
      updated_unix_ms: T0,
      run_state: 'completed',
      model_ref: 'openai/sim-1',
      store_path: 'x',
      total_rollouts: 2,
      succeeded: 2,
      failed: 0,
      cancelled: 0,
      diagnostics: [],
    });
    assert.deepEqual(o.alerts, []);

    writeStatusFile(statusPath, status({ succeeded: 1, failed: 1 }));
    o = await readOverview(store, { statusPath });
    assert.deepEqual(o.alerts, [
      {
        code: 'dashboard_training_failures',
        severity: 'warning',
        message: 'latest training run recorded failures (failed=1, cancelled=0, state=completed)',
      },
    ]);

    writeStatusFile(statusPath, status({ run_state: 'failed' }));
    o = await readOverview(store, { statusPath });
    assert.equal(
      o.alerts[0]?.code,
      'dashboard_training_failures',
      'a failed run alerts even with no failed rollout (Tau)',
    );

    writeFileSync(statusPath, '{ not json');
    o = await readOverview(store, { statusPath });
    assert.equal(o.training.status_present, false);
    assert.equal(o.training.total_rollouts, 0);
    assert.match(
      o.training.diagnostics[0] ?? '',
      new RegExp(`^training_status_invalid:${statusPath.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: `),
    );
  });

  it('a timed-out attempt is an alert', async () => {
    await newRun('run-x');
    await store.enqueue([rollout('run-x', 1, 1, { timeout_seconds: 2, max_attempts: 1 })]);
    const claim = (await store.dequeue('w'))!;
    at(1);
    await store.heartbeat('w', claim.attempt.attempt_id);
    at(2.5);
    await store.heartbeat('w', claim.attempt.attempt_id);
    assert.deepEqual(
      (await store.sweep()).map((a) => [a.attempt_status, a.rollout_status]),
      [['timeout', 'failed']],
    );
    const o = await readOverview(store, { statusPath });
    const alert = o.alerts.find((a) => a.code === 'optimize_attempts_timeout');
    assert.equal(alert?.severity, 'warning');
    assert.match(alert.message, /^1 attempt passed rollout_timeout_secs: train-1-1:attempt-1$/);
    assert.equal(o.runs[0]?.counters.failed, 1);
  });

  it('the shown run carries its snapshot; the best reward comes from the report or the snapshot', async () => {
    await newRun('run-s');
    const snapshot = {
      runId: 'run-s',
      status: 'running',
      best: { validate_reward: 0.75 },
    } as unknown as OptimizeRunSnapshot;
    store.persistJob('run-s', { snapshot, events: [] });
    const o = await readOverview(store, { statusPath });
    assert.deepEqual(o.run?.snapshot, snapshot);
    assert.equal(o.run.interrupted, null);
    assert.equal(o.runs[0]?.best_reward, 0.75);
  });

  it('a damaged snapshot is an error alert, not a blank overview', async () => {
    await newRun('run-d');
    await store.enqueue([rollout('run-d', 1, 1)]);
    store.persistJob('run-d', { snapshot: [] as unknown as OptimizeRunSnapshot, events: [] });
    const o = await readOverview(store, { statusPath });
    assert.equal(o.run?.snapshot, null);
    assert.equal(o.runs[0]?.counters.total_rollouts, 1);
    assert.equal(o.timeline.at(-1)?.queued, 1);
    const alert = o.alerts.find((a) => a.code === 'optimize_snapshot_unreadable');
    assert.equal(alert?.severity, 'error');
    assert.match(alert.message, /runs\.snapshot_json of run run-d: not a JSON object/);
  });

  it('a run whose process died lists as failed, says how to resume, and raises an error alert', async function () {
    this.timeout(30_000);
    await store.close();
    const code = `
      const { openSqliteRolloutStore } = require(${JSON.stringify(join(REPO, 'src/core/optimize/store/sqliteRolloutStore.ts'))});
      (async () => {
        const s = await openSqliteRolloutStore(${JSON.stringify(path)});
        await s.createRun({ run_id: 'run-dead', model_ref: 'openai/sim-1', config_path: 'c.json', config: ${JSON.stringify(config)}, store_path: ${JSON.stringify(path)} });
        s.persistJob('run-dead', { snapshot: { runId: 'run-dead', status: 'running', etaSeconds: 5, throttle: null, error: null, detail: 'baseline 1/2' }, events: [] });
        await s.close();
      })().catch((e) => { console.error(e); process.exit(1); });`;
    const child = spawnSync(process.execPath, ['--import', 'tsx', '-e', code], { cwd: REPO, encoding: 'utf8' });
    assert.equal(child.status, 0, child.stderr);
    store = await openSqliteRolloutStore(path, { clock: () => now });

    const o = await readOverview(store, { statusPath });
    assert.equal(o.runs[0]?.status, 'failed');
    assert.match(
      o.runs[0].interrupted ?? '',
      /^Interrupted: the process that ran it \(pid \d+\) ended .* Resume it with `prompt-tuner optimize resume --run run-dead`\.$/,
    );
    assert.equal(o.run?.row.status, 'running', 'the stored row is not rewritten');
    assert.equal(o.run.snapshot?.status, 'failed');
    assert.equal(o.run.snapshot.etaSeconds, null);
    assert.equal(o.run.snapshot.error, o.runs[0].interrupted);
    const alert = o.alerts.find((a) => a.code === 'optimize_run_interrupted');
    assert.equal(alert?.severity, 'error');
    assert.match(alert.message, /^Run run-dead: Interrupted/);
  });
});

describe('queueTimeline', () => {
  it('a terminal rollout without end_time counts as done from its last attempt', () => {
    const iso = (s: number) => new Date(T0 + s * 1000).toISOString();
    const rollout = { rollout_id: 'r', status: 'failed', start_time: iso(0), end_time: null } as never;
    const attempt = { rollout_id: 'r', started_at: iso(1), ended_at: iso(2) } as never;
    const points = queueTimeline([rollout], [attempt], { fromMs: T0, toMs: T0 + 4000, points: 5 });
    assert.deepEqual(
      points.map((p) => [p.queued, p.running, p.done]),
      [
        [1, 0, 0],
        [0, 1, 0],
        [0, 0, 1],
        [0, 0, 1],
        [0, 0, 1],
      ],
    );
  });
});
