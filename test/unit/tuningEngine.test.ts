import assert from 'node:assert/strict';
import { splitCases } from '../../src/core/tuning/caseSplit';
import { startTuning, type TuneJob } from '../../src/core/tuning/engine';
import { parseTuneConfig, type TuneConfigInput } from '../../src/core/tuning/config';
import { TuneRunsRepository } from '../../src/core/tuning/runsRepository';
import { foldEvent, initialSnapshot } from '../../src/core/tuning/snapshot';
import type { TuneEvent } from '../../src/core/tuning/types';
import { fakeLibrary, memoryStore, miniSuite, simGateway, type SimGatewayOptions } from './tuningFakes';

const BASE = 'You are a helpful travel assistant.';
const CASES = 6;

function config(over: Partial<TuneConfigInput> = {}) {
  return parseTuneConfig({
    suiteFile: 'mini.suite.json',
    mode: 'quick',
    metaModel: 'openai/sim-meta',
    targetModels: ['openai/sim-a'],
    basePrompt: BASE,
    ...over,
  });
}

async function run(
  over: Partial<TuneConfigInput> = {},
  gw: SimGatewayOptions = {},
  during?: (job: TuneJob, e: TuneEvent) => void,
) {
  const store = await memoryStore();
  const lib = fakeLibrary();
  const gateway = simGateway(gw);
  const job = startTuning(config(over), {
    suite: miniSuite(),
    gateway,
    store,
    library: lib.library,
    flushIntervalMs: 5,
  });
  const events: TuneEvent[] = [];
  job.onEvent((e) => {
    events.push(e);
    during?.(job, e);
  });
  const final = await job.done;
  return { job, final, events, gateway, store, lib, repo: new TuneRunsRepository(store) };
}

const named = (events: TuneEvent[]) =>
  events.filter((e) => e.type !== 'progress' && e.type !== 'throttle').map((e) => e.type);

describe('tuning engine (fake gateway playing the simulator)', () => {
  it('quick: writes population − 1 different variants, evaluates all, beats the base and saves the best', async () => {
    const { final, events, gateway, lib, job } = await run({ mode: 'quick', population: 5, baseVersionId: 7 });
    assert.equal(final.status, 'completed');
    const gen = final.generations[0]!;
    // The simulator's 5 rules make a duplicate variant possible: it is retried, and skipped on a second miss.
    const n = 5 - final.skippedChildren!;
    assert.ok(n >= 4);
    assert.equal(gen.candidates.length, n);
    assert.deepEqual(
      gen.candidates.map((c) => c.origin),
      ['base', ...new Array<string>(n - 1).fill('variant')],
    );
    assert.equal(new Set(gen.candidates.map((c) => c.note)).size, n, 'each variant has its own strategy');
    assert.equal(new Set(gen.candidates.map((c) => c.text)).size, n, 'all prompts differ');
    assert.ok(final.baseScore !== null && final.best !== null);
    assert.ok(final.best.score > final.baseScore, `best ${final.best.score} > base ${final.baseScore}`);
    // Every candidate on every case × model, and exactly the planned calls.
    for (const c of gen.candidates) assert.equal(gateway.systemsEvaluated().get(c.text), CASES);
    // Exactly the planned calls, plus one per retry, minus the evaluations of a skipped child.
    assert.equal(gateway.requests.length, job.estimate.calls + final.metaRetries! - final.skippedChildren! * CASES);
    assert.equal(final.callsDone, gateway.requests.length);
    assert.equal(final.callsPlanned, gateway.requests.length, 'the plan is corrected as retries and skips happen');
    // Meta calls never use the response cache (creative); evaluations may.
    gateway.requests.forEach((r, i) => {
      if (!r.tools?.length) assert.equal(gateway.cacheOptions[i], false);
      else assert.notEqual(gateway.cacheOptions[i], false);
    });
    assert.equal(final.progress, 1);
    // Saved to the library as a tuned version linked to the run and the base version.
    assert.equal(lib.added.length, 1);
    assert.deepEqual(
      {
        name: lib.added[0]!.name,
        source: lib.added[0]!.source,
        score: lib.added[0]!.score,
        runId: lib.added[0]!.runId,
        parent: lib.added[0]!.parentVersionId,
        text: lib.added[0]!.text,
      },
      {
        name: 'Mini travel (tuned)',
        source: 'tuned',
        score: final.best.score,
        runId: final.runId,
        parent: 7,
        text: final.best.text,
      },
    );
    assert.deepEqual(final.savedVersion, { id: 101, name: 'Mini travel (tuned)', version: 1 });
    const done = events.at(-1)!;
    assert.equal(done.type, 'tune_complete');
    assert.equal(done.bestPrompt, final.best.text);
    assert.deepEqual(named(events).slice(0, 3), ['tune_start', 'generation_start', 'prompt_generated']);
    for (const e of events) assert.equal(e.runId, final.runId);
  });

  it('evolutionary: survivors are the top ⌈P×r⌉, carried over without re-evaluation; children are mutations and crossovers', async () => {
    const { final, gateway, job, events } = await run({
      mode: 'evolutionary',
      population: 4,
      generations: 3,
      selectionRatio: 0.5,
    });
    assert.equal(final.status, 'completed');
    assert.equal(final.generations.length, 3);
    for (let g = 0; g < 2; g++) {
      const gen = final.generations[g]!;
      const ranked = [...gen.candidates].sort((a, b) => b.score! - a.score! || a.text.length - b.text.length);
      const expected = ranked
        .slice(0, 2)
        .map((c) => c.id)
        .sort();
      assert.deepEqual(
        gen.candidates
          .filter((c) => c.survived)
          .map((c) => c.id)
          .sort(),
        expected,
        `survivors of generation ${g + 1}`,
      );
      const next = final.generations[g + 1]!;
      const carried = next.candidates.filter((c) => c.origin === 'survivor');
      assert.equal(carried.length, 2);
      for (const c of carried) {
        const parent = final.generations.flatMap((x) => x.candidates).find((p) => p.id === c.parentIds[0]);
        assert.ok(parent, 'survivor points at its evaluated parent');
        assert.equal(c.score, parent.score);
        assert.equal(c.text, parent.text);
      }
      // Children: slot 3 a reflective mutation, slot 4 a crossover of the two survivors (unless skipped as a duplicate).
      const skipped = events
        .filter((e) => e.type === 'prompt_skipped' && e.generation === g + 2)
        .map((e) => (e.type === 'prompt_skipped' ? e.promptId : ''));
      const origin = (id: string) =>
        next.candidates.find((c) => c.id === id)?.origin ?? (skipped.includes(id) ? 'skipped' : 'missing');
      assert.ok(
        ['mutation', 'skipped'].includes(origin(`g${g + 2}-p3`)),
        `generation ${g + 2} slot 3: ${origin(`g${g + 2}-p3`)}`,
      );
      assert.ok(
        ['crossover', 'skipped'].includes(origin(`g${g + 2}-p4`)),
        `generation ${g + 2} slot 4: ${origin(`g${g + 2}-p4`)}`,
      );
    }
    // No prompt text is evaluated twice: survivors are not re-run.
    for (const [, n] of gateway.systemsEvaluated()) assert.equal(n, CASES);
    assert.equal(gateway.requests.length, job.estimate.calls + final.metaRetries! - final.skippedChildren! * CASES);
    assert.equal(job.estimate.calls, 3 + 4 * CASES + 2 * (2 + 2 * CASES));
    // Reflective mutations carry the parent's typed failures.
    const reflective = gateway.requests.filter(
      (r) => !r.tools && String(r.messages[0]!.content).includes('<failures>'),
    );
    assert.ok(reflective.length > 0);
    assert.match(
      String(reflective[0]!.messages[0]!.content),
      /- (value_error|type_error|unexpected_call|call_count|unexpected_arg): case \w+ on openai\/sim-a/,
    );
    const crossover = gateway.requests.filter((r) => !r.tools && String(r.messages[0]!.content).includes('<parent_a>'));
    assert.ok(crossover.length >= 2, 'one crossover asked for in each later generation');
    assert.ok(final.generations.slice(1).some((g) => g.candidates.some((c) => c.origin === 'crossover')));
    assert.ok(final.generations.slice(1).some((g) => g.candidates.some((c) => c.origin === 'mutation')));
    // generation_complete names the survivors.
    const gc = events.filter((e) => e.type === 'generation_complete');
    assert.equal(gc.length, 3);
    assert.deepEqual(gc.at(-1)!.survivorIds, []);
  });

  it('when no reply is a duplicate and nothing fails, the calls made equal the estimate exactly', async () => {
    let n = 0;
    const unique = (t: string) => t.replace('</prompt>', `\nVariant ${++n}.</prompt>`);
    for (const over of [
      { mode: 'quick' as const, population: 7 },
      { mode: 'evolutionary' as const, population: 5, generations: 4, selectionRatio: 0.4 },
    ]) {
      const { final, gateway, job } = await run(over, { metaReply: unique });
      assert.equal(final.status, 'completed');
      assert.equal(final.metaRetries, 0);
      assert.equal(gateway.requests.length, job.estimate.calls, `${over.mode}: calls made = estimate`);
      assert.equal(final.callsDone, job.estimate.calls);
    }
  });

  it('evolutionary reaches at least the quick score at the same population', async () => {
    const quick = await run({ mode: 'quick', population: 4 });
    const evo = await run({ mode: 'evolutionary', population: 4, generations: 3 });
    assert.ok(
      evo.final.best!.score >= quick.final.best!.score,
      `evolutionary ${evo.final.best!.score} ≥ quick ${quick.final.best!.score}`,
    );
    assert.ok(evo.final.best!.score > evo.final.baseScore!);
  });

  it('stores the run as it goes: a reopened run equals the live snapshot and folds from its stored events', async () => {
    const { final, repo, store } = await run({ mode: 'evolutionary', population: 3, generations: 2 });
    const stored = repo.getSnapshot(final.runId)!;
    assert.deepEqual(stored, final);
    assert.deepEqual(
      repo.list().map((r) => [r.runId, r.status, r.bestScore]),
      [[final.runId, 'completed', final.best!.score]],
    );
    const evs = repo.events(final.runId);
    assert.equal(evs[0]!.type, 'tune_start');
    assert.equal(evs.at(-1)!.type, 'tune_complete');
    const cands = repo.candidates(final.runId);
    assert.equal(
      cands.length,
      final.generations.reduce((n, g) => n + g.candidates.length, 0),
    );
    assert.equal(repo.caseResults(final.runId).length, (3 + 1) * CASES);
    // Refolding the stored (non-progress) events gives the same timeline.
    let s = initialSnapshot({
      runId: final.runId,
      mode: final.mode,
      suite: final.suite,
      metaModel: final.metaModel,
      targetModels: final.targetModels,
      basePrompt: final.basePrompt,
      baseVersionId: null,
      generationsPlanned: 2,
      callsPlanned: 0,
      startedAt: final.startedAt,
    });
    for (const e of evs) s = foldEvent(s, e);
    assert.deepEqual(s.generations, final.generations);
    assert.deepEqual(s.best, final.best);
    assert.ok(store.writes < 60, `batched writes (${store.writes})`);
  });

  it('cancel in the middle of a generation stops calls, keeps finished candidates and the best so far', async () => {
    let evaluatedSeen = 0;
    const { final, events, gateway, repo, job } = await run(
      { mode: 'quick', population: 5 },
      { delayMs: 5 },
      (j, e) => {
        if (e.type === 'prompt_eval_result' && ++evaluatedSeen === 2) j.cancel('test cancel');
      },
    );
    assert.equal(final.status, 'cancelled');
    assert.equal(events.at(-1)!.type, 'tune_cancelled');
    assert.equal(final.detail, 'Cancelled: test cancel');
    const scored = final.generations[0]!.candidates.filter((c) => c.score !== null);
    assert.equal(scored.length, 2);
    assert.ok(final.best && scored.some((c) => c.id === final.best!.candidateId));
    assert.ok(gateway.requests.length < job.estimate.calls);
    const stored = repo.getSnapshot(final.runId)!;
    assert.equal(stored.status, 'cancelled');
    assert.equal(stored.generations[0]!.candidates.filter((c) => c.score !== null).length, 2);
    const n = gateway.requests.length;
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(gateway.requests.length, n, 'no call after cancel');
  });

  it('meta-model failure ends in tune_error with the reason', async () => {
    const { final, events, lib } = await run({ metaModel: 'openai/fail-500' }, { failModels: ['openai/fail-500'] });
    assert.equal(final.status, 'failed');
    const last = events.at(-1)!;
    assert.equal(last.type, 'tune_error');
    assert.match(last.error, /500 from openai/);
    assert.match(final.error ?? '', /500 from openai/);
    assert.equal(lib.added.length, 0);
  });

  it('target-model failure ends in tune_error with the reason', async () => {
    const { final } = await run(
      { targetModels: ['openai/sim-a', 'openai/fail-500'] },
      { failModels: ['openai/fail-500'] },
    );
    assert.equal(final.status, 'failed');
    assert.match(final.error ?? '', /500 from openai \(openai\/fail-500\)/);
  });

  it('budget reached → status budget_reached with partial results', async () => {
    const { final, events } = await run({ mode: 'quick', population: 3 }, { budgetCalls: 2 + CASES + 3 });
    assert.equal(final.status, 'budget_reached');
    const last = events.at(-1)!;
    assert.equal(last.type === 'tune_error' && last.status, 'budget_reached');
    assert.ok(final.generations[0]!.candidates.filter((c) => c.score !== null).length >= 1);
    assert.ok(final.best);
  });

  it('an empty or duplicate variant is asked for once more, then skipped with a note', async () => {
    // Every meta reply is the base prompt itself: a duplicate, twice → skipped.
    const { final, events, gateway, job } = await run(
      { mode: 'quick', population: 3 },
      { metaReply: () => `<prompt>${BASE}</prompt>` },
    );
    assert.equal(final.status, 'completed');
    assert.equal(events.filter((e) => e.type === 'prompt_skipped').length, 2);
    assert.equal(gateway.metaCalls(), 4, 'two variants, each asked twice');
    assert.equal(gateway.requests.length, job.estimate.calls + 2 - 2 * CASES);
    assert.equal(final.callsDone, gateway.requests.length);
    assert.ok((final.notes ?? []).some((n) => /skipped: identical to an existing prompt twice/.test(n)));
    assert.equal(final.best!.text, BASE);
  });

  it('the retry after an empty reply can succeed', async () => {
    let first = true;
    const { final, gateway } = await run(
      { mode: 'quick', population: 2 },
      { metaReply: (t) => (first ? ((first = false), '') : t) },
    );
    assert.equal(final.status, 'completed');
    assert.equal(final.generations[0]!.candidates.length, 2);
    assert.equal(gateway.metaCalls(), 2);
    assert.match(final.generations[0]!.candidates[1]!.note ?? '', /retried/);
  });

  it('validation split: selection on the rest, a validation score per candidate, validation failures never shown to the meta model', async () => {
    const ids = miniSuite().cases.map((c) => c.id);
    const split = splitCases(ids, 0.34);
    assert.equal(split.validation.length, 2);
    assert.deepEqual(splitCases(ids, 0.34), split, 'deterministic');
    const { final, gateway, job } = await run({
      mode: 'evolutionary',
      population: 3,
      generations: 2,
      validationSplit: 0.34,
    });
    assert.equal(final.status, 'completed');
    assert.equal(gateway.requests.length, job.estimate.calls + final.metaRetries! - final.skippedChildren! * CASES);
    for (const c of final.generations[0]!.candidates) {
      assert.equal(typeof c.validationScore, 'number');
      assert.equal(c.perModel[0]!.total, 4, 'selection score on the 4 training cases');
    }
    assert.equal(typeof final.best!.validationScore, 'number');
    for (const r of gateway.requests.filter((x) => !x.tools)) {
      for (const v of split.validation) assert.doesNotMatch(String(r.messages[0]!.content), new RegExp(`case ${v} on`));
    }
  });

  it('forwards the gateway throttle events with the run id', async () => {
    const gateway = simGateway({
      beforeCall: (_req, n) => {
        if (n === 3)
          gateway.emitEvent({
            type: 'throttle',
            provider: 'openai',
            active: 4,
            concurrency: 4,
            queued: 9,
            retryInMs: 1200,
            status: 429,
          });
      },
    });
    const job = startTuning(config({ population: 2 }), {
      suite: miniSuite(),
      gateway,
      store: await memoryStore(),
      library: fakeLibrary().library,
    });
    const events: TuneEvent[] = [];
    job.onEvent((e) => events.push(e));
    let throttled = false;
    job.onSnapshot((s) => {
      if (s.throttle?.retryInMs === 1200) throttled = true;
    });
    await job.done;
    const t = events.find((e) => e.type === 'throttle');
    assert.ok(t && t.queued === 9 && t.retryInMs === 1200 && t.runId === job.runId);
    assert.ok(throttled, 'the snapshot shows the throttle');
  });
});
