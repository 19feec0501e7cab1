// Best and mean score per generation, overall and per target model, with the base prompt's score: what the
// tuning run view charts. Derived from the snapshot (which holds every candidate's scores) rather than stored,
// so a run folded from old events charts the same way. Pure, and imports only types: the panel protocol (and so
// the webview's type check) reads its types, and snapshot.ts would bring Node's crypto along.
import type { CandidateSnapshot, TuneRunSnapshot } from './types';

/** One generation's scores on one track. */
export interface GenerationScore {
  /** Generation number (1-based). */
  generation: number;
  /** Highest score among the generation's scored prompts (the base prompt aside); null before any is scored. */
  best: number | null;
  /** Id of the prompt with that score (ties go to the shorter text, as for the run's best); null with best. */
  bestId: string | null;
  /** Mean score of the generation's scored prompts (the base prompt aside); null before any is scored. */
  mean: number | null;
  /** How many prompts best and mean are taken over. */
  scored: number;
}

/** One chart's data: one target model, or the overall score over all of them. */
export interface ScoreTrack {
  /** `provider/model`; null for the overall score (the one selection ranks by). */
  model: string | null;
  /** The base prompt's score on this track; null until it is measured. */
  base: number | null;
  /** One entry per generation of the run, in generation order. */
  generations: GenerationScore[];
}

/** Everything the score chart draws. */
export interface ScoreSeries {
  /** Id of the base prompt (shown with its line); null before the base prompt exists. */
  baseId: string | null;
  /** The overall score's track. */
  overall: ScoreTrack;
  /** One track per target model, in the run's order. */
  perModel: ScoreTrack[];
}

type ScoreOf = (c: CandidateSnapshot) => number | null;

// betterCandidate's rule (snapshot.ts): higher score, ties to the shorter prompt, so the chart names the run's best.
const beats = (score: number, text: string, b: { score: number; text: string } | null): boolean =>
  !b || (score !== b.score ? score > b.score : text.length < b.text.length);

function generationScore(generation: number, candidates: CandidateSnapshot[], scoreOf: ScoreOf): GenerationScore {
  let best: { score: number; text: string; id: string } | null = null;
  let sum = 0;
  let scored = 0;
  for (const c of candidates) {
    const score = scoreOf(c);
    if (score === null) continue;
    sum += score;
    scored++;
    if (beats(score, c.text, best)) best = { score, text: c.text, id: c.id };
  }
  return {
    generation,
    best: best ? best.score : null,
    bestId: best ? best.id : null,
    mean: scored > 0 ? sum / scored : null,
    scored,
  };
}

/**
 * The chart's series of a run. The base prompt is its own line, not part of generation 1's best and mean, so a
 * generation whose variants all do worse than the base shows below that line. Survivors count in the generation
 * they survive into: best and mean are over the population each generation ranked.
 */
export function scoreSeries(s: Pick<TuneRunSnapshot, 'targetModels' | 'generations' | 'baseScore'>): ScoreSeries {
  const generations = [...s.generations].sort((a, b) => a.number - b.number);
  const base = generations.flatMap((g) => g.candidates).find((c) => c.origin === 'base');
  const track = (model: string | null, scoreOf: ScoreOf, baseScore: number | null): ScoreTrack => ({
    model,
    base: baseScore,
    generations: generations.map((g) =>
      generationScore(
        g.number,
        g.candidates.filter((c) => c.origin !== 'base'),
        scoreOf,
      ),
    ),
  });
  const onModel =
    (model: string): ScoreOf =>
    (c) =>
      c.score === null ? null : (c.perModel.find((m) => m.model === model)?.score ?? null);
  return {
    baseId: base?.id ?? null,
    overall: track(null, (c) => c.score, s.baseScore),
    perModel: s.targetModels.map((model) => track(model, onModel(model), base ? onModel(model)(base) : null)),
  };
}
