// The rollout store's behaviour, one suite for every backend (SQLite file, PostgreSQL): queue order and atomic
// claims (two handles, two processes), the run filter, spans and results, retries, cancels and lost results,
// counters, immutable resources versions, runs and the job's rows, state across re-opens, and the watchdog
// (unresponsive, timeout, a dead worker process, max_attempts, a late result being dropped). A backend's test file
// calls rolloutStoreBehaviour with a factory that opens fresh stores on a clock the suite moves.
import { strict as assert } from 'node:assert';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { AttemptLostError } from '../../src/core/optimize/store/errors';
import { attemptId, resourcesId, rolloutId } from '../../src/core/optimize/store/ids';
import type {
  AttemptStatus,
  NewRollout,
  OptimizeEvent,
  OptimizeRunSnapshot,
  RolloutConfig,
  RolloutStore,
} from '../../src/core/optimize/types';
import { onLines } from './childLines';
import { optimizeConfig } from './optimizeConfig';

const REPO = resolve(__dirname, '../..');
/** A worker process that drains a store named by path or URL (see the fixture's header). */
export const DEQUEUER = join(REPO, 'test', 'unit', 'fixtures', 'optimizeDequeuer.ts');
export const T0 = Date.parse('2026-03-01T12:00:00.000Z');
export const RUN = 'run-a';
export const CONFIG = optimizeConfig({ optimize: [{ prompt: 'What is 1 + 1?', expected: '2' }] });

/** One test's store: where it is, and how to open another handle on it. */
export interface StoreHarness {
  /** What another process opens (a path, or the URL with its credentials). */
  location: string;
  /** Opens another handle on this store; the suite closes it. */
  open(opts?: { create?: boolean }): Promise<RolloutStore>;
  /** Removes what create made (files, a database); after every handle is closed. */
  dispose(): Promise<void>;
}

export interface RolloutStoreFactory {
  /** Before the suite (start a server; may skip the suite). */
  setup?(ctx: Mocha.Context): Promise<void>;
  teardown?(): Promise<void>;
  /** A new empty store whose times follow `clock` (ms since the epoch). */
  create(clock: () => number): Promise<StoreHarness>;
  /**
   * How far (ms) a time the store writes may be from the clock: 0 where the clock is the store's own (SQLite's
   * injected clock); a few hundred where it is the database's now() moved by an offset (its round trips count).
   */
  slackMs: number;
}

export function rolloutConfig(over: Partial<RolloutConfig> = {}): RolloutConfig {
  return {
    max_attempts: 1,
    timeout_seconds: null,
    unresponsive_seconds: 3,
    retry_condition: ['unresponsive', 'timeout'],
    ...over,
  };
}

export function newRollouts(
  n: number,
  opts: { run?: string; runNumber?: number; config?: RolloutConfig; resources?: string; from?: number } = {},
): NewRollout[] {
  const run = opts.run ?? RUN;
  return Array.from({ length: n }, (_, i) => ({
    rollout_id: rolloutId('train', opts.runNumber ?? 1, (opts.from ?? 1) + i),
    run_id: run,
    input: { prompt: `q${i}`, expected: `a${i}`, extra: { kept: true } },
    mode: 'train' as const,
    config: opts.config ?? rolloutConfig(),
    metadata: { run_id: run, item_index: i, set: 'optimize' as const, purpose: 'baseline' as const },
    resources_id: opts.resources ?? resourcesId(1),
  }));
}

/** A process id that no process has any more. */
export function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

export interface Dequeuer {
  child: ChildProcess;
  claims: string[];
  ready: Promise<void>;
  exited: Promise<number | null>;
  stderr: () => string;
}

/** Starts the dequeuer fixture on `location`; write anything to its stdin to let it drain. */
export function startDequeuer(location: string, workerId: string): Dequeuer {
  const child = spawn(process.execPath, ['--import', 'tsx', DEQUEUER, location, workerId], {
    cwd: REPO,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const claims: string[] = [];
  let err = '';
  let markReady: () => void = () => {};
  const ready = new Promise<void>((res) => (markReady = res));
  onLines(child.stdout, (line) => {
    if (line === 'ready') markReady();
    if (line.startsWith('claim ')) claims.push(line.slice(6));
  });
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (c: string) => (err += c));
  const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
  return {
    child,
    claims,
    ready: Promise.race([ready, exited.then(() => Promise.reject(new Error(`dequeuer exited early: ${err}`)))]),
    exited,
    stderr: () => err,
  };
}

/** The behavioural suite, under `describe(name)`. */
export function rolloutStoreBehaviour(name: string, factory: RolloutStoreFactory): void {
  describe(name, function () {
    this.timeout(120_000);
    const stores: RolloutStore[] = [];
    const harnesses: StoreHarness[] = [];
    let now = T0;
    const clock = () => now;

    /** A stored ISO time is the clock's `expected` (within the backend's slack). */
    const sameTime = (actual: string | null | undefined, expected: number, what = 'time') => {
      assert.ok(
        typeof actual === 'string' && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/.test(actual),
        `${what}: not an ISO time: ${String(actual)}`,
      );
      if (factory.slackMs === 0) assert.equal(actual, new Date(expected).toISOString(), what);
      else
        assert.ok(
          Math.abs(Date.parse(actual) - expected) <= factory.slackMs,
          `${what}: ${actual} is not ${new Date(expected).toISOString()} (±${factory.slackMs} ms)`,
        );
    };
    /** A fresh store and a handle on it. */
    const fresh = async () => {
      const h = await factory.create(clock);
      harnesses.push(h);
      const open = h.open.bind(h);
      h.open = async (opts) => {
        const s = await open(opts);
        stores.push(s);
        return s;
      };
      return { s: await h.open(), h };
    };
    /** A store with a run, the initial resources version (resources-1) and a registered worker w1. */
    const seeded = async () => {
      const { s, h } = await fresh();
      await s.createRun({
        run_id: RUN,
        model_ref: 'openai/sim-1',
        config_path: 'c.json',
        config: CONFIG,
        store_path: s.location,
      });
      await s.addResources(
        { system_prompt: 'You are a concise assistant.' },
        { run_id: RUN, label: 'initial', parent_version: null, latest: true },
      );
      await s.registerWorker({ worker_id: 'w1', run_id: RUN, pid: process.pid, host: hostname() });
      return { s, h };
    };

    before(async function () {
      await factory.setup?.(this);
    });

    after(async () => {
      await factory.teardown?.();
    });

    beforeEach(() => {
      now = T0;
    });

    afterEach(async () => {
      for (const s of stores.splice(0)) await s.close().catch(() => {});
      for (const h of harnesses.splice(0)) await h.dispose().catch(() => {});
    });

    describe('queue', () => {
      it('hands out rollouts oldest first, as preparing attempts numbered from 1, and records the worker', async () => {
        const { s } = await seeded();
        await s.enqueue(newRollouts(2));
        await s.enqueue(newRollouts(1, { from: 3 }));
        now += 1000;
        const ids: string[] = [];
        for (let i = 0; i < 3; i++) {
          const c = await s.dequeue('w1');
          assert.ok(c);
          assert.equal(c.rollout.status, 'preparing');
          assert.equal(c.rollout.attempt_count, 1);
          assert.equal(c.rollout.assigned_worker_id, 'w1');
          assert.deepEqual(c.rollout.input, {
            prompt: `q${i === 2 ? 0 : i}`,
            expected: `a${i === 2 ? 0 : i}`,
            extra: { kept: true },
          });
          assert.equal(c.attempt.attempt_id, attemptId(c.rollout.rollout_id, 1));
          assert.equal(c.attempt.status, 'preparing');
          sameTime(c.attempt.started_at, T0 + 1000);
          assert.equal((await s.workers())[0]?.active_attempt_id, c.attempt.attempt_id);
          ids.push(c.rollout.rollout_id);
        }
        assert.deepEqual(ids, ['train-1-1', 'train-1-2', 'train-1-3']);
        assert.equal(await s.dequeue('w1'), undefined);
      });

      it('refuses an existing rollout id and then writes nothing of that batch', async () => {
        const { s } = await seeded();
        await s.enqueue(newRollouts(1));
        await assert.rejects(
          s.enqueue(newRollouts(2, { from: 2 }).concat(newRollouts(1))),
          /rollout 'train-1-1' already exists/,
        );
        assert.deepEqual(
          (await s.rollouts()).map((r) => r.rollout_id),
          ['train-1-1'],
        );
        assert.equal((await s.dequeue('w1'))?.rollout.rollout_id, 'train-1-1');
        assert.equal(await s.dequeue('w1'), undefined);
      });

      it("gives a run's worker only that run's rollouts, and a worker of no run any run's", async () => {
        const { s } = await seeded();
        await s.createRun({
          run_id: 'run-b',
          model_ref: 'openai/sim-lite',
          config_path: 'c.json',
          config: CONFIG,
          store_path: s.location,
        });
        await s.enqueue(newRollouts(1));
        await s.enqueue(newRollouts(2, { run: 'run-b', runNumber: 2 }));
        assert.equal((await s.dequeue('w1', { runId: 'run-b' }))?.rollout.rollout_id, 'train-2-1');
        assert.equal((await s.dequeue('w1', { runId: 'run-b' }))?.rollout.rollout_id, 'train-2-2');
        assert.equal(
          await s.dequeue('w1', { runId: 'run-b' }),
          undefined,
          'run-b has nothing left although run 1 has a queued rollout',
        );
        assert.equal((await s.dequeue('w1'))?.rollout.rollout_id, 'train-1-1');
      });

      it('never gives one rollout to two interleaved dequeuers on two handles of one file', async () => {
        const { s, h } = await seeded();
        const other = await h.open();
        await other.registerWorker({ worker_id: 'w2', run_id: RUN, pid: process.pid, host: hostname() });
        await s.enqueue(newRollouts(40));
        const got: string[] = [];
        const drain = async (store: RolloutStore, worker: string) => {
          for (;;) {
            const c = await store.dequeue(worker);
            if (!c) return;
            got.push(c.rollout.rollout_id);
            await new Promise((r) => setImmediate(r));
          }
        };
        await Promise.all([drain(s, 'w1'), drain(other, 'w2'), drain(s, 'w1'), drain(other, 'w2')]);
        assert.equal(got.length, 40);
        assert.equal(new Set(got).size, 40);
        const attempts = await s.attempts({ run_id: RUN });
        assert.equal(attempts.length, 40);
        assert.ok(attempts.every((a) => a.sequence_id === 1));
      });

      it('never gives one rollout to two processes draining one file at once', async () => {
        const { s, h } = await seeded();
        const n = 60;
        await s.enqueue(newRollouts(n));
        const kids = [startDequeuer(h.location, 'p1'), startDequeuer(h.location, 'p2')];
        await Promise.all(kids.map((k) => k.ready));
        for (const k of kids) k.child.stdin!.end('go\n');
        // This process drains too, while the children do.
        const mine: string[] = [];
        for (;;) {
          const c = await s.dequeue('w1');
          if (!c) break;
          mine.push(c.rollout.rollout_id);
          assert.equal(
            await s.finishAttempt(c.attempt.attempt_id, { status: 'succeeded', reward: 0, answer: 'w1' }),
            'recorded',
          );
          await new Promise((r) => setTimeout(r, 1));
        }
        for (const k of kids) assert.equal(await k.exited, 0, k.stderr());
        const all = [...mine, ...kids[0]!.claims, ...kids[1]!.claims];
        // Really at the same time: more than one process got work.
        assert.ok(
          [mine, kids[0]!.claims, kids[1]!.claims].filter((c) => c.length > 0).length >= 2,
          'only one process claimed anything',
        );
        assert.equal(all.length, n, `claims: ${all.length}`);
        assert.equal(new Set(all).size, n);
        await s.refresh();
        const rollouts = await s.rollouts({ run_id: RUN });
        assert.ok(rollouts.every((r) => r.status === 'succeeded' && r.attempt_count === 1));
        // Each rollout's answer names the one worker that claimed it.
        for (const r of rollouts) {
          const who = mine.includes(r.rollout_id) ? 'w1' : kids[0]!.claims.includes(r.rollout_id) ? 'p1' : 'p2';
          assert.equal(r.answer, who, r.rollout_id);
          assert.equal(r.assigned_worker_id, who);
        }
      });

      it('makes the attempt and the rollout running at the first span, and keeps spans in order', async () => {
        const { s } = await seeded();
        await s.enqueue(newRollouts(1));
        const c = (await s.dequeue('w1'))!;
        const span = (name: string) => ({
          rollout_id: c.rollout.rollout_id,
          attempt_id: c.attempt.attempt_id,
          sequence_id: 1,
          trace_id: 't1',
          span_id: name,
          parent_id: null,
          name,
          attributes: { n: name },
          events: [],
          start_time: new Date(now).toISOString(),
          end_time: new Date(now).toISOString(),
        });
        now += 500;
        await s.addSpans(c.attempt.attempt_id, [span('runner.execute_rollout'), span('agent.start')]);
        const [r] = await s.rollouts();
        const [a] = await s.attempts({ rollout_id: c.rollout.rollout_id });
        assert.equal(r?.status, 'running');
        assert.equal(a?.status, 'running');
        sameTime(a.last_heartbeat_at, T0 + 500);
        await s.addSpans(c.attempt.attempt_id, [span('reward.emit')]);
        assert.deepEqual(
          (await s.spans(c.rollout.rollout_id)).map((x) => x.name),
          ['runner.execute_rollout', 'agent.start', 'reward.emit'],
        );
        assert.equal(
          await s.finishAttempt(c.attempt.attempt_id, { status: 'succeeded', reward: 0.5, answer: 'two' }),
          'recorded',
        );
        const [done] = await s.rollouts();
        assert.equal(done?.status, 'succeeded');
        assert.equal(done.reward, 0.5);
        assert.equal(done.answer, 'two');
        sameTime(done.end_time, T0 + 500);
        assert.equal((await s.workers())[0]?.active_attempt_id, null);
      });

      it("requeues a failed attempt's rollout only while attempts remain and failed is a retry condition", async () => {
        const { s } = await seeded();
        await s.enqueue(newRollouts(1, { config: rolloutConfig({ max_attempts: 2, retry_condition: ['failed'] }) }));
        await s.enqueue(newRollouts(1, { from: 2, config: rolloutConfig({ max_attempts: 3 }) }));
        const first = (await s.dequeue('w1'))!;
        await s.finishAttempt(first.attempt.attempt_id, { status: 'failed', error: 'boom' });
        assert.equal((await s.rollouts())[0]?.status, 'requeuing');
        const other = (await s.dequeue('w1'))!;
        assert.equal(other.rollout.rollout_id, 'train-1-2');
        await s.finishAttempt(other.attempt.attempt_id, { status: 'failed', error: 'no retry on failed' });
        const again = (await s.dequeue('w1'))!;
        assert.equal(again.attempt.attempt_id, 'train-1-1:attempt-2');
        await s.finishAttempt(again.attempt.attempt_id, { status: 'failed', error: 'boom again' });
        const rows = await s.rollouts();
        assert.deepEqual(
          rows.map((r) => [r.rollout_id, r.status, r.attempt_count]),
          [
            ['train-1-1', 'failed', 2],
            ['train-1-2', 'failed', 1],
          ],
        );
        assert.ok(rows.every((r) => r.end_time !== null));
        assert.deepEqual(
          (await s.attempts({ rollout_id: 'train-1-1' })).map((a) => [a.status, a.error_message]),
          [
            ['failed', 'boom'],
            ['failed', 'boom again'],
          ],
        );
      });

      it("cancels a run's open rollouts, drops their queue rows, and a late result is then lost", async () => {
        const { s } = await seeded();
        await s.enqueue(newRollouts(3));
        const c = (await s.dequeue('w1'))!;
        await s.finishAttempt(c.attempt.attempt_id, { status: 'succeeded', reward: 1, answer: 'x' });
        const running = (await s.dequeue('w1'))!;
        assert.equal(await s.cancelRollouts(RUN), 2);
        assert.deepEqual(
          (await s.rollouts()).map((r) => r.status),
          ['succeeded', 'cancelled', 'cancelled'],
        );
        assert.equal(await s.dequeue('w1'), undefined);
        assert.equal(
          await s.finishAttempt(running.attempt.attempt_id, { status: 'succeeded', reward: 1, answer: 'late' }),
          'lost',
        );
        assert.equal((await s.rollouts())[1]?.answer, null);
        assert.equal(await s.cancelRollouts(RUN), 0);
      });

      it('counts a run apart from the whole store', async () => {
        const { s } = await seeded();
        await s.createRun({
          run_id: 'run-b',
          model_ref: 'openai/sim-1',
          config_path: 'c.json',
          config: CONFIG,
          store_path: 'p',
        });
        await s.enqueue(newRollouts(2));
        await s.enqueue(newRollouts(3, { run: 'run-b', runNumber: 2 }));
        await s.dequeue('w1');
        assert.deepEqual(await s.counters(RUN), {
          total_rollouts: 2,
          queuing: 1,
          running: 1,
          requeuing: 0,
          succeeded: 0,
          failed: 0,
          cancelled: 0,
        });
        assert.deepEqual(await s.counters(), {
          total_rollouts: 5,
          queuing: 4,
          running: 1,
          requeuing: 0,
          succeeded: 0,
          failed: 0,
          cancelled: 0,
        });
        assert.equal((await s.rollouts({ run_id: 'run-b', status: ['queuing'] })).length, 3);
        assert.equal((await s.rollouts({ status: [] })).length, 0);
      });
    });

    describe('resources', () => {
      it('adds immutable versions max + 1 and moves is_latest only when asked', async () => {
        const { s } = await fresh();
        const v1 = await s.addResources(
          { system_prompt: 'one' },
          { run_id: RUN, label: 'initial', parent_version: null, latest: true },
        );
        const v2 = await s.addResources(
          { system_prompt: 'two' },
          { run_id: RUN, label: 'apo r1 c1', parent_version: 1, latest: false },
        );
        const v3 = await s.addResources(
          { system_prompt: 'three' },
          { run_id: 'other', label: 'apo r1 c2', parent_version: 1, latest: false },
        );
        assert.deepEqual(
          [v1.resources_id, v1.version, v2.resources_id, v3.version],
          ['resources-1', 1, 'resources-2', 3],
        );
        assert.equal((await s.latestResources())?.version, 1);
        await s.markLatest(v2.resources_id);
        const all = await s.listResources();
        assert.deepEqual(
          all.map((r) => [r.version, r.is_latest, r.resources.system_prompt, r.label, r.parent_version]),
          [
            [1, false, 'one', 'initial', null],
            [2, true, 'two', 'apo r1 c1', 1],
            [3, false, 'three', 'apo r1 c2', 1],
          ],
        );
        assert.deepEqual(
          (await s.listResources(RUN)).map((r) => r.version),
          [1, 2],
        );
        const v4 = await s.addResources(
          { system_prompt: 'four' },
          { run_id: RUN, label: 'x', parent_version: 2, latest: true },
        );
        assert.equal((await s.latestResources())?.resources_id, v4.resources_id);
        assert.equal((await s.listResources()).filter((r) => r.is_latest).length, 1);
        assert.equal((await s.getResources('resources-2'))?.resources.system_prompt, 'two');
        await assert.rejects(s.markLatest('resources-99'), /no resources 'resources-99'/);
      });
    });

    describe('runs', () => {
      it('numbers runs, lists them newest first, reopens and finishes them', async () => {
        const { s } = await fresh();
        const a = await s.createRun({
          run_id: 'r-a',
          model_ref: 'openai/sim-1',
          config_path: 'a.json',
          config: CONFIG,
          store_path: s.location,
        });
        now += 1000;
        const b = await s.createRun({
          run_id: 'r-b',
          model_ref: 'openai/sim-2',
          config_path: 'b.json',
          config: CONFIG,
          store_path: s.location,
        });
        assert.deepEqual([a.run_number, b.run_number], [1, 2]);
        assert.equal(a.status, 'running');
        assert.equal(a.owner_pid, process.pid);
        assert.equal(a.owner_host, hostname());
        sameTime(a.started_at, T0);
        assert.deepEqual(a.config, CONFIG);
        assert.deepEqual(
          (await s.listRuns()).map((r) => r.run_id),
          ['r-b', 'r-a'],
        );
        await assert.rejects(
          s.createRun({ run_id: 'r-a', model_ref: 'm', config_path: 'a.json', config: CONFIG, store_path: s.location }),
        );

        now += 1000;
        await s.finishRun('r-a', 'failed', null, 'trainer timeout waiting for rollouts to complete: 1 left');
        let row = (await s.getRun('r-a'))!;
        assert.deepEqual(
          [row.status, row.error],
          ['failed', 'trainer timeout waiting for rollouts to complete: 1 left'],
        );
        sameTime(row.ended_at, T0 + 2000);
        await s.reopenRun('r-a', 'openai/sim-3');
        row = (await s.getRun('r-a'))!;
        assert.deepEqual([row.status, row.ended_at, row.error, row.model_ref], ['running', null, null, 'openai/sim-3']);
        const report = {
          model_ref: 'openai/sim-3',
          store_path: s.location,
          total_rollouts: 1,
          succeeded: 1,
          failed: 0,
          cancelled: 0,
          run_id: 'r-a',
          mean_reward: { optimize: 1, validate: null },
          best: null,
          rounds: [],
          calls: 1,
          cost_usd: null,
        };
        await s.finishRun('r-a', 'completed', report, null);
        assert.deepEqual((await s.getRun('r-a'))?.report, report);
        await assert.rejects(s.finishRun('nope', 'completed', null, null), /no run 'nope'/);
      });

      it("stores the job's snapshot and events and reads them back in order", async () => {
        const { s, h } = await fresh();
        await s.createRun({
          run_id: RUN,
          model_ref: 'openai/sim-1',
          config_path: 'c.json',
          config: CONFIG,
          store_path: s.location,
        });
        assert.deepEqual(await s.readJob(RUN), { snapshot: null, lastSeq: 0, events: [] });
        const at = new Date(T0).toISOString();
        const e1: OptimizeEvent = {
          runId: RUN,
          at,
          type: 'optimize_start',
          model_ref: 'openai/sim-1',
          store_path: s.location,
          items: { optimize: 1, validate: 0 },
          rounds_total: 0,
          resumed: false,
        };
        const e2: OptimizeEvent = { runId: RUN, at, type: 'round_start', round: 1 };
        const snapshot = { runId: RUN, status: 'running', detail: 'baseline' } as unknown as OptimizeRunSnapshot;
        s.persistJob(RUN, { snapshot, events: [{ seq: 1, event: e1 }] });
        s.persistJob(RUN, { snapshot: { ...snapshot, detail: 'round 1' }, events: [{ seq: 2, event: e2 }] });
        await s.close();
        const again = await h.open();
        const job = await again.readJob(RUN);
        assert.equal(job.lastSeq, 2);
        assert.deepEqual(job.events, [e1, e2]);
        assert.equal(job.snapshot?.detail, 'round 1');
      });

      it('keeps all state across a re-open, and a second run on the store gets new rollout ids', async () => {
        const { s, h } = await seeded();
        await s.enqueue(newRollouts(2));
        const c = (await s.dequeue('w1'))!;
        await s.finishAttempt(c.attempt.attempt_id, { status: 'succeeded', reward: 1, answer: 'a' });
        await s.close();
        const again = await h.open();
        assert.deepEqual(await again.counters(), {
          total_rollouts: 2,
          queuing: 1,
          running: 0,
          requeuing: 0,
          succeeded: 1,
          failed: 0,
          cancelled: 0,
        });
        const second = await again.createRun({
          run_id: 'run-2',
          model_ref: 'openai/sim-1',
          config_path: 'c.json',
          config: CONFIG,
          store_path: s.location,
        });
        await again.enqueue(newRollouts(2, { run: 'run-2', runNumber: second.run_number }));
        assert.deepEqual(
          (await again.rollouts()).map((r) => r.rollout_id),
          ['train-1-1', 'train-1-2', 'train-2-1', 'train-2-2'],
        );
        // The first run's queued rollout is still first in line.
        assert.equal((await again.dequeue('w1'))?.rollout.rollout_id, 'train-1-2');
      });
    });

    describe('watchdog', () => {
      const statuses = async (s: RolloutStore, rollout: string): Promise<AttemptStatus[]> =>
        (await s.attempts({ rollout_id: rollout })).map((a) => a.status);

      it('leaves attempts alone while they heartbeat', async () => {
        const { s } = await seeded();
        await s.enqueue(newRollouts(1, { config: rolloutConfig({ unresponsive_seconds: 3, timeout_seconds: 10 }) }));
        const c = (await s.dequeue('w1'))!;
        for (let i = 0; i < 3; i++) {
          now += 2500;
          await s.heartbeat('w1', c.attempt.attempt_id);
          assert.deepEqual(await s.sweep(), []);
        }
        sameTime((await s.attempts())[0]?.last_heartbeat_at, now);
        sameTime((await s.workers())[0]?.last_heartbeat_at, now);
      });

      it('takes a silent attempt as unresponsive, requeues the rollout, and another worker finishes it', async () => {
        const { s } = await seeded();
        await s.registerWorker({ worker_id: 'w2', run_id: RUN, pid: process.pid, host: hostname() });
        await s.enqueue(newRollouts(1, { config: rolloutConfig({ max_attempts: 2 }) }));
        const c = (await s.dequeue('w1'))!;
        // Exactly the limit is not yet silent (where the store's clock runs on, as close to it as that allows).
        now += 3000 - factory.slackMs;
        assert.deepEqual(await s.sweep(), [], 'exactly the limit is not yet silent');
        now += 1 + 2 * factory.slackMs;
        assert.deepEqual(await s.sweep(), [
          {
            attempt_id: 'train-1-1:attempt-1',
            rollout_id: 'train-1-1',
            attempt_status: 'unresponsive',
            rollout_status: 'requeuing',
            reason: 'no heartbeat for 3 s',
          },
        ]);
        assert.equal((await s.rollouts())[0]?.status, 'requeuing');
        assert.equal((await s.workers()).find((w) => w.worker_id === 'w1')?.active_attempt_id, null);
        const second = (await s.dequeue('w2'))!;
        assert.equal(second.attempt.attempt_id, 'train-1-1:attempt-2');
        assert.equal(second.rollout.attempt_count, 2);
        // The first worker wakes up: its spans and its result are refused, the second worker's counts.
        await assert.rejects(
          s.addSpans(c.attempt.attempt_id, []),
          (e: unknown) => e instanceof AttemptLostError && /unresponsive/.test(e.message),
        );
        assert.equal(
          await s.finishAttempt(c.attempt.attempt_id, { status: 'succeeded', reward: 1, answer: 'late' }),
          'lost',
        );
        assert.equal(
          await s.finishAttempt(second.attempt.attempt_id, { status: 'succeeded', reward: 1, answer: 'on time' }),
          'recorded',
        );
        const [r] = await s.rollouts();
        assert.deepEqual([r?.status, r?.answer, r?.assigned_worker_id], ['succeeded', 'on time', 'w2']);
        assert.deepEqual(await statuses(s, 'train-1-1'), ['unresponsive', 'succeeded']);
      });

      it('fails the rollout once max_attempts attempts went silent', async () => {
        const { s } = await seeded();
        await s.enqueue(newRollouts(1, { config: rolloutConfig({ max_attempts: 2 }) }));
        for (const expected of ['requeuing', 'failed'] as const) {
          const c = await s.dequeue('w1');
          assert.ok(c, 'claimed');
          now += 4000;
          const actions = await s.sweep();
          assert.deepEqual(
            actions.map((a) => a.rollout_status),
            [expected],
          );
        }
        const [r] = await s.rollouts();
        assert.deepEqual([r?.status, r?.attempt_count], ['failed', 2]);
        sameTime(r?.end_time, now);
        assert.equal(await s.dequeue('w1'), undefined);
        assert.deepEqual(await statuses(s, 'train-1-1'), ['unresponsive', 'unresponsive']);
      });

      it('with the default max_attempts 1, fails at the first silent attempt', async () => {
        const { s } = await seeded();
        await s.enqueue(newRollouts(1));
        await s.dequeue('w1');
        now += 10_000;
        assert.deepEqual(
          (await s.sweep()).map((a) => [a.attempt_status, a.rollout_status]),
          [['unresponsive', 'failed']],
        );
        assert.equal(await s.dequeue('w1'), undefined);
      });

      it('times out an attempt that heartbeats but runs past timeout_seconds', async () => {
        const { s } = await seeded();
        await s.enqueue(newRollouts(1, { config: rolloutConfig({ max_attempts: 2, timeout_seconds: 5 }) }));
        const c = (await s.dequeue('w1'))!;
        for (let i = 0; i < 3; i++) {
          now += 2000;
          await s.heartbeat('w1', c.attempt.attempt_id);
        }
        assert.deepEqual(await s.sweep(), [
          {
            attempt_id: c.attempt.attempt_id,
            rollout_id: 'train-1-1',
            attempt_status: 'timeout',
            rollout_status: 'requeuing',
            reason: 'attempt ran longer than 5 s',
          },
        ]);
        assert.equal((await s.attempts())[0]?.error_message, 'attempt ran longer than 5 s');
        assert.equal(
          await s.finishAttempt(c.attempt.attempt_id, { status: 'succeeded', reward: 1, answer: 'too late' }),
          'lost',
        );
      });

      it('does not retry an ending that is not in retry_condition', async () => {
        const { s } = await seeded();
        await s.enqueue(
          newRollouts(1, {
            config: rolloutConfig({ max_attempts: 3, timeout_seconds: 1, retry_condition: ['unresponsive'] }),
          }),
        );
        const c = (await s.dequeue('w1'))!;
        now += 1500;
        await s.heartbeat('w1', c.attempt.attempt_id);
        assert.deepEqual(
          (await s.sweep()).map((a) => [a.attempt_status, a.rollout_status]),
          [['timeout', 'failed']],
        );
      });

      it("reclaims a dead worker process's attempt at once, without waiting for its heartbeat to go stale", async () => {
        const { s } = await seeded();
        const pid = deadPid();
        await s.registerWorker({ worker_id: 'dead', run_id: RUN, pid, host: hostname() });
        await s.registerWorker({ worker_id: 'elsewhere', run_id: RUN, pid, host: `not-${hostname()}` });
        await s.enqueue(newRollouts(3, { config: rolloutConfig({ max_attempts: 2 }) }));
        const a = (await s.dequeue('dead'))!;
        await s.dequeue('elsewhere');
        await s.dequeue('w1');
        const actions = await s.sweep();
        // The same pid on another host is not ours to judge; w1 (this process) is alive.
        assert.deepEqual(actions, [
          {
            attempt_id: a.attempt.attempt_id,
            rollout_id: a.rollout.rollout_id,
            attempt_status: 'unresponsive',
            rollout_status: 'requeuing',
            reason: `worker dead (pid ${pid}) is gone`,
          },
        ]);
        assert.equal((await s.dequeue('w1'))?.attempt.attempt_id, `${a.rollout.rollout_id}:attempt-2`);
      });

      it('lets the first span of an attempt heartbeat it', async () => {
        const { s } = await seeded();
        await s.enqueue(newRollouts(1));
        const c = (await s.dequeue('w1'))!;
        now += 2500;
        await s.addSpans(c.attempt.attempt_id, [
          {
            rollout_id: c.rollout.rollout_id,
            attempt_id: c.attempt.attempt_id,
            sequence_id: 1,
            trace_id: 't',
            span_id: 's',
            parent_id: null,
            name: 'agent.start',
            attributes: {},
            events: [],
            start_time: '',
            end_time: '',
          },
        ]);
        now += 2500;
        assert.deepEqual(await s.sweep(), []);
      });
    });
  });
}
