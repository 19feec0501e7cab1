import assert from 'node:assert/strict';
import { scoreSeries } from '../../src/core/tuning/scoreSeries';
import { foldEvent, initialSnapshot } from '../../src/core/tuning/snapshot';
import type { CandidateSnapshot, GenerationSnapshot, TuneEvent, TuneRunSnapshot } from '../../src/core/tuning/types';

const A = 'openai/a';
const B = 'ollama/b';

/** A candidate scored `a` on model A and `b` on model B (overall: their mean); unscored when a is null. */
function cand(
  id: string,
  origin: CandidateSnapshot['origin'],
  a: number | null,
  b: number = a ?? 0,
  text = `Prompt ${id}.`,
): CandidateSnapshot {
  const scored = a !== null;
  return {
    id,
    generation: Number(/^g(\d+)/.exec(id)?.[1] ?? 1),
    text,
    origin,
    parentIds: [],
    score: scored ? (a + b) / 2 : null,
    perModel: scored
      ? [
          { model: A, score: a, passed: a * 4, total: 4 },
          { model: B, score: b, passed: b * 4, total: 4 },
        ]
      : [],
    evaluated: 0,
    toEvaluate: 8,
    survived: false,
  };
}

const gen = (number: number, candidates: CandidateSnapshot[]): GenerationSnapshot => ({
  number,
  candidates,
  complete: true,
  bestScore: null,
});

function run(generations: GenerationSnapshot[], baseScore: number | null = null) {
  return { targetModels: [A, B], generations, baseScore };
}

describe('tuning score series (the run view chart)', () => {
  it('gives each generation its best (with the prompt id), mean and count, overall and per target model', () => {
    const s = scoreSeries(
      run(
        [
          gen(1, [cand('g1-p1', 'base', 0.5), cand('g1-p2', 'variant', 0.25, 1), cand('g1-p3', 'variant', 0.75, 0.5)]),
          gen(2, [cand('g2-p1', 'survivor', 0.75, 0.5), cand('g2-p2', 'mutation', 1, 0.75)]),
        ],
        0.5,
      ),
    );
    assert.equal(s.baseId, 'g1-p1');
    assert.deepEqual(s.overall, {
      model: null,
      base: 0.5,
      generations: [
        { generation: 1, best: 0.625, bestId: 'g1-p2', mean: 0.625, scored: 2 },
        { generation: 2, best: 0.875, bestId: 'g2-p2', mean: 0.75, scored: 2 },
      ],
    });
    assert.deepEqual(
      s.perModel.map((t) => [t.model, t.base, t.generations.map((g) => [g.best, g.bestId, g.mean])]),
      [
        [
          A,
          0.5,
          [
            [0.75, 'g1-p3', 0.5],
            [1, 'g2-p2', 0.875],
          ],
        ],
        [
          B,
          0.5,
          [
            [1, 'g1-p2', 0.75],
            [0.75, 'g2-p2', 0.625],
          ],
        ],
      ],
    );
  });

  it('keeps the base prompt out of generation 1, so variants that all do worse show below the base line', () => {
    const s = scoreSeries(
      run(
        [gen(1, [cand('g1-p1', 'base', 0.9, 0.7), cand('g1-p2', 'variant', 0.5), cand('g1-p3', 'variant', 0.25)])],
        0.8,
      ),
    );
    assert.deepEqual(s.overall.generations, [{ generation: 1, best: 0.5, bestId: 'g1-p2', mean: 0.375, scored: 2 }]);
    assert.equal(s.overall.base, 0.8);
    assert.deepEqual(
      s.perModel.map((t) => t.base),
      [0.9, 0.7],
    );
  });

  it('skips prompts not scored yet; a generation with none scored has no best or mean', () => {
    const s = scoreSeries(
      run([
        gen(1, [cand('g1-p1', 'base', null), cand('g1-p2', 'variant', 0.5), cand('g1-p3', 'variant', null)]),
        gen(2, [cand('g2-p1', 'mutation', null)]),
      ]),
    );
    assert.equal(s.overall.base, null, 'base not measured yet');
    assert.deepEqual(
      s.perModel.map((t) => t.base),
      [null, null],
    );
    assert.deepEqual(s.overall.generations, [
      { generation: 1, best: 0.5, bestId: 'g1-p2', mean: 0.5, scored: 1 },
      { generation: 2, best: null, bestId: null, mean: null, scored: 0 },
    ]);
  });

  it('breaks a tie for best as the run does (the shorter prompt), and a model missing from a prompt is skipped', () => {
    const long = cand('g1-p2', 'variant', 0.5, 0.5, 'A much longer prompt than the other.');
    const short = cand('g1-p3', 'variant', 0.5, 0.5, 'Short.');
    const onlyA = { ...cand('g1-p4', 'variant', 0.25), perModel: [{ model: A, score: 0.25, passed: 1, total: 4 }] };
    const s = scoreSeries(run([gen(1, [long, short, onlyA])]));
    assert.equal(s.overall.generations[0]!.bestId, 'g1-p3');
    assert.deepEqual(
      s.perModel.map((t) => [t.generations[0]!.bestId, t.generations[0]!.scored]),
      [
        ['g1-p3', 3],
        ['g1-p3', 2],
      ],
    );
    assert.equal(s.baseId, null, 'no base prompt in this run');
  });

  it('orders generations by number and follows the target models of the run', () => {
    const s = scoreSeries({
      targetModels: [B],
      generations: [gen(2, [cand('g2-p1', 'mutation', 0.25, 0.75)]), gen(1, [cand('g1-p2', 'variant', 0.5, 0.25)])],
      baseScore: null,
    });
    assert.deepEqual(
      s.overall.generations.map((g) => g.generation),
      [1, 2],
    );
    assert.deepEqual(
      s.perModel.map((t) => [t.model, t.generations.map((g) => g.best)]),
      [[B, [0.25, 0.75]]],
    );
  });

  it('charts a snapshot folded from engine events: survivors carry their score into the next generation', () => {
    const at = '2026-11-22T10:00:00.000Z';
    const pm = (a: number) => [{ model: A, score: a, passed: a * 4, total: 4 }];
    const events: TuneEvent[] = [
      {
        type: 'tune_start',
        mode: 'evolutionary',
        metaModel: 'openai/m',
        targetModels: [A],
        callsPlanned: 20,
        generations: 2,
        population: 2,
      },
      { type: 'generation_start', generation: 1 },
      { type: 'prompt_generated', generation: 1, promptId: 'g1-p1', text: 'Base.', origin: 'base', parentIds: [] },
      { type: 'prompt_generated', generation: 1, promptId: 'g1-p2', text: 'V.', origin: 'variant', parentIds: [] },
      {
        type: 'prompt_eval_result',
        generation: 1,
        promptId: 'g1-p1',
        score: 0.25,
        validationScore: null,
        perModel: pm(0.25),
      },
      {
        type: 'prompt_eval_result',
        generation: 1,
        promptId: 'g1-p2',
        score: 0.5,
        validationScore: null,
        perModel: pm(0.5),
      },
      { type: 'generation_complete', generation: 1, bestScore: 0.5, survivorIds: ['g1-p2'] },
      { type: 'generation_start', generation: 2 },
      {
        type: 'prompt_generated',
        generation: 2,
        promptId: 'g2-p1',
        text: 'V.',
        origin: 'survivor',
        parentIds: ['g1-p2'],
        score: 0.5,
        validationScore: null,
        perModel: pm(0.5),
      },
      {
        type: 'prompt_generated',
        generation: 2,
        promptId: 'g2-p2',
        text: 'M.',
        origin: 'mutation',
        parentIds: ['g1-p2'],
      },
      {
        type: 'prompt_eval_result',
        generation: 2,
        promptId: 'g2-p2',
        score: 1,
        validationScore: null,
        perModel: pm(1),
      },
    ].map((e) => ({ runId: 'r1', at, ...e }) as TuneEvent);
    let snap: TuneRunSnapshot = initialSnapshot({
      runId: 'r1',
      mode: 'evolutionary',
      suite: { name: 'S', file: 's.suite.json' },
      metaModel: 'openai/m',
      targetModels: [A],
      basePrompt: 'Base.',
      baseVersionId: null,
      generationsPlanned: 2,
      callsPlanned: 20,
      startedAt: at,
    });
    for (const e of events) snap = foldEvent(snap, e);
    const s = scoreSeries(snap);
    assert.equal(s.baseId, 'g1-p1');
    assert.equal(s.overall.base, 0.25);
    assert.deepEqual(s.perModel[0]!.generations, [
      { generation: 1, best: 0.5, bestId: 'g1-p2', mean: 0.5, scored: 1 },
      { generation: 2, best: 1, bestId: 'g2-p2', mean: 0.75, scored: 2 },
    ]);
  });
});
