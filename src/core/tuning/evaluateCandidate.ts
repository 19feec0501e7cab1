// Evaluate: one candidate on every case × target model, scored on the selection cases (and, apart, on the
// held-out validation cases). Each result is buffered for the store as it arrives.
import type { ModelGateway } from '../models/types';
import type { CaseResult, evaluatePrompt } from '../suites/evaluate';
import type { Suite } from '../suites/suiteSchema';
import type { CallTally } from './callTally';
import type { Candidate, EmitTuneEvent } from './candidate';
import type { CaseSplit } from './caseSplit';
import type { StoredCaseResult } from './runsRepository';
import type { ModelScore } from './types';

export interface EvaluationContext {
  suite: Suite;
  models: string[];
  gateway: ModelGateway;
  /** Use the response cache for target calls. */
  cache: boolean;
  split: CaseSplit;
  evaluate: typeof evaluatePrompt;
  emit: EmitTuneEvent;
  tally: CallTally;
  /** The job's signal (cancel, store failure). */
  signal: AbortSignal;
  /** True once the job has ended: a late result is dropped. */
  isFinished(): boolean;
  /** Buffers a result for the next store write. */
  keepResult(result: StoredCaseResult): void;
}

/** Pass rate over the given cases, overall and per model; null when none of the cases were evaluated. */
export function scoreOn(
  results: CaseResult[],
  caseIds: Set<string>,
  models: string[],
): { score: number | null; perModel: ModelScore[] } {
  const rs = results.filter((r) => caseIds.has(r.caseId));
  const perModel = models.map((model) => {
    const mine = rs.filter((r) => r.model === model);
    const passed = mine.filter((r) => r.pass).length;
    return { model, score: mine.length ? passed / mine.length : 0, passed, total: mine.length };
  });
  const total = rs.length;
  return { score: total ? rs.filter((r) => r.pass).length / total : null, perModel };
}

/**
 * The onResult of a candidate's evaluation: keeps each result (dropped once the job has ended), buffers it for
 * the store and reports progress, counting on from `evaluated` results already done.
 */
export function candidateResultRecorder(
  c: Candidate,
  ctx: EvaluationContext,
  toEvaluate: number,
  evaluated: number,
): (r: CaseResult) => void {
  const { split, tally } = ctx;
  return (r) => {
    if (ctx.isFinished()) return;
    c.results.push(r);
    ctx.keepResult({ ...r, candidateId: c.id, split: split.validation.has(r.caseId) ? 'validation' : 'train' });
    evaluated += 1;
    tally.recordCall(r.costUsd);
    tally.report(`Evaluating ${c.id}: ${evaluated}/${toEvaluate}`, c.id, evaluated);
  };
}

/** Scores the candidate's results (selection and validation) and reports them (prompt_eval_result). */
export function scoreCandidate(c: Candidate, ctx: EvaluationContext): void {
  const { models, split } = ctx;
  const selection = scoreOn(c.results, split.train, models);
  c.score = selection.score ?? 0;
  c.perModel = selection.perModel;
  c.validationScore = split.validation.size ? scoreOn(c.results, split.validation, models).score : null;
  ctx.emit({
    type: 'prompt_eval_result',
    generation: c.generation,
    promptId: c.id,
    score: c.score,
    validationScore: c.validationScore,
    perModel: c.perModel,
  });
}

/** Fills in the candidate's results and scores and reports them (prompt_eval_start … prompt_eval_result). */
export async function evaluateCandidate(c: Candidate, ctx: EvaluationContext): Promise<void> {
  const { models } = ctx;
  const toEvaluate = ctx.suite.cases.length * models.length;
  ctx.emit({ type: 'prompt_eval_start', generation: c.generation, promptId: c.id, toEvaluate });
  await ctx.evaluate({
    suite: ctx.suite,
    prompt: c.text,
    models,
    gateway: ctx.gateway,
    cache: ctx.cache,
    signal: ctx.signal,
    onResult: candidateResultRecorder(c, ctx, toEvaluate, 0),
  });
  scoreCandidate(c, ctx);
}
