import { strict as assert } from 'node:assert';
import { RatePacer } from '../../src/core/models/ratePacer';
import { pacedRun, VirtualClock } from './ratePacerSim';

const never = new AbortController().signal;
/** The learned rate, read afresh (TS would keep a narrowing from an earlier assert across the calls). */
const rateOf = (pacer: RatePacer): number | undefined => pacer.rate;

describe('rate pacer (virtual time, nothing really waits)', () => {
  it('never delays anything before a 429', async () => {
    const clock = new VirtualClock();
    const pacer = new RatePacer(clock);
    const sent = await Promise.all(Array.from({ length: 50 }, () => pacer.acquire(never)));
    assert.deepEqual(new Set(sent), new Set([0]));
    assert.equal(pacer.rate, undefined);
  });

  it('holds every attempt of the provider until the Retry-After has passed', async () => {
    const clock = new VirtualClock();
    const pacer = new RatePacer(clock);
    const first = await pacer.acquire(never);
    pacer.onRateLimited(first, 1500);
    const held = Promise.all([pacer.acquire(never), pacer.acquire(never)]);
    await clock.run(held);
    const times = await held;
    assert.ok(
      times.every((t) => t >= 1500),
      `sent at ${times.join(', ')}`,
    );
    assert.equal(pacer.rate, undefined, 'one attempt alone teaches no rate');
  });

  it('learns a rate from a 429 (what got through), spaces attempts by it, and cuts it multiplicatively', async () => {
    const clock = new VirtualClock();
    const pacer = new RatePacer(clock);
    const burst = await Promise.all(Array.from({ length: 12 }, () => pacer.acquire(never)));
    for (let i = 0; i < 10; i++) pacer.onSuccess();
    pacer.onRateLimited(burst[10]!, 100);
    pacer.onRateLimited(burst[11]!, 100); // the same round: already accounted for
    assert.equal(rateOf(pacer), 9, '10 answered in the last second, less 10 %');
    const next = Promise.all(Array.from({ length: 3 }, () => pacer.acquire(never)));
    await clock.run(next);
    const [a, b, c] = await next;
    assert.ok(a! >= 100, `sent at ${a}, before the Retry-After`);
    assert.ok(Math.abs(b! - a! - 1000 / 9) < 1e-6 && Math.abs(c! - b! - 1000 / 9) < 1e-6, `${a} ${b} ${c}`);

    // A 429 to an attempt sent after the cut is news: the rate is cut again (still a fraction of it).
    const before = rateOf(pacer) ?? NaN;
    pacer.onRateLimited(c!, undefined);
    const after = rateOf(pacer) ?? NaN;
    assert.ok(after < before && after >= before / 2, `${before} → ${after}`);
  });

  it('waits for the answers of the first round when its 429s come back before any of them', async () => {
    const clock = new VirtualClock();
    const pacer = new RatePacer(clock);
    const round = await Promise.all(Array.from({ length: 12 }, () => pacer.acquire(never)));
    pacer.onRateLimited(round[10]!, 100);
    pacer.onRateLimited(round[11]!, 100);
    assert.equal(rateOf(pacer), undefined, 'nothing answered yet: no guess');
    const retries = Promise.all([pacer.acquire(never), pacer.acquire(never)]);
    for (let i = 0; i < 10; i++) pacer.onSuccess();
    await clock.run(retries);
    assert.equal(rateOf(pacer), 9, 'guessed once the Retry-After was over: 10 answered, less 10 %');
    const [first, second] = await retries;
    assert.equal(first, 100);
    assert.ok(Math.abs(second - first - 1000 / 9) < 1e-6, `${first} ${second}`);
  });

  it('adds to the rate on successes only while the rate binds (someone is waiting)', async () => {
    const clock = new VirtualClock();
    const pacer = new RatePacer(clock, { slowStartPerSuccess: 0.5, increasePerSuccess: 0.1 });
    const sent = await Promise.all([pacer.acquire(never), pacer.acquire(never), pacer.acquire(never)]);
    pacer.onSuccess();
    pacer.onRateLimited(sent[1], undefined);
    const learned = rateOf(pacer) ?? NaN;
    pacer.onSuccess(); // nobody waits: demand is below the rate, nothing to learn
    assert.equal(rateOf(pacer), learned);
    const waiting = [pacer.acquire(never), pacer.acquire(never)];
    pacer.onSuccess();
    assert.equal(rateOf(pacer), learned + 0.5, 'slow start until the next 429');
    await clock.run(Promise.all(waiting));
  });

  it('lets an aborted waiter go and keeps nothing scheduled for it', async () => {
    const clock = new VirtualClock();
    const pacer = new RatePacer(clock);
    pacer.onRateLimited(await pacer.acquire(never), 60_000);
    const controller = new AbortController();
    const waiting = pacer.acquire(controller.signal).then(
      () => 'sent',
      () => 'aborted',
    );
    controller.abort();
    assert.equal(await waiting, 'aborted');
    assert.equal(pacer.waiting, 0);
    // The release loop woke up and ended: a fresh attempt after the block is let through on its own.
    await new Promise((r) => setImmediate(r));
    const later = pacer.acquire(never);
    await clock.run(later);
    assert.equal(await later, 60_000);
  });

  describe('against a token bucket like the simulator (issue 9 targets)', () => {
    for (const concurrency of [8, 32]) {
      it(`10 req/s, 102 calls, concurrency ${concurrency}: ≤ 1.3 requests per call, ≥ 0.95 of the limit, none lost`, async () => {
        const run = await pacedRun({ rps: 10, burst: 10, calls: 102, concurrency, latencyMs: 10 });
        assert.equal(run.ok, 102);
        const perCall = run.requests / run.ok;
        // The bucket starts full: 10 calls pass at once, the rest at 10 per second.
        const throughput = (run.ok - 10) / (run.wallMs / 1000) / 10;
        assert.ok(perCall <= 1.3, `${run.requests} requests for ${run.ok} calls`);
        assert.ok(throughput >= 0.95, `${throughput.toFixed(3)} of the limit in ${run.wallMs} ms`);
      });
    }

    it('finds a limit far above its first guess (50 req/s after a burst of 10)', async () => {
      const run = await pacedRun({ rps: 50, burst: 10, calls: 400, concurrency: 32, latencyMs: 10 });
      assert.equal(run.ok, 400);
      assert.ok(run.requests / run.ok <= 1.3, `${run.requests} requests`);
      assert.ok((run.ok - 10) / (run.wallMs / 1000) / 50 >= 0.9, `${run.wallMs} ms`);
    });
  });
});
