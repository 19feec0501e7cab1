import assert from 'node:assert/strict';
import { tuneRun } from '../../src/core/runs/tuneRuns';
import { TuneRunsRepository } from '../../src/core/tuning/runsRepository';
import { runningSeconds } from '../../src/core/jobs/job';
import { foldEvent, initialSnapshot } from '../../src/core/tuning/snapshot';
import type { TuneEvent, TuneRunSnapshot } from '../../src/core/tuning/types';
import { memoryStore } from './tuningFakes';

const T0 = Date.parse('2026-11-22T10:00:00.000Z');
const at = (s: number) => new Date(T0 + s * 1000).toISOString();
type Dist<T> = T extends unknown ? Omit<T, 'runId' | 'at'> : never;
const ev = (s: number, e: Dist<TuneEvent>): TuneEvent => ({ runId: 'r1', at: at(s), ...e });

function fold(events: TuneEvent[]): TuneRunSnapshot {
  let s = initialSnapshot({
    runId: 'r1',
    mode: 'quick',
    suite: { name: 'S', file: 's.suite.json' },
    metaModel: 'openai/m',
    targetModels: ['openai/a'],
    basePrompt: 'Base prompt.',
    baseVersionId: null,
    generationsPlanned: 1,
    callsPlanned: 0,
    startedAt: at(0),
  });
  for (const e of events) s = foldEvent(s, e);
  return s;
}

const pm = (score: number) => [{ model: 'openai/a', score, passed: score * 4, total: 4 }];

describe('tuning snapshot fold', () => {
  it('tracks progress and an ETA from the pace so far', () => {
    const s = fold([
      ev(0, {
        type: 'tune_start',
        mode: 'quick',
        metaModel: 'openai/m',
        targetModels: ['openai/a'],
        callsPlanned: 10,
        generations: 1,
        population: 2,
      }),
      ev(4, { type: 'progress', callsDone: 4, callsPlanned: 10, detail: 'Evaluating', costUsd: 0.5 }),
    ]);
    assert.equal(s.status, 'running');
    assert.equal(s.progress, 0.4);
    assert.equal(s.etaSeconds, 6);
    assert.equal(s.costUsd, 0.5);
  });

  it('keeps the best candidate: highest score, ties to the shorter prompt; base score recorded', () => {
    const s = fold([
      ev(0, {
        type: 'tune_start',
        mode: 'quick',
        metaModel: 'openai/m',
        targetModels: ['openai/a'],
        callsPlanned: 10,
        generations: 1,
        population: 3,
      }),
      ev(0, { type: 'generation_start', generation: 1 }),
      ev(0, {
        type: 'prompt_generated',
        generation: 1,
        promptId: 'g1-p1',
        text: 'Base prompt.',
        origin: 'base',
        parentIds: [],
      }),
      ev(0, {
        type: 'prompt_generated',
        generation: 1,
        promptId: 'g1-p2',
        text: 'A much longer prompt here.',
        origin: 'variant',
        parentIds: ['g1-p1'],
      }),
      ev(0, {
        type: 'prompt_generated',
        generation: 1,
        promptId: 'g1-p3',
        text: 'Short one.',
        origin: 'variant',
        parentIds: ['g1-p1'],
      }),
      ev(1, {
        type: 'prompt_eval_result',
        generation: 1,
        promptId: 'g1-p1',
        score: 0.25,
        validationScore: null,
        perModel: pm(0.25),
      }),
      ev(2, {
        type: 'prompt_eval_result',
        generation: 1,
        promptId: 'g1-p2',
        score: 0.75,
        validationScore: null,
        perModel: pm(0.75),
      }),
      ev(3, {
        type: 'prompt_eval_result',
        generation: 1,
        promptId: 'g1-p3',
        score: 0.75,
        validationScore: null,
        perModel: pm(0.75),
      }),
      ev(3, { type: 'generation_complete', generation: 1, bestScore: 0.75, survivorIds: ['g1-p3'] }),
    ]);
    assert.equal(s.baseScore, 0.25);
    assert.equal(s.best?.candidateId, 'g1-p3');
    assert.equal(s.generations[0]!.complete, true);
    assert.deepEqual(
      s.generations[0]!.candidates.map((c) => c.survived),
      [false, false, true],
    );
  });

  it('ends in the right status and never leaves a finished state', () => {
    const start = ev(0, {
      type: 'tune_start',
      mode: 'quick',
      metaModel: 'openai/m',
      targetModels: ['openai/a'],
      callsPlanned: 1,
      generations: 1,
      population: 2,
    });
    const failed = fold([start, ev(1, { type: 'tune_error', error: '401 from openai: check the key' })]);
    assert.equal(failed.status, 'failed');
    assert.equal(failed.error, '401 from openai: check the key');
    assert.equal(failed.detail, 'Tuning failed: 401 from openai: check the key');
    assert.equal(
      fold([start, ev(1, { type: 'tune_error', error: 'over budget', status: 'budget_reached' })]).status,
      'budget_reached',
    );
    const cancelled = fold([
      start,
      ev(1, { type: 'tune_cancelled', reason: 'Ctrl-C' }),
      ev(2, { type: 'tune_error', error: 'late' }),
    ]);
    assert.equal(cancelled.status, 'cancelled');
    assert.equal(cancelled.error, null);
  });

  it('carries a survivor score over without evaluation', () => {
    const s = fold([
      ev(0, { type: 'generation_start', generation: 2 }),
      ev(0, {
        type: 'prompt_generated',
        generation: 2,
        promptId: 'g2-p1',
        text: 'Kept.',
        origin: 'survivor',
        parentIds: ['g1-p3'],
        score: 0.5,
        validationScore: null,
        perModel: pm(0.5),
      }),
    ]);
    assert.equal(s.generations[0]!.candidates[0]!.score, 0.5);
    assert.equal(s.generations[0]!.bestScore, 0.5);
    assert.equal(s.best?.candidateId, 'g2-p1');
  });

  describe('a resumed run', () => {
    const start = (s: number, resumed?: { callsLeft: number; evaluationsKept: number; stoppedAt?: string }) =>
      ev(s, {
        type: 'tune_start',
        mode: 'quick',
        metaModel: 'openai/m',
        targetModels: ['openai/a'],
        callsPlanned: 100,
        generations: 1,
        population: 2,
        ...(resumed ? { resumed } : {}),
      });
    const progress = (s: number, callsDone: number) =>
      ev(s, { type: 'progress', callsDone, callsPlanned: 100, detail: 'Evaluating', costUsd: 0 });
    // 10 calls in the first 10 s, cancelled, resumed an hour later, then 10 calls in 10 s.
    const events = [
      start(0),
      progress(10, 10),
      ev(10, { type: 'tune_cancelled', reason: 'Ctrl-C' }),
      start(3610, { callsLeft: 90, evaluationsKept: 10, stoppedAt: at(10) }),
      progress(3620, 20),
    ];

    it('takes its ETA from the pace since the resume, not from its first start', () => {
      const s = fold(events);
      assert.equal(s.status, 'running');
      // 10 calls in the 10 s since the resume: 80 left take 80 s (from the first start it would be 4 hours).
      assert.equal(s.etaSeconds, 80);
      assert.equal(s.progress, 0.2);
    });

    it('counts as its duration only the time it ran, in the snapshot and in the run index', async () => {
      const done = fold([
        ...events,
        ev(3700, { type: 'tune_complete', bestPrompt: 'B', bestScore: 1, bestPromptId: 'g1-p1', savedVersion: null }),
      ]);
      assert.equal(done.resumedAt, at(3610));
      assert.equal(runningSeconds(done, done.finishedAt!), 10 + 90);
      const store = await memoryStore();
      const repo = new TuneRunsRepository(store);
      repo.create(fold([]), {});
      repo.write({ snapshot: done });
      const row = tuneRun(store, 'r1')!;
      assert.equal(row.durationSeconds, 100, '10 s before the pause and 90 s after it');
      assert.equal(row.resumedAt, at(3610));
    });

    it('adds up every run between pauses; a run whose process died stopped at its last write', () => {
      const s = fold([
        ...events,
        progress(3630, 30),
        // Killed: no closing event; the resume says when it last wrote (3630).
        start(7200, { callsLeft: 70, evaluationsKept: 30, stoppedAt: at(3630) }),
        progress(7205, 35),
      ]);
      assert.equal(s.activeSecondsBefore, 10 + 20);
      assert.equal(runningSeconds(s, at(7210)), 10 + 20 + 10);
      // 5 calls in the 5 s since the latest resume: 65 left.
      assert.equal(s.etaSeconds, 65);
    });

    it('reads a run stored before resumes were timed as it did: from its start', () => {
      const old = fold([start(0), progress(10, 10), ev(10, { type: 'tune_cancelled', reason: 'Ctrl-C' })]);
      assert.equal(old.resumedAt, undefined);
      assert.equal(runningSeconds(old, old.finishedAt!), 10);
      // A resume event stored without its stop time falls back to the run's end.
      const legacy = fold([...events.slice(0, 3), start(3610, { callsLeft: 90, evaluationsKept: 10 })]);
      assert.equal(legacy.activeSecondsBefore, 10);
    });
  });
});
