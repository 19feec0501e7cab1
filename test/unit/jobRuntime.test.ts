import assert from 'node:assert/strict';
import {
  JobRuntime,
  type JobEventBase,
  type JobRuntimeOptions,
  type JobStop,
  type JobWrite,
} from '../../src/core/jobs/runtime';
import { ModelError, type GatewayEvent, type ModelGateway } from '../../src/core/models/types';

/** A small job's events: `step` is stored, `tick` and `throttle` are frequent (ephemeral). */
type TestEvent = JobEventBase &
  (
    | { type: 'step'; n: number }
    | { type: 'tick'; n: number }
    | { type: 'throttle'; queued: number }
    | { type: 'stopped'; kind: JobStop['kind']; message: string }
  );

interface TestSnapshot {
  steps: number[];
  ticks: number;
  throttled: number;
  stop: { kind: JobStop['kind']; message: string } | null;
}

function fold(s: TestSnapshot, e: TestEvent): TestSnapshot {
  switch (e.type) {
    case 'step':
      return { ...s, steps: [...s.steps, e.n] };
    case 'tick':
      return { ...s, ticks: s.ticks + 1 };
    case 'throttle':
      return { ...s, throttled: s.throttled + 1 };
    case 'stopped':
      return { ...s, stop: { kind: e.kind, message: e.message } };
  }
}

/** A persist that records every write; it throws from write number `failAt` on (1-based) when given. */
function fakePersist(failAt?: number) {
  const writes: JobWrite<TestEvent, TestSnapshot>[] = [];
  let calls = 0;
  return {
    writes,
    calls: () => calls,
    storedTypes: () => writes.flatMap((w) => w.events.map((x) => x.event.type)),
    persist(w: JobWrite<TestEvent, TestSnapshot>): void {
      calls += 1;
      if (failAt !== undefined && calls >= failAt) throw new Error('disk full');
      writes.push(w);
    },
  };
}

/** A gateway that only has onEvent, with a way to send events and to count its listeners. */
function fakeGateway() {
  const listeners = new Set<(e: GatewayEvent) => void>();
  const gateway: Pick<ModelGateway, 'onEvent'> = {
    onEvent(l) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
  };
  return { gateway, send: (e: GatewayEvent) => listeners.forEach((l) => l(e)), listeners: () => listeners.size };
}

function runtime(
  persist: ReturnType<typeof fakePersist>,
  over: Partial<JobRuntimeOptions<TestEvent, TestSnapshot>> = {},
) {
  return new JobRuntime<TestEvent, TestSnapshot>({
    runId: 'run-1',
    initial: { steps: [], ticks: 0, throttled: 0, stop: null },
    fold,
    ephemeral: (e) => e.type === 'tick' || e.type === 'throttle',
    persist: (w) => persist.persist(w),
    stopEvent: (stop, base) => ({ type: 'stopped', ...base, kind: stop.kind, message: stop.message }),
    flushIntervalMs: 10,
    ...over,
  });
}

const step = (rt: JobRuntime<TestEvent, TestSnapshot>, n: number) =>
  rt.emit({ type: 'step', runId: rt.runId, at: rt.at(), n });
const tick = (rt: JobRuntime<TestEvent, TestSnapshot>, n: number) =>
  rt.emit({ type: 'tick', runId: rt.runId, at: rt.at(), n });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resolves when the signal aborts, rejecting with its reason as a model call would. */
const abortedBy = (signal: AbortSignal) =>
  new Promise<never>((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });

describe('job runtime', () => {
  it('stores an event before any listener hears it, and listeners see the folded snapshot', async () => {
    const p = fakePersist();
    const rt = runtime(p);
    const heard: { type: string; storedAlready: boolean; steps: number[] }[] = [];
    const job = rt.start(async () => {
      step(rt, 1);
      step(rt, 2);
    });
    job.onEvent((e) =>
      heard.push({
        type: e.type,
        storedAlready: p.writes.some((w) => w.events.some((x) => x.event === e)),
        steps: job.snapshot().steps,
      }),
    );
    const final = await job.done;
    assert.deepEqual(
      heard.map((h) => [h.type, h.storedAlready, h.steps]),
      [
        ['step', true, [1]],
        ['step', true, [1, 2]],
      ],
    );
    assert.deepEqual(final, { steps: [1, 2], ticks: 0, throttled: 0, stop: null });
    assert.deepEqual(p.writes.at(-1)!.snapshot, final, 'the last write holds the final snapshot');
    assert.deepEqual(
      p.writes.flatMap((w) => w.events.map((x) => x.seq)),
      [1, 2],
    );
  });

  it('batches ephemeral events: no write each, they ride on the next stored event', async () => {
    const p = fakePersist();
    const rt = runtime(p, { flushIntervalMs: 1000 });
    let writesAfterTicks = -1;
    const heardTicks: number[] = [];
    const job = rt.start(async () => {
      for (let i = 0; i < 5; i++) tick(rt, i);
      writesAfterTicks = p.calls();
      step(rt, 1);
    });
    job.onEvent((e) => {
      if (e.type === 'tick') heardTicks.push(e.n);
    });
    await job.done;
    assert.equal(writesAfterTicks, 0, 'five ticks, no write');
    assert.deepEqual(heardTicks, [0, 1, 2, 3, 4], 'ticks are heard at once');
    const first = p.writes[0]!;
    assert.deepEqual(
      first.events.map((x) => x.event.type),
      ['step'],
      'ephemeral events are never in the event log',
    );
    assert.equal(first.snapshot.ticks, 5, 'but the snapshot written with the step has them');
  });

  it('writes pending ephemeral state after flushIntervalMs, once for many events', async () => {
    const p = fakePersist();
    const rt = runtime(p, { flushIntervalMs: 20 });
    let release!: () => void;
    const job = rt.start(async () => {
      await new Promise<void>((r) => (release = r));
    });
    await sleep(0);
    for (let i = 0; i < 3; i++) tick(rt, i);
    assert.equal(p.calls(), 0);
    await sleep(60);
    assert.equal(p.calls(), 1, 'one timed write for three ticks');
    assert.deepEqual(p.writes[0]!.events, []);
    assert.equal(p.writes[0]!.snapshot.ticks, 3);
    release();
    await job.done;
  });

  it('flushSoon carries rows the engine buffered on the next timed write', async () => {
    const p = fakePersist();
    const buffered: string[] = [];
    const written: string[][] = [];
    const rt = runtime(p, {
      flushIntervalMs: 15,
      persist: (w) => {
        written.push(buffered.splice(0));
        p.persist(w);
      },
    });
    const job = rt.start(async () => {
      buffered.push('row-1', 'row-2');
      rt.flushSoon();
      rt.flushSoon();
      await sleep(50);
    });
    await job.done;
    assert.deepEqual(written[0], ['row-1', 'row-2']);
    assert.equal(written.length, 2, 'one timed write (two flushSoon calls) and the closing write');
  });

  it('a persist that throws stops the job with a store stop event, aborts its signal, and done still resolves', async () => {
    const p = fakePersist(2);
    const rt = runtime(p);
    const heard: TestEvent[] = [];
    let reachedAfterFailure = false;
    const job = rt.start(async () => {
      step(rt, 1);
      step(rt, 2); // this write fails: emit throws
      reachedAfterFailure = true;
    });
    job.onEvent((e) => heard.push(e));
    const final = await job.done;
    assert.equal(reachedAfterFailure, false);
    assert.equal(rt.signal.aborted, true);
    assert.deepEqual(final.stop, { kind: 'store', message: 'could not write the run to the store: disk full' });
    assert.deepEqual(
      heard.map((e) => e.type),
      ['step', 'step', 'stopped'],
      'listeners still hear the event whose write failed, and the stop',
    );
    assert.deepEqual(p.storedTypes(), ['step'], 'only what was written before the failure');
  });

  it('a failed timed write stops a job that is waiting on its signal', async () => {
    const p = fakePersist(1);
    const rt = runtime(p, { flushIntervalMs: 5 });
    const job = rt.start(async (r) => {
      tick(r, 1);
      await abortedBy(r.signal);
    });
    const final = await job.done;
    assert.equal(final.stop?.kind, 'store');
    assert.match(final.stop.message, /disk full/);
  });

  it('cancel: a cancelled stop with the reason, the signal aborted with a ModelError, later cancels ignored', async () => {
    const p = fakePersist();
    const rt = runtime(p);
    const job = rt.start(async (r) => {
      step(r, 1);
      await abortedBy(r.signal);
    });
    job.onEvent((e) => {
      if (e.type === 'step') job.cancel('the user pressed Stop');
    });
    const final = await job.done;
    assert.deepEqual(final.stop, { kind: 'cancelled', message: 'the user pressed Stop' });
    assert.equal(rt.signal.aborted, true);
    assert.ok(rt.signal.reason instanceof ModelError && rt.signal.reason.kind === 'cancelled');
    assert.deepEqual(p.storedTypes(), ['step', 'stopped'], 'the stop event is stored');
    job.cancel('again');
    assert.equal(job.snapshot().stop?.message, 'the user pressed Stop');
  });

  it('a parent signal cancels the job with the default reason', async () => {
    const parent = new AbortController();
    const rt = runtime(fakePersist(), { signal: parent.signal });
    const job = rt.start(async (r) => {
      await abortedBy(r.signal);
    });
    setTimeout(() => parent.abort(), 5);
    const final = await job.done;
    assert.deepEqual(final.stop, { kind: 'cancelled', message: 'Cancelled by the user' });
  });

  it("ModelError('budget') → a budget stop; any other throw → an error stop with its message", async () => {
    const budget = await runtime(fakePersist()).start(async () => {
      throw new ModelError('budget', 'budget reached: $0.50 of $0.50');
    }).done;
    assert.deepEqual(budget.stop, { kind: 'budget', message: 'budget reached: $0.50 of $0.50' });
    const failed = await runtime(fakePersist()).start(async () => {
      throw new ModelError('server', '500 from openai');
    }).done;
    assert.deepEqual(failed.stop, { kind: 'error', message: '500 from openai' });
    const ok = await runtime(fakePersist()).start(async () => undefined).done;
    assert.equal(ok.stop, null, 'a body that returns gets no stop event: the engine closes it itself');
  });

  it('forwards the gateway throttle events only while the job runs', async () => {
    const gw = fakeGateway();
    const p = fakePersist();
    const rt = runtime(p, {
      gateway: gw.gateway,
      throttleEvent: (ge, base) => ({ type: 'throttle', ...base, queued: ge.queued }),
    });
    const throttle: GatewayEvent = { type: 'throttle', provider: 'openai', active: 2, concurrency: 2, queued: 4 };
    gw.send(throttle); // before start: nobody listens
    const heard: TestEvent[] = [];
    const job = rt.start(async () => {
      gw.send(throttle);
      gw.send({ type: 'budget_reached', costUsd: 1, calls: 3 });
    });
    job.onEvent((e) => heard.push(e));
    const final = await job.done;
    gw.send(throttle); // after the end
    assert.deepEqual(
      heard.map((e) => [e.type, e.type === 'throttle' ? e.queued : null, e.runId]),
      [['throttle', 4, 'run-1']],
    );
    assert.equal(final.throttled, 1);
    assert.equal(job.snapshot().throttled, 1);
    assert.equal(gw.listeners(), 0, 'the runtime unsubscribes from the gateway');
    assert.deepEqual(p.storedTypes(), [], 'throttle events are ephemeral');
  });

  it('lastSeq: a resumed job numbers its events after the stored ones', async () => {
    const p = fakePersist();
    const rt = runtime(p, { lastSeq: 41 });
    await rt.start(async (r) => {
      step(r, 1);
      tick(r, 1);
      step(r, 2);
      throw new Error('stop here');
    }).done;
    assert.deepEqual(
      p.writes.flatMap((w) => w.events.map((x) => [x.seq, x.event.type])),
      [
        [42, 'step'],
        [43, 'step'],
        [44, 'stopped'],
      ],
    );
  });

  it('a throwing listener breaks neither the job nor the other listeners', async () => {
    const p = fakePersist();
    const rt = runtime(p);
    const job = rt.start(async (r) => {
      step(r, 1);
      tick(r, 1);
      step(r, 2);
    });
    job.onEvent(() => {
      throw new Error('listener bug');
    });
    job.onSnapshot(() => {
      throw new Error('snapshot listener bug');
    });
    const heard: string[] = [];
    job.onEvent((e) => heard.push(e.type));
    const final = await job.done;
    assert.deepEqual(heard, ['step', 'tick', 'step']);
    assert.deepEqual(final.steps, [1, 2]);
    assert.equal(final.stop, null);
  });

  it('unsubscribed listeners hear nothing more', async () => {
    const rt = runtime(fakePersist());
    const heard: number[] = [];
    const job = rt.start(async (r) => {
      step(r, 1);
      step(r, 2);
    });
    const off = job.onEvent((e) => {
      if (e.type === 'step') heard.push(e.n);
      off();
    });
    await job.done;
    assert.deepEqual(heard, [1]);
  });

  it('allOrAbort: the first failure aborts the siblings, is thrown once all settled, and leaves the job signal alone', async () => {
    const rt = runtime(fakePersist());
    const order: string[] = [];
    let thrown: unknown;
    let jobAbortedAfter = true;
    await rt.start(async (r) => {
      try {
        await r.allOrAbort<number>([
          async () => {
            await sleep(5);
            order.push('first fails');
            throw new Error('meta call failed');
          },
          (signal) =>
            abortedBy(signal).catch((e: unknown) => {
              order.push(`sibling aborted: ${(e as Error).message}`);
              throw e;
            }),
          async (signal) => {
            await sleep(20);
            order.push(`slow sibling settled, aborted=${signal.aborted}`);
            return 3;
          },
        ]);
      } catch (e) {
        thrown = e;
        order.push('allOrAbort threw');
      }
      jobAbortedAfter = r.signal.aborted;
    }).done;
    assert.deepEqual(order, [
      'first fails',
      'sibling aborted: meta call failed',
      'slow sibling settled, aborted=true',
      'allOrAbort threw',
    ]);
    assert.equal((thrown as Error).message, 'meta call failed');
    assert.equal(jobAbortedAfter, false, 'a failed phase does not cancel the job');
  });

  it('allOrAbort returns the results in task order when all succeed', async () => {
    const rt = runtime(fakePersist());
    let results: number[] = [];
    await rt.start(async (r) => {
      results = await r.allOrAbort([10, 1, 5].map((ms, i) => async () => (await sleep(ms), i)));
    }).done;
    assert.deepEqual(results, [0, 1, 2]);
  });

  it('starts the body on the next tick, so a caller subscribing right after start hears the first event', async () => {
    const rt = runtime(fakePersist());
    const job = rt.start(async (r) => step(r, 1));
    const heard: string[] = [];
    job.onEvent((e) => heard.push(e.type));
    await job.done;
    assert.deepEqual(heard, ['step']);
    assert.equal(rt.isFinished, true);
  });
});
