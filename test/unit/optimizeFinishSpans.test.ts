// A rollout's last spans and its ending are one commit (one journal record, one fsync): read back from the journal
// file itself, for the store call and for a real worker against the simulator, which writes four commits a rollout
// and no heartbeat right after one of them.
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import * as path from 'node:path';
import { seedRun, simGateway } from '../support/optimizeConfig';
import type { Gateway } from '../../src/core/models/gateway';
import { rolloutConfigOf } from '../../src/core/optimize/batches';
import { parseOptimizeConfig } from '../../src/core/optimize/config';
import { openSqliteRolloutStore } from '../../src/core/optimize/store/sqliteRolloutStore';
import type { Claim, RolloutStore, Span } from '../../src/core/optimize/types';
import { startWorker } from '../../src/core/optimize/worker';
import { JOURNAL_HEADER_SIZE, scanRecords, type JournalRecord } from '../../src/core/store/journal';
import { storeFilesFor } from '../../src/core/store/storeFiles';
import { startSimulator, type Simulator } from '../sim/server';

const RUN = 'run-f';

/** The journal records committed since byte `from` (JOURNAL_HEADER_SIZE: all of them). */
function journalSince(storePath: string, from: number): { records: JournalRecord[]; end: number } {
  const { dir, files } = storeFilesFor(storePath);
  const bytes = new Uint8Array(readFileSync(path.join(dir, files.journal)));
  const scan = scanRecords(bytes.subarray(from), from);
  assert.equal(scan.tail, 'clean');
  return { records: scan.records, end: scan.end };
}

const journalEnd = (storePath: string) => journalSince(storePath, JOURNAL_HEADER_SIZE).end;

/** Names of the spans a record inserts, in order. */
function spanNames(record: JournalRecord): string[] {
  return record.statements
    .filter((s) => /^INSERT INTO spans\b/.test(s.sql))
    .map((s) => (JSON.parse(String(s.params![3])) as Span).name);
}

const touches = (record: JournalRecord, pattern: RegExp) => record.statements.some((s) => pattern.test(s.sql));

describe('optimize: the last spans commit with the ending', function () {
  this.timeout(20_000);
  let now: number;
  let storePath: string;
  let store: RolloutStore;

  beforeEach(async () => {
    now = Date.parse('2026-03-01T10:00:00.000Z');
    storePath = path.join(mkdtempSync(path.join(tmpdir(), 'pt-finish-spans-')), 'store.sqlite');
    store = await openSqliteRolloutStore(storePath, { clock: () => now });
    const config = parseOptimizeConfig(
      JSON.stringify({ optimize: ['a', 'b'], max_attempts: 2, heartbeat_interval_ms: 60_000 }),
      'f.json',
    ).config;
    const { resources } = await seedRun(store, RUN, config);
    await store.enqueue(
      ['ping one', 'ping two'].map((prompt, i) => ({
        rollout_id: `train-1-${i + 1}`,
        run_id: RUN,
        input: { prompt, expected: `(simulator) You said: ${prompt}` },
        mode: 'train' as const,
        config: { ...rolloutConfigOf(config), retry_condition: ['failed', 'unresponsive', 'timeout'] },
        metadata: { run_id: RUN, item_index: i, set: 'optimize' as const, purpose: 'baseline' as const },
        resources_id: resources.resources_id,
      })),
    );
    await store.registerWorker({ worker_id: 'w1', run_id: RUN, pid: process.pid, host: hostname() });
  });
  afterEach(async () => {
    await store.close();
  });

  function span(claim: Claim, name: string): Span {
    const at = new Date(now).toISOString();
    return {
      rollout_id: claim.rollout.rollout_id,
      attempt_id: claim.attempt.attempt_id,
      sequence_id: claim.attempt.sequence_id,
      trace_id: 't',
      span_id: name,
      parent_id: null,
      name,
      attributes: {},
      events: [],
      start_time: at,
      end_time: at,
    };
  }

  it('finishAttempt with spans appends one journal record holding the spans and the ending', async () => {
    const claim = (await store.dequeue('w1'))!;
    await store.addSpans(claim.attempt.attempt_id, [span(claim, 'agent.start')]);
    const before = journalEnd(storePath);
    assert.equal(
      await store.finishAttempt(claim.attempt.attempt_id, {
        status: 'succeeded',
        reward: 1,
        answer: 'a',
        spans: [span(claim, 'reward.emit'), span(claim, 'runner.execute_rollout')],
      }),
      'recorded',
    );
    const { records } = journalSince(storePath, before);
    assert.equal(records.length, 1, 'one commit');
    assert.deepEqual(spanNames(records[0]!), ['reward.emit', 'runner.execute_rollout']);
    assert.ok(
      touches(records[0]!, /^UPDATE attempts SET status = \?, ended_at/),
      'the attempt ends in the same record',
    );
    assert.ok(touches(records[0]!, /^UPDATE rollouts SET status = 'succeeded'/), 'and so does the rollout');
    assert.deepEqual(
      (await store.spans(claim.rollout.rollout_id)).map((s) => s.name),
      ['agent.start', 'reward.emit', 'runner.execute_rollout'],
    );
    assert.equal(
      (await store.rollouts({ run_id: RUN })).find((r) => r.rollout_id === claim.rollout.rollout_id)!.status,
      'succeeded',
    );
  });

  it('spans given with the ending of a preparing attempt make it running first, as addSpans would (succeeded and requeued)', async () => {
    const a = (await store.dequeue('w1'))!;
    const b = (await store.dequeue('w1'))!;
    assert.equal(
      await store.finishAttempt(a.attempt.attempt_id, {
        status: 'succeeded',
        reward: 1,
        answer: 'x',
        spans: [span(a, 'runner.execute_rollout')],
      }),
      'recorded',
    );
    assert.equal(
      await store.finishAttempt(b.attempt.attempt_id, {
        status: 'failed',
        error: 'boom',
        spans: [span(b, 'agent.turn.1'), span(b, 'runner.execute_rollout')],
      }),
      'recorded',
    );
    const rollouts = await store.rollouts({ run_id: RUN });
    assert.deepEqual(
      rollouts.map((r) => r.status),
      ['succeeded', 'requeuing'],
    );
    assert.deepEqual(
      (await store.attempts({ run_id: RUN })).map((x) => x.status),
      ['succeeded', 'failed'],
    );
    assert.deepEqual(
      (await store.spans(b.rollout.rollout_id)).map((s) => s.name),
      ['agent.turn.1', 'runner.execute_rollout'],
    );
  });

  it("a late ending with spans of an attempt the watchdog took is 'lost' and writes nothing, spans included", async () => {
    const claim = (await store.dequeue('w1'))!;
    await store.addSpans(claim.attempt.attempt_id, [span(claim, 'agent.start')]);
    now += 10 * 60_000;
    assert.equal((await store.sweep()).length, 1);
    const before = journalEnd(storePath);
    assert.equal(
      await store.finishAttempt(claim.attempt.attempt_id, {
        status: 'succeeded',
        reward: 1,
        answer: 'late',
        spans: [span(claim, 'reward.emit'), span(claim, 'runner.execute_rollout')],
      }),
      'lost',
    );
    assert.equal(journalSince(storePath, before).records.length, 0);
    assert.deepEqual(
      (await store.spans(claim.rollout.rollout_id)).map((s) => s.name),
      ['agent.start'],
    );
    assert.equal((await store.rollouts({ run_id: RUN }))[0]!.status, 'requeuing');
  });
});

describe('optimize: a worker commits a rollout in four', function () {
  this.timeout(20_000);
  let sim: Simulator;
  let gateway: Gateway;

  before(async () => {
    sim = await startSimulator();
    gateway = simGateway(sim, 'pt-finish-ws-');
  });
  after(async () => {
    await sim.close();
  });

  it('claim, start spans, turn spans, then reward.emit and the root with the ending; a beat right after writes nothing', async () => {
    sim.reset();
    sim.configure({ latencyMs: 0 });
    const storePath = path.join(mkdtempSync(path.join(tmpdir(), 'pt-finish-worker-')), 'store.sqlite');
    const store = await openSqliteRolloutStore(storePath);
    const stop = new AbortController();
    try {
      const config = parseOptimizeConfig(JSON.stringify({ optimize: ['a'] }), 'f.json').config;
      const { resources } = await seedRun(store, RUN, config);
      await store.enqueue([
        {
          rollout_id: 'train-1-1',
          run_id: RUN,
          input: { prompt: 'ping one', expected: '(simulator) You said: ping one' },
          mode: 'train',
          config: rolloutConfigOf(config),
          metadata: { run_id: RUN, item_index: 0, set: 'optimize', purpose: 'baseline' },
          resources_id: resources.resources_id,
        },
      ]);
      const before = journalEnd(storePath);
      // A long interval: no timer tick during the test, so every record below is the worker's rollout path.
      const w = startWorker({
        store,
        gateway,
        workerId: 'w1',
        runId: RUN,
        model: 'openai/sim-1',
        reward: { type: 'exact_match' },
        pollIntervalMs: 10,
        heartbeatIntervalMs: 60_000,
        signal: stop.signal,
      });
      const ended = async () => (await store.rollouts({ run_id: RUN }))[0]!.status === 'succeeded';
      const deadline = Date.now() + 8000;
      while (!(await ended())) {
        if (Date.now() > deadline) throw new Error('timed out waiting for the rollout');
        await new Promise((r) => setTimeout(r, 10));
      }
      const afterRollout = journalEnd(storePath);
      // The watchdog's beat before a sweep: the ending just recorded the worker's heartbeat.
      await w.beat();
      assert.equal(journalEnd(storePath), afterRollout, 'no heartbeat commit right after the ending');
      w.stop();
      assert.equal((await w.done).succeeded, 1);

      const records = journalSince(storePath, before).records;
      const register = records.shift()!;
      const stopped = records.pop()!;
      assert.ok(touches(register, /^INSERT INTO workers/) && touches(stopped, /^UPDATE workers SET stopped_at/));
      assert.equal(records.length, 4, 'claim + start spans + turn spans + ending');
      const [claimed, start, turn, ending] = records as [JournalRecord, JournalRecord, JournalRecord, JournalRecord];
      assert.ok(touches(claimed, /^INSERT INTO attempts/));
      assert.deepEqual(spanNames(start), ['agent.start', 'message.added']);
      assert.ok(touches(start, /^UPDATE attempts SET status = 'running'/), 'the first span makes the attempt running');
      assert.deepEqual(spanNames(turn), ['agent.turn.1', 'message.added', 'agent.end']);
      assert.deepEqual(spanNames(ending), ['reward.emit', 'runner.execute_rollout']);
      assert.ok(touches(ending, /^UPDATE rollouts SET status = 'succeeded'/));
      assert.deepEqual(
        (await store.spans('train-1-1')).map((s) => s.name),
        [
          'agent.start',
          'message.added',
          'agent.turn.1',
          'message.added',
          'agent.end',
          'reward.emit',
          'runner.execute_rollout',
        ],
      );
    } finally {
      stop.abort();
      await store.close();
    }
  });

  it('an idle worker still heartbeats on every tick', async () => {
    const storePath = path.join(mkdtempSync(path.join(tmpdir(), 'pt-finish-idle-')), 'store.sqlite');
    const store = await openSqliteRolloutStore(storePath);
    const stop = new AbortController();
    try {
      const before = journalEnd(storePath);
      const w = startWorker({
        store,
        gateway,
        workerId: 'idle',
        runId: null,
        model: 'openai/sim-1',
        reward: { type: 'exact_match' },
        pollIntervalMs: 10,
        heartbeatIntervalMs: 40,
        signal: stop.signal,
      });
      await new Promise((r) => setTimeout(r, 420));
      w.stop();
      await w.done;
      const beats = journalSince(storePath, before).records.filter(
        (r) => r.statements.length === 1 && /^UPDATE workers SET last_heartbeat_at/.test(r.statements[0]!.sql),
      );
      // About ten ticks; a loaded machine delays timers, never skips a beat of an idle worker.
      assert.ok(beats.length >= 5, `${beats.length} heartbeats in ~10 intervals`);
    } finally {
      stop.abort();
      await store.close();
    }
  });
});
