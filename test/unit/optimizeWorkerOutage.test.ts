// A worker whose store goes out of reach (every call fails as a dropped database connection does) waits it out
// with a backoff instead of dying: registered once the store is back, its attempt in flight recorded when it comes
// back, or — when a watchdog took the attempt meanwhile — its late result dropped and the requeued rollout run
// again, so it never succeeds twice. Also the classification and the backoff the retries use.
import { strict as assert } from 'node:assert';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { seedRun, simGateway } from '../support/optimizeConfig';
import type { Gateway } from '../../src/core/models/gateway';
import { rolloutConfigOf } from '../../src/core/optimize/batches';
import { parseOptimizeConfig } from '../../src/core/optimize/config';
import { openSqliteRolloutStore } from '../../src/core/optimize/store/sqliteRolloutStore';
import { backoffDelay, isStoreUnavailable, retryWhileUnavailable } from '../../src/core/optimize/storeOutage';
import type { ResourcesRow, RolloutStore, WatchdogAction } from '../../src/core/optimize/types';
import { startWatchdog } from '../../src/core/optimize/watchdog';
import { startWorker, type StoreOutageEvent } from '../../src/core/optimize/worker';
import { startSimulator, type Simulator } from '../sim/server';

const HEARTBEAT_MS = 40;

async function until<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 10_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 15));
  }
}

/** The store as a worker sees it over a network: down() makes every call fail as a refused connection. */
function flaky(inner: RolloutStore): { store: RolloutStore; down(): void; up(): void; failed: string[] } {
  let isDown = false;
  const failed: string[] = [];
  const store = new Proxy(inner, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        if (isDown && prop !== 'close') {
          failed.push(String(prop));
          return Promise.reject(
            Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
          );
        }
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { store, down: () => void (isDown = true), up: () => void (isDown = false), failed };
}

describe('a worker that loses its store', function () {
  this.timeout(30_000);
  let sim: Simulator;
  let gateway: Gateway;
  let inner: RolloutStore;
  let resources: ResourcesRow;
  let runId: string;
  let stop: AbortController;

  before(async () => {
    sim = await startSimulator();
    gateway = simGateway(sim, 'pt-outage-ws-');
  });
  after(async () => {
    await sim.close();
  });
  beforeEach(async () => {
    sim.reset();
    stop = new AbortController();
    inner = await openSqliteRolloutStore(path.join(mkdtempSync(path.join(tmpdir(), 'pt-outage-')), 'store.sqlite'));
    const config = parseOptimizeConfig(
      JSON.stringify({ optimize: ['a'], heartbeat_interval_ms: HEARTBEAT_MS, max_attempts: 2 }),
      'w.json',
    ).config;
    ({ runId, resources } = await seedRun(inner, 'run-o', config));
    await inner.enqueue([
      {
        rollout_id: 'train-1-1',
        run_id: runId,
        input: { prompt: 'ping', expected: '(simulator) You said: ping' },
        mode: 'train',
        config: rolloutConfigOf(config),
        metadata: { run_id: runId, item_index: 0, set: 'optimize', purpose: 'baseline' },
        resources_id: resources.resources_id,
      },
    ]);
  });
  afterEach(async () => {
    stop.abort();
    await inner.close();
  });

  const start = (store: RolloutStore, outages: StoreOutageEvent[], onClaim?: () => void) =>
    startWorker({
      store,
      gateway,
      workerId: 'w-net',
      runId,
      model: 'openai/sim-1',
      reward: { type: 'exact_match' },
      pollIntervalMs: 10,
      heartbeatIntervalMs: HEARTBEAT_MS,
      signal: stop.signal,
      backoff: { baseMs: 10, maxMs: 80 },
      onStoreOutage: (e) => outages.push(e),
      ...(onClaim ? { onClaim } : {}),
    });
  const ended = async () => {
    const [r] = await inner.rollouts({ run_id: runId });
    return r && ['succeeded', 'failed', 'cancelled'].includes(r.status) ? r : undefined;
  };

  it('down at start and mid-attempt: it registers when the store is back and records its attempt once', async () => {
    const net = flaky(inner);
    const outages: StoreOutageEvent[] = [];
    net.down();
    sim.configure({ latencyMs: 300 });
    let claimed = false;
    const w = start(net.store, outages, () => {
      claimed = true;
      // The connection drops while the model call is in flight; it is back after a while.
      net.down();
      setTimeout(() => net.up(), 250);
    });
    await new Promise((r) => setTimeout(r, 150));
    assert.equal((await inner.workers()).length, 0, 'not registered while the store is down');
    net.up();
    const r = await until('the rollout ended', ended);
    assert.ok(claimed);
    assert.equal(r.status, 'succeeded');
    w.stop();
    const stats = await w.done;
    assert.deepEqual([stats.succeeded, stats.failed, stats.lost], [1, 0, 0]);
    const attempts = await inner.attempts({ rollout_id: 'train-1-1' });
    assert.deepEqual(
      attempts.map((a) => a.status),
      ['succeeded'],
    );
    assert.equal(
      (await inner.spans('train-1-1')).at(-1)?.name,
      'runner.execute_rollout',
      'the spans written late, the root last',
    );
    assert.ok(net.failed.length > 0);
    assert.ok(
      outages.some((e) => e.state === 'down') && outages.at(-1)?.state === 'up',
      JSON.stringify(outages.map((e) => e.state)),
    );
    assert.notEqual((await inner.workers())[0]!.stopped_at, null, 'stopped cleanly');
  });

  it('down past the unresponsive window: the watchdog takes the attempt, the late result is dropped, the retry succeeds once', async () => {
    const net = flaky(inner);
    const outages: StoreOutageEvent[] = [];
    const actions: WatchdogAction[] = [];
    // Another process's watchdog, on a store that still works.
    const dog = startWatchdog({ store: inner, intervalMs: HEARTBEAT_MS, onActions: (a) => actions.push(...a) });
    sim.configure({ latencyMs: 100 });
    let claims = 0;
    const w = start(net.store, outages, () => {
      claims++;
      if (claims === 1) {
        net.down();
        setTimeout(() => net.up(), 800);
      }
    });
    const r = await until('the rollout ended', ended);
    w.stop();
    const stats = await w.done;
    await dog.stop();
    assert.equal(r.status, 'succeeded');
    assert.equal(claims, 2, 'claimed again after the watchdog requeued it');
    assert.equal(stats.lost, 1, 'the first attempt result was dropped');
    assert.equal(stats.succeeded, 1);
    const attempts = await inner.attempts({ rollout_id: 'train-1-1' });
    assert.deepEqual(
      attempts.map((a) => [a.sequence_id, a.status]),
      [
        [1, 'unresponsive'],
        [2, 'succeeded'],
      ],
    );
    assert.equal(actions[0]?.attempt_id, 'train-1-1:attempt-1');
  });

  it('classifies connection failures (also wrapped, by cause or by name) and backs off with a cap and jitter', async () => {
    assert.ok(isStoreUnavailable(Object.assign(new Error('x'), { code: 'ECONNREFUSED' })));
    assert.ok(
      isStoreUnavailable(
        Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }),
      ),
    );
    assert.ok(isStoreUnavailable(Object.assign(new Error('x'), { code: '08006' })));
    assert.ok(isStoreUnavailable(new Error('Connection terminated unexpectedly')));
    assert.ok(
      isStoreUnavailable(new Error('wrapped', { cause: Object.assign(new Error('y'), { code: 'ECONNRESET' }) })),
    );
    assert.ok(isStoreUnavailable(Object.assign(new Error('cannot reach the store'), { name: 'StoreConnectionError' })));
    assert.ok(!isStoreUnavailable(new Error('relation "rollouts" does not exist')));
    assert.ok(!isStoreUnavailable(Object.assign(new Error('duplicate key'), { code: '23505' })));
    for (let n = 0; n < 40; n++) {
      const d = backoffDelay(n, { baseMs: 100, maxMs: 3000 });
      const ceiling = Math.min(3000, 100 * 2 ** n);
      assert.ok(d >= ceiling / 2 && d <= ceiling, `retry ${n}: ${d}`);
    }
    assert.notEqual(backoffDelay(5, { random: () => 0 }), backoffDelay(5, { random: () => 1 }), 'jittered');
    let calls = 0;
    const v = await retryWhileUnavailable(
      async () => {
        if (++calls < 3) throw Object.assign(new Error('x'), { code: 'ECONNRESET' });
        return 'ok';
      },
      { baseMs: 1, maxMs: 2 },
    );
    assert.deepEqual([v, calls], ['ok', 3]);
    await assert.rejects(
      retryWhileUnavailable(async () => {
        throw new Error('a real failure');
      }),
      /a real failure/,
    );
  });
});
