// What `tune --resume` and the panel's Resume continue from: a stored tuning run's candidates, their stored
// case results and the children the meta model could not write, checked against the suite; what is left to do
// (the estimate of a resumed run); and the evaluation of a candidate whose results were only partly stored.
import type { CaseResult } from '../suites/evaluate';
import type { Suite } from '../suites/suiteSchema';
import type { Candidate } from '../tuning/candidate';
import { plannedGenerations, survivorCount, type TuneConfig } from '../tuning/config';
import { estimateTune, type TuneEstimate } from '../tuning/estimate';
import { candidateResultRecorder, scoreCandidate, type EvaluationContext } from '../tuning/evaluateCandidate';
import type { TuneRunsRepository } from '../tuning/runsRepository';
import type { CandidateSnapshot, TuneRunSnapshot } from '../tuning/types';

/** A run that cannot be resumed, and why (the message starts with `runId:`). */
export class TuneResumeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TuneResumeError';
  }
}

/** A stored run, ready to go on. */
export interface TuneResumeState {
  runId: string;
  /** The snapshot as last written (not the interrupted reading). */
  snapshot: TuneRunSnapshot;
  /** The config it was started with, unvalidated (the engine validates it). */
  config: unknown;
  /** The last stored event: the resumed run's events follow it. */
  lastSeq: number;
  /** Why it stopped running when its process died; null otherwise. */
  interrupted: string | null;
  /**
   * ISO time it stopped running: its end, or its last write when its process died. The time from then to the
   * resume is a pause, not counted in its duration or its pace.
   */
  stoppedAt: string;
  /** Candidates the run wrote, by id. */
  candidates: Map<string, CandidateSnapshot>;
  /** Stored case results, by candidate id. */
  results: Map<string, CaseResult[]>;
  /** Children the meta model could not write (skipped): not asked for again. */
  skipped: Set<string>;
}

/** Reads what a resume needs; refuses an unknown, completed or still running run. */
export function loadTuneResume(
  runs: TuneRunsRepository,
  runId: string,
  isLiveHere: (runId: string) => boolean = () => false,
): TuneResumeState {
  // A unique prefix of 4+ characters names a run, as `runs show` accepts (and git does).
  if (runId.length >= 4 && !runs.getSnapshot(runId)) {
    const matches = runs.list().filter((r) => r.runId.startsWith(runId));
    if (matches.length > 1)
      throw new TuneResumeError(`runId: "${runId}" fits ${matches.length} tuning runs: give more of the id`);
    if (matches.length === 1) runId = matches[0]!.runId;
  }
  const stored = runs.resumable(runId);
  if (!stored)
    throw new TuneResumeError(`runId: no tuning run ${runId} in this workspace (see prompt-tuner runs list)`);
  const { snapshot } = stored;
  const running = snapshot.status === 'running' || snapshot.status === 'pending';
  if (isLiveHere(runId) || (running && !stored.interrupted))
    throw new TuneResumeError(`runId: run ${runId} is still running; cancel it first, or wait for it to end`);
  if (snapshot.status === 'completed')
    throw new TuneResumeError(`runId: run ${runId} is already completed; nothing to resume`);
  const candidates = new Map<string, CandidateSnapshot>();
  for (const g of snapshot.generations) for (const c of g.candidates) candidates.set(c.id, c);
  const skipped = new Set<string>();
  for (const e of runs.events(runId)) if (e.type === 'prompt_skipped') skipped.add(e.promptId);
  return {
    runId,
    snapshot,
    config: stored.config,
    lastSeq: stored.lastSeq,
    interrupted: stored.interrupted,
    stoppedAt: snapshot.finishedAt ?? stored.updatedAt,
    candidates,
    results: runs.storedResults(runId),
    skipped,
  };
}

/** A changed suite would mix scores of different cases: refused, naming what changed. */
export function checkSuiteUnchanged(state: TuneResumeState, suite: Suite, models: string[]): void {
  const ids = new Set(suite.cases.map((c) => c.id));
  for (const [candidateId, results] of state.results) {
    const gone = results.find((r) => !ids.has(r.caseId));
    if (gone)
      throw new TuneResumeError(
        `runId: the suite changed since run ${state.runId}: case "${gone.caseId}" (evaluated for ${candidateId}) is not in ${suite.file} any more`,
      );
  }
  const perCandidate = suite.cases.length * models.length;
  const other = [...state.candidates.values()].find((c) => c.toEvaluate > 0 && c.toEvaluate !== perCandidate);
  if (other)
    throw new TuneResumeError(
      `runId: the suite changed since run ${state.runId}: ${other.id} was evaluated on ${other.toEvaluate} case × model pairs, the suite now has ${perCandidate}`,
    );
}

/** The stored candidate as the engine works with it (its results read back for the next generation's mutations). */
export function storedCandidate(state: TuneResumeState, id: string): Candidate | undefined {
  const c = state.candidates.get(id);
  if (!c) return undefined;
  return {
    id: c.id,
    generation: c.generation,
    text: c.text,
    origin: c.origin,
    parentIds: [...c.parentIds],
    ...(c.note !== undefined ? { note: c.note } : {}),
    score: c.score,
    validationScore: c.validationScore ?? null,
    perModel: c.perModel.map((m) => ({ ...m })),
    results: [...(state.results.get(c.id) ?? [])],
    evaluatedAs: c.id,
  };
}

/** What is left of the plan, and the evaluations a resume keeps. */
export function remainingWork(
  config: Pick<TuneConfig, 'mode' | 'population' | 'generations' | 'selectionRatio' | 'targetModels'>,
  caseCount: number,
  state: Pick<TuneResumeState, 'candidates' | 'results' | 'skipped'>,
): { metaCalls: number; evalCalls: number; candidatesEvaluated: number; evaluationsKept: number } {
  const P = config.population;
  const S = survivorCount(P, config.selectionRatio);
  const full = caseCount * config.targetModels.length;
  let metaCalls = 0;
  let evalCalls = 0;
  let candidatesEvaluated = 0;
  let evaluationsKept = 0;
  for (let gen = 1; gen <= plannedGenerations(config); gen++) {
    // Generation 1 evaluates the base and writes the rest; later ones write and evaluate the children only.
    const first = gen === 1 ? 1 : S + 1;
    for (let p = first; p <= P; p++) {
      const id = `g${gen}-p${p}`;
      if (state.skipped.has(id)) continue;
      const c = state.candidates.get(id);
      if (!c && !(gen === 1 && p === 1)) metaCalls += 1;
      const kept = c && c.score !== null ? full : (state.results.get(id)?.length ?? 0);
      evaluationsKept += kept;
      if (kept < full) {
        evalCalls += full - kept;
        candidatesEvaluated += 1;
      }
    }
  }
  return { metaCalls, evalCalls, candidatesEvaluated, evaluationsKept };
}

/**
 * The estimate of a resumed run: only what is left. Its time is the whole plan's (the same latencies, measured
 * or assumed and said so, and concurrency) in proportion to the calls left.
 */
export function resumeEstimate(
  config: TuneConfig,
  caseCount: number,
  state: Pick<TuneResumeState, 'candidates' | 'results' | 'skipped'>,
  latencyMs: (model: string) => number | undefined,
  concurrencyOf?: (model: string) => number | undefined,
): TuneEstimate & { evaluationsKept: number } {
  const whole = estimateTune(config, caseCount, latencyMs, concurrencyOf);
  const left = remainingWork(config, caseCount, state);
  const calls = left.metaCalls + left.evalCalls;
  return {
    ...whole,
    calls,
    metaCalls: left.metaCalls,
    evalCalls: left.evalCalls,
    candidatesEvaluated: left.candidatesEvaluated,
    seconds: whole.calls > 0 ? Math.round(((whole.seconds * calls) / whole.calls) * 10) / 10 : 0,
    warning: null,
    evaluationsKept: left.evaluationsKept,
  };
}

const pairKey = (caseId: string, model: string) => `${caseId}\u0000${model}`;

/**
 * Evaluates a candidate whose results were partly stored before the run stopped: the kept ones count as
 * done (no call), the missing case × model pairs are evaluated, grouped so cases missing on the same models
 * go in one evaluation.
 */
export async function evaluateRest(c: Candidate, kept: CaseResult[], ctx: EvaluationContext): Promise<void> {
  const { models, suite } = ctx;
  const toEvaluate = suite.cases.length * models.length;
  ctx.emit({ type: 'prompt_eval_start', generation: c.generation, promptId: c.id, toEvaluate });
  c.results = [...kept];
  const onResult = candidateResultRecorder(c, ctx, toEvaluate, kept.length);
  const done = new Set(kept.map((r) => pairKey(r.caseId, r.model)));
  const groups = new Map<string, { models: string[]; caseIds: string[] }>();
  for (const sc of suite.cases) {
    const missing = models.filter((m) => !done.has(pairKey(sc.id, m)));
    if (missing.length === 0) continue;
    const key = missing.join('\n');
    const g = groups.get(key) ?? { models: missing, caseIds: [] };
    g.caseIds.push(sc.id);
    groups.set(key, g);
  }
  for (const g of groups.values()) {
    await ctx.evaluate({
      suite,
      prompt: c.text,
      models: g.models,
      caseIds: g.caseIds,
      gateway: ctx.gateway,
      cache: ctx.cache,
      signal: ctx.signal,
      onResult,
    });
  }
  scoreCandidate(c, ctx);
}
