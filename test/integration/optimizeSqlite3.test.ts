// The prompt-optimization store read by Debian's `sqlite3` CLI after close: the one .sqlite file holds every row,
// a join over rollouts and attempts matches what the store wrote, the JSON columns are JSON, the CHECK
// constraints hold, and the file passes PRAGMA integrity_check. Without sqlite3 the tests are skipped, except
// when CI is set, where they fail: CI installs it.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { rolloutId, resourcesId } from '../../src/core/optimize/store/ids';
import { openSqliteRolloutStore } from '../../src/core/optimize/store/sqliteRolloutStore';
import type { NewRollout, Span } from '../../src/core/optimize/types';
import { optimizeConfig } from '../support/optimizeConfig';

const CONFIG = optimizeConfig({
  optimize: [{ prompt: 'What is 12 + 7?', expected: '19' }],
  validate: [{ prompt: 'What is the capital of France?', expected: 'Paris' }],
  max_attempts: 2,
});

function sqlite3Available(): string | null {
  const r = spawnSync('sqlite3', ['-version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0)
    return `the sqlite3 command-line tool is not installed (apt-get install sqlite3): ${r.error?.message ?? r.stderr}`;
  return null;
}

/** Runs SQL through the sqlite3 CLI and returns its rows (JSON mode). */
function sqlite3(file: string, sql: string): Record<string, unknown>[] {
  const r = spawnSync('sqlite3', ['-batch', '-bail', '-json', file, sql], { encoding: 'utf8' });
  assert.equal(r.status, 0, `sqlite3 failed on ${sql}: ${r.stderr}`);
  return r.stdout.trim() === '' ? [] : (JSON.parse(r.stdout) as Record<string, unknown>[]);
}

describe('optimize store read by the sqlite3 CLI', function () {
  this.timeout(60_000);
  let dir: string;
  let path: string;
  const written = { runs: 2, resources: 2, rollouts: 5, attempts: 0, spans: 0, events: 2, workers: 2 };

  before(async function () {
    const missing = sqlite3Available();
    if (missing) {
      if (process.env.CI) throw new Error(`CI must run these: ${missing}`);
      console.log(`      skipped: ${missing}`);
      this.skip();
    }
    dir = mkdtempSync(join(tmpdir(), 'pt-optimize-sqlite3-'));
    path = join(dir, 'training', 'store.sqlite');
    const s = await openSqliteRolloutStore(path, { onNotice: () => {} });
    await s.createRun({
      run_id: 'run-1',
      model_ref: 'openai/sim-1',
      config_path: 'p.json',
      config: CONFIG,
      store_path: path,
    });
    await s.createRun({
      run_id: 'run-2',
      model_ref: 'openai/sim-1',
      config_path: 'p.json',
      config: CONFIG,
      store_path: path,
    });
    const initial = await s.addResources(
      { system_prompt: 'You are a concise assistant.' },
      { run_id: 'run-1', label: 'initial', parent_version: null, latest: true },
    );
    await s.addResources(
      { system_prompt: 'Reply with only the final answer.' },
      { run_id: 'run-1', label: 'apo r1 c1', parent_version: 1, latest: false },
    );
    await s.markLatest(resourcesId(2));
    await s.registerWorker({ worker_id: 'w1', run_id: 'run-1', pid: process.pid, host: hostname() });
    await s.registerWorker({ worker_id: 'w2', run_id: 'run-1', pid: process.pid, host: hostname() });
    const rollouts: NewRollout[] = [0, 1, 2, 3].map((i) => ({
      rollout_id: rolloutId(i < 3 ? 'train' : 'val', 1, i < 3 ? i + 1 : 1),
      run_id: 'run-1',
      input: { prompt: `q${i}`, expected: `a${i}` },
      mode: i < 3 ? 'train' : 'val',
      config: {
        max_attempts: 2,
        timeout_seconds: null,
        unresponsive_seconds: 3,
        retry_condition: ['unresponsive', 'timeout', 'failed'],
      },
      metadata: {
        run_id: 'run-1',
        item_index: i < 3 ? i : 0,
        set: i < 3 ? 'optimize' : 'validate',
        purpose: 'baseline',
      },
      resources_id: initial.resources_id,
    }));
    await s.enqueue(rollouts);
    // train-1-1 succeeds with spans; train-1-2 fails once, then succeeds; train-1-3 fails twice; val-1-1 stays running; train-2-1 queued.
    const claim = async (w: string) => (await s.dequeue(w))!;
    const span = (c: Awaited<ReturnType<typeof claim>>, name: string): Span => ({
      rollout_id: c.rollout.rollout_id,
      attempt_id: c.attempt.attempt_id,
      sequence_id: c.attempt.sequence_id,
      trace_id: `trace-${c.attempt.attempt_id}`,
      span_id: `${c.attempt.attempt_id}/${name}`,
      parent_id: null,
      name,
      attributes: { 'reward.value': 1 },
      events: [],
      start_time: new Date().toISOString(),
      end_time: new Date().toISOString(),
    });
    const c1 = await claim('w1');
    await s.addSpans(c1.attempt.attempt_id, [span(c1, 'runner.execute_rollout'), span(c1, 'agent.start')]);
    await s.addSpans(c1.attempt.attempt_id, [span(c1, 'reward.emit')]);
    await s.finishAttempt(c1.attempt.attempt_id, { status: 'succeeded', reward: 1, answer: 'a0' });
    const c2 = await claim('w2');
    await s.finishAttempt(c2.attempt.attempt_id, { status: 'failed', error: 'gateway error' });
    const c3 = await claim('w1');
    await s.finishAttempt(c3.attempt.attempt_id, { status: 'failed', error: 'gateway error' });
    const c4 = await claim('w2');
    await s.addSpans(c4.attempt.attempt_id, [span(c4, 'runner.execute_rollout')]);
    const c2b = await claim('w1');
    await s.finishAttempt(c2b.attempt.attempt_id, { status: 'succeeded', reward: 0, answer: 'nope' });
    const c3b = await claim('w1');
    await s.finishAttempt(c3b.attempt.attempt_id, { status: 'failed', error: 'gateway error again' });
    await s.enqueue([
      {
        ...rollouts[0]!,
        rollout_id: rolloutId('train', 2, 1),
        run_id: 'run-2',
        metadata: { ...rollouts[0]!.metadata, run_id: 'run-2' },
      },
    ]);
    written.attempts = 6;
    written.spans = 4;
    s.persistJob('run-1', {
      snapshot: { runId: 'run-1' } as never,
      events: [
        { seq: 1, event: { runId: 'run-1', at: new Date().toISOString(), type: 'round_start', round: 1 } },
        { seq: 2, event: { runId: 'run-1', at: new Date().toISOString(), type: 'round_start', round: 2 } },
      ],
    });
    await s.close();
  });

  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('passes PRAGMA integrity_check and has every table', () => {
    assert.deepEqual(sqlite3(path, 'PRAGMA integrity_check'), [{ integrity_check: 'ok' }]);
    const tables = sqlite3(path, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").map(
      (r) => r.name,
    );
    assert.deepEqual(tables, [
      'attempts',
      'resources',
      'rollout_queue',
      'rollouts',
      'run_events',
      'runs',
      'schema_migrations',
      'spans',
      'workers',
    ]);
  });

  it('counts what the store wrote, in each table', () => {
    const counts = sqlite3(
      path,
      `SELECT (SELECT count(*) FROM runs) AS runs, (SELECT count(*) FROM resources) AS resources, (SELECT count(*) FROM rollouts) AS rollouts,
        (SELECT count(*) FROM attempts) AS attempts, (SELECT count(*) FROM spans) AS spans, (SELECT count(*) FROM run_events) AS events,
        (SELECT count(*) FROM workers) AS workers`,
    )[0];
    assert.deepEqual(counts, written);
    assert.deepEqual(sqlite3(path, 'SELECT rollout_id FROM rollout_queue ORDER BY queue_id'), [
      { rollout_id: 'train-2-1' },
    ]);
    assert.deepEqual(sqlite3(path, 'SELECT resources_id, version, is_latest FROM resources ORDER BY version'), [
      { resources_id: 'resources-1', version: 1, is_latest: 0 },
      { resources_id: 'resources-2', version: 2, is_latest: 1 },
    ]);
  });

  it('joins rollouts and attempts to the statuses the store recorded', () => {
    const rows = sqlite3(
      path,
      `SELECT r.rollout_id, r.status AS rollout_status, r.attempt_count, a.attempt_id, a.status AS attempt_status, a.worker_id, a.error_message
       FROM rollouts r JOIN attempts a ON a.rollout_id = r.rollout_id ORDER BY r.seq, a.sequence_id`,
    );
    assert.deepEqual(rows, [
      {
        rollout_id: 'train-1-1',
        rollout_status: 'succeeded',
        attempt_count: 1,
        attempt_id: 'train-1-1:attempt-1',
        attempt_status: 'succeeded',
        worker_id: 'w1',
        error_message: null,
      },
      {
        rollout_id: 'train-1-2',
        rollout_status: 'succeeded',
        attempt_count: 2,
        attempt_id: 'train-1-2:attempt-1',
        attempt_status: 'failed',
        worker_id: 'w2',
        error_message: 'gateway error',
      },
      {
        rollout_id: 'train-1-2',
        rollout_status: 'succeeded',
        attempt_count: 2,
        attempt_id: 'train-1-2:attempt-2',
        attempt_status: 'succeeded',
        worker_id: 'w1',
        error_message: null,
      },
      {
        rollout_id: 'train-1-3',
        rollout_status: 'failed',
        attempt_count: 2,
        attempt_id: 'train-1-3:attempt-1',
        attempt_status: 'failed',
        worker_id: 'w1',
        error_message: 'gateway error',
      },
      {
        rollout_id: 'train-1-3',
        rollout_status: 'failed',
        attempt_count: 2,
        attempt_id: 'train-1-3:attempt-2',
        attempt_status: 'failed',
        worker_id: 'w1',
        error_message: 'gateway error again',
      },
      {
        rollout_id: 'val-1-1',
        rollout_status: 'running',
        attempt_count: 1,
        attempt_id: 'val-1-1:attempt-1',
        attempt_status: 'running',
        worker_id: 'w2',
        error_message: null,
      },
    ]);
    const byStatus = sqlite3(
      path,
      "SELECT status, count(*) AS n FROM rollouts WHERE run_id = 'run-1' GROUP BY status ORDER BY status",
    );
    assert.deepEqual(byStatus, [
      { status: 'failed', n: 1 },
      { status: 'running', n: 1 },
      { status: 'succeeded', n: 2 },
    ]);
  });

  it('stores JSON columns that sqlite3 can take apart', () => {
    assert.deepEqual(
      sqlite3(
        path,
        "SELECT json_extract(span_json, '$.name') AS name FROM spans WHERE rollout_id = 'train-1-1' ORDER BY span_row_id",
      ),
      [{ name: 'runner.execute_rollout' }, { name: 'agent.start' }, { name: 'reward.emit' }],
    );
    assert.deepEqual(
      sqlite3(
        path,
        "SELECT json_extract(input_json, '$.expected') AS e, json_extract(config_json, '$.max_attempts') AS m, reward, answer FROM rollouts WHERE rollout_id = 'train-1-1'",
      ),
      [{ e: 'a0', m: 2, reward: 1.0, answer: 'a0' }],
    );
    assert.deepEqual(
      sqlite3(path, "SELECT json_extract(resources_json, '$.system_prompt') AS p FROM resources WHERE is_latest = 1"),
      [{ p: 'Reply with only the final answer.' }],
    );
    assert.deepEqual(
      sqlite3(
        path,
        "SELECT type, json_extract(json, '$.round') AS round FROM run_events WHERE run_id = 'run-1' ORDER BY seq",
      ),
      [
        { type: 'round_start', round: 1 },
        { type: 'round_start', round: 2 },
      ],
    );
  });

  it('enforces the status and mode CHECK constraints (on a copy)', () => {
    const copy = join(dir, 'copy.sqlite');
    copyFileSync(path, copy);
    for (const sql of [
      "UPDATE rollouts SET status = 'done' WHERE rollout_id = 'train-1-1'",
      "UPDATE rollouts SET mode = 'training' WHERE rollout_id = 'train-1-1'",
      "UPDATE attempts SET status = 'cancelled' WHERE attempt_id = 'train-1-1:attempt-1'",
      "UPDATE runs SET status = 'paused' WHERE run_id = 'run-1'",
    ]) {
      const r = spawnSync('sqlite3', ['-batch', '-bail', copy, sql], { encoding: 'utf8' });
      assert.notEqual(r.status, 0, sql);
      assert.match(r.stderr, /CHECK constraint failed/, sql);
    }
  });

  it('leaves no file sqlite3 would take for a hot journal, and the store still opens with the same rows', async () => {
    const names = readdirSync(join(path, '..'));
    assert.ok(!names.some((n) => n.endsWith('-journal') || n.endsWith('-wal')), names.join(', '));
    assert.ok(existsSync(join(path, '..', 'store.journal')));
    const s = await openSqliteRolloutStore(path, { create: false, onNotice: () => {} });
    try {
      const c = await s.counters('run-1');
      assert.deepEqual([c.total_rollouts, c.succeeded, c.failed, c.running], [4, 2, 1, 1]);
    } finally {
      await s.close();
    }
  });
});
