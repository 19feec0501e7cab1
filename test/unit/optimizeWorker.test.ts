// Local runner workers and the watchdog on the real SQLite rollout store, against the simulator through the real
// gateway: Tau's spans, a silent worker's attempt taken back and finished by another worker, max_attempts, a
// timed-out attempt whose late result is dropped, and never two succeeded attempts for one rollout.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import * as path from 'node:path';
import { seedRun, simGateway } from '../support/optimizeConfig';
import type { Gateway } from '../../src/core/models/gateway';
import type { ModelGateway } from '../../src/core/models/types';
import { rolloutConfigOf } from '../../src/core/optimize/batches';
import { parseOptimizeConfig } from '../../src/core/optimize/config';
import { AttemptLostError } from '../../src/core/optimize/store/errors';
import { openSqliteRolloutStore } from '../../src/core/optimize/store/sqliteRolloutStore';
import type {
  OptimizeConfig,
  ResourcesRow,
  RolloutRow,
  RolloutStore,
  WatchdogAction,
} from '../../src/core/optimize/types';
import { startWatchdog, type Watchdog } from '../../src/core/optimize/watchdog';
import { startWorker, type LocalWorker, type WorkerOptions } from '../../src/core/optimize/worker';
import { startSimulator, type Simulator } from '../sim/server';

const HEARTBEAT_MS = 40;
const ECHO = (text: string) => `(simulator) You said: ${text}`;

async function until<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 8000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 15));
  }
}

/** A pid that is certainly not running: a child that has already exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

describe('optimize workers and the watchdog', function () {
  this.timeout(30_000);
  let sim: Simulator;
  let gateway: Gateway;
  let store: RolloutStore;
  let resources: ResourcesRow;
  let runId: string;
  let workers: LocalWorker[];
  let watchdogs: Watchdog[];
  let stop: AbortController;

  before(async () => {
    sim = await startSimulator();
    gateway = simGateway(sim, 'pt-worker-ws-');
  });
  after(async () => {
    await sim.close();
  });

  beforeEach(async () => {
    sim.reset();
    sim.configure({ latencyMs: 0 });
    workers = [];
    watchdogs = [];
    stop = new AbortController();
    store = await openSqliteRolloutStore(path.join(mkdtempSync(path.join(tmpdir(), 'pt-worker-')), 'store.sqlite'));
    ({ runId, resources } = await seedRun(store, 'run-w', configWith({})));
  });
  afterEach(async () => {
    stop.abort();
    for (const w of workers) w.stop();
    await Promise.allSettled(workers.map((w) => w.done));
    for (const d of watchdogs) await d.stop();
    await store.close();
  });

  function configWith(over: Record<string, unknown>): OptimizeConfig {
    return parseOptimizeConfig(
      JSON.stringify({ optimize: ['a'], heartbeat_interval_ms: HEARTBEAT_MS, poll_interval_ms: 10, ...over }),
      'w.json',
    ).config;
  }

  async function enqueue(prompts: string[], over: Record<string, unknown> = {}): Promise<string[]> {
    const config = configWith(over);
    const ids = prompts.map((_, i) => `train-1-${i + 1}`);
    await store.enqueue(
      prompts.map((prompt, i) => ({
        rollout_id: ids[i]!,
        run_id: runId,
        input: { prompt, expected: ECHO(prompt) },
        mode: 'train' as const,
        config: rolloutConfigOf(config),
        metadata: { run_id: runId, item_index: i, set: 'optimize' as const, purpose: 'baseline' as const },
        resources_id: resources.resources_id,
      })),
    );
    return ids;
  }

  function worker(id: string, over: Partial<WorkerOptions> = {}): LocalWorker {
    const w = startWorker({
      store,
      gateway,
      workerId: id,
      runId,
      model: 'openai/sim-1',
      reward: { type: 'exact_match' },
      pollIntervalMs: 10,
      heartbeatIntervalMs: HEARTBEAT_MS,
      signal: stop.signal,
      ...over,
    });
    workers.push(w);
    return w;
  }

  function watchdog(actions: WatchdogAction[]): Watchdog {
    // As the trainer does: this process's workers heartbeat before each sweep, so only the frozen one goes silent.
    const d = startWatchdog({
      store,
      intervalMs: HEARTBEAT_MS,
      onActions: (a) => actions.push(...a),
      beforeSweep: async () => void (await Promise.all(workers.map((w) => w.beat()))),
    });
    watchdogs.push(d);
    return d;
  }

  const rollout = async (id: string) => (await store.rollouts({ run_id: runId })).find((r) => r.rollout_id === id)!;
  const ended = (id: string) => async (): Promise<RolloutRow | undefined> => {
    const r = await rollout(id);
    return ['succeeded', 'failed', 'cancelled'].includes(r.status) ? r : undefined;
  };

  it('runs rollouts with Tau spans, the reward, and the worker row registered and stopped', async () => {
    const ids = await enqueue(['ping one', 'hello there']);
    const w = worker('w1');
    for (const id of ids) await until(id, ended(id));
    w.stop();
    const stats = await w.done;
    assert.deepEqual([stats.succeeded, stats.failed, stats.lost], [2, 0, 0]);
    for (const id of ids) {
      const r = await rollout(id);
      assert.equal(r.status, 'succeeded');
      assert.equal(r.reward, 1, 'the sim echoes the prompt, which is the expected answer');
      assert.equal(r.answer, ECHO(r.input.prompt));
      const spans = await store.spans(id);
      assert.deepEqual(
        spans.map((s) => s.name),
        [
          'agent.start',
          'message.added',
          'agent.turn.1',
          'message.added',
          'agent.end',
          'reward.emit',
          'runner.execute_rollout',
        ],
        'written as each span ends; the root last',
      );
      const root = spans.at(-1)!;
      assert.equal(root.parent_id, null);
      for (const s of spans.slice(0, -1)) assert.equal(s.parent_id, root.span_id);
      assert.equal(new Set(spans.map((s) => s.trace_id)).size, 1, 'one trace per attempt');
      assert.equal(new Set(spans.map((s) => s.span_id)).size, spans.length);
      assert.ok(spans.every((s) => s.attempt_id === `${id}:attempt-1` && s.sequence_id === 1));
      assert.deepEqual(spans[1]!.attributes, { role: 'user', text: r.input.prompt });
      assert.deepEqual(spans[3]!.attributes, { role: 'assistant', text: r.answer });
      const turn = spans[2]!.attributes;
      assert.equal(turn.turn, 1);
      assert.equal(turn.finish_reason, 'stop');
      assert.deepEqual(turn.tool_results, []);
      assert.equal(typeof turn.request_duration_ms, 'number');
      assert.ok((turn.usage as { input_tokens: number }).input_tokens > 0);
      assert.deepEqual(spans[5]!.attributes, {
        reward_name: 'exact_match',
        reward_value: 1,
        rewards: { exact_match: 1 },
        detail: 'the trimmed answer equals the expected one',
      });
      assert.ok(root.start_time <= spans[0]!.start_time && root.end_time >= spans[5]!.end_time);
    }
    const sent = sim.requests()[0]!.body as { messages: { role: string; content: string }[] };
    assert.deepEqual(
      sent.messages[0],
      { role: 'system', content: 'You are a concise assistant.' },
      'the system prompt of the rollout resources',
    );
    const row = (await store.workers()).find((x) => x.worker_id === 'w1')!;
    assert.equal(row.run_id, runId);
    assert.equal(row.pid, process.pid);
    assert.equal(row.host, hostname());
    assert.ok(row.stopped_at !== null, 'stopped cleanly');
  });

  it('a worker that stops heartbeating mid-rollout: unresponsive, requeued, done by another worker, its late result lost', async () => {
    const [id] = await enqueue(['ping two'], { max_attempts: 2 });
    // A frozen worker: it claims and starts the rollout, then is never heard of again.
    await store.registerWorker({ worker_id: 'frozen', run_id: runId, pid: process.pid, host: hostname() });
    const claim = (await store.dequeue('frozen'))!;
    await store.addSpans(claim.attempt.attempt_id, [
      {
        ...claim.rollout,
        trace_id: 't',
        span_id: 's',
        parent_id: null,
        name: 'agent.start',
        attributes: {},
        events: [],
        start_time: new Date().toISOString(),
        end_time: new Date().toISOString(),
        attempt_id: claim.attempt.attempt_id,
        sequence_id: 1,
      },
    ]);
    const actions: WatchdogAction[] = [];
    watchdog(actions);
    const other = worker('healthy');
    const done = await until('the rollout to end', ended(id!));
    assert.equal(done.status, 'succeeded');
    assert.equal(done.attempt_count, 2);
    const attempts = await store.attempts({ rollout_id: id });
    assert.deepEqual(
      attempts.map((a) => [a.attempt_id, a.worker_id, a.status]),
      [
        [`${id}:attempt-1`, 'frozen', 'unresponsive'],
        [`${id}:attempt-2`, 'healthy', 'succeeded'],
      ],
    );
    assert.deepEqual(
      actions.map((a) => [a.attempt_id, a.attempt_status, a.rollout_status]),
      [[`${id}:attempt-1`, 'unresponsive', 'requeuing']],
    );
    assert.match(actions[0]!.reason, /no heartbeat/);
    // The frozen worker wakes up: its span and its result are refused, and the rollout keeps one success.
    await assert.rejects(store.addSpans(claim.attempt.attempt_id, []), AttemptLostError);
    assert.equal(
      await store.finishAttempt(claim.attempt.attempt_id, { status: 'succeeded', reward: 0, answer: 'late' }),
      'lost',
    );
    const after = await rollout(id!);
    assert.deepEqual([after.status, after.reward, after.answer], ['succeeded', 1, ECHO('ping two')]);
    assert.equal((await store.attempts({ rollout_id: id })).filter((a) => a.status === 'succeeded').length, 1);
    other.stop();
    assert.equal((await other.done).succeeded, 1);
  });

  it('max_attempts 1: the silent attempt fails the rollout and nobody runs it again', async () => {
    const [id] = await enqueue(['ping two'], { max_attempts: 1 });
    await store.registerWorker({ worker_id: 'frozen', run_id: runId, pid: process.pid, host: hostname() });
    await store.dequeue('frozen');
    const actions: WatchdogAction[] = [];
    watchdog(actions);
    const other = worker('healthy');
    const done = await until('the rollout to end', ended(id!));
    assert.equal(done.status, 'failed');
    await new Promise((r) => setTimeout(r, 4 * HEARTBEAT_MS));
    other.stop();
    assert.equal((await other.done).succeeded, 0, 'not requeued');
    assert.deepEqual(
      actions.map((a) => a.rollout_status),
      ['failed'],
    );
    assert.equal((await store.attempts({ rollout_id: id })).length, 1);
  });

  it("a dead process's attempt is taken back at the first sweep, not after the heartbeat timeout", async () => {
    const [id] = await enqueue(['hello'], { max_attempts: 2, heartbeat_interval_ms: 60_000 });
    await store.registerWorker({ worker_id: 'killed', run_id: runId, pid: deadPid(), host: hostname() });
    await store.dequeue('killed');
    const actions: WatchdogAction[] = [];
    const dog = watchdog(actions);
    await dog.sweepNow();
    assert.deepEqual(
      actions.map((a) => [a.attempt_status, a.rollout_status]),
      [['unresponsive', 'requeuing']],
    );
    worker('healthy');
    assert.equal((await until('the rollout to end', ended(id!))).status, 'succeeded');
  });

  it('past rollout_timeout_secs the attempt is timeout and requeued; the slow worker result is dropped; one success', async () => {
    const [id] = await enqueue(['ping three'], { max_attempts: 2, rollout_timeout_secs: 0.15 });
    let first = true;
    // The first model call takes long enough for the watchdog to time the attempt out.
    const slow: ModelGateway = {
      ...gateway,
      call: async (req, opts) => {
        if (first) {
          first = false;
          await new Promise((r) => setTimeout(r, 500));
        }
        return gateway.call(req, opts);
      },
    };
    const actions: WatchdogAction[] = [];
    watchdog(actions);
    const w = worker('slow', { gateway: slow });
    const done = await until('the rollout to end', ended(id!));
    assert.equal(done.status, 'succeeded');
    assert.deepEqual(
      actions.map((a) => [a.attempt_status, a.rollout_status]),
      [['timeout', 'requeuing']],
    );
    w.stop();
    const stats = await w.done;
    assert.deepEqual([stats.lost, stats.succeeded], [1, 1], 'the timed-out result was not recorded');
    const attempts = await store.attempts({ rollout_id: id });
    assert.deepEqual(
      attempts.map((a) => a.status),
      ['timeout', 'succeeded'],
    );
  });

  it('a model error fails the attempt; with max_attempts 2 it is tried once more, then the rollout fails', async () => {
    const [id] = await enqueue(['hello'], { max_attempts: 2 });
    const w = worker('w1', { model: 'openai/fail-400' });
    const done = await until('the rollout to end', ended(id!));
    assert.equal(done.status, 'failed');
    assert.equal(done.reward, null);
    const attempts = await store.attempts({ rollout_id: id });
    assert.deepEqual(
      attempts.map((a) => a.status),
      ['failed', 'failed'],
    );
    assert.match(attempts[0]!.error_message ?? '', /400/);
    const root = (await store.spans(id!)).filter((s) => s.name === 'runner.execute_rollout');
    assert.equal(root.length, 2);
    assert.equal(root[0]!.attributes.status, 'failed');
    w.stop();
    assert.equal((await w.done).failed, 2);
  });

  it('cancel: the call in flight is aborted and the attempt left to the canceller, who ends it', async () => {
    sim.configure({ latencyMs: 2000 });
    const [id] = await enqueue(['hello']);
    const w = worker('w1');
    await until('the call to start', async () => (await rollout(id!)).status === 'running');
    stop.abort();
    const stats = await w.done;
    assert.equal(stats.abandoned, `${id}:attempt-1`);
    assert.equal((await rollout(id!)).status, 'running', 'the worker records nothing on cancel');
    assert.equal(await store.cancelRollouts(runId), 1);
    assert.equal((await rollout(id!)).status, 'cancelled');
    assert.deepEqual(
      (await store.attempts({ rollout_id: id })).map((a) => a.status),
      ['failed'],
    );
  });
});
