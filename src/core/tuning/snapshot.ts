// Events → the full snapshot a panel renders. Pure: the engine, the store and a reopened run all fold the same way.
import { etaSeconds, runningSeconds } from '../jobs/job';
import type { CandidateSnapshot, GenerationSnapshot, TuneEvent, TuneRunSnapshot } from './types';

/** What a run is started with; the rest of the snapshot starts empty. */
export type SnapshotInit = Pick<
  TuneRunSnapshot,
  | 'runId'
  | 'mode'
  | 'suite'
  | 'metaModel'
  | 'targetModels'
  | 'basePrompt'
  | 'baseVersionId'
  | 'generationsPlanned'
  | 'callsPlanned'
  | 'startedAt'
>;

export function initialSnapshot(init: SnapshotInit): TuneRunSnapshot {
  return {
    runId: init.runId,
    status: 'pending',
    mode: init.mode,
    suite: { ...init.suite },
    metaModel: init.metaModel,
    targetModels: [...init.targetModels],
    basePrompt: init.basePrompt,
    baseVersionId: init.baseVersionId,
    generationsPlanned: init.generationsPlanned,
    currentGeneration: 0,
    generations: [],
    best: null,
    baseScore: null,
    callsPlanned: init.callsPlanned,
    callsDone: 0,
    progress: 0,
    etaSeconds: null,
    detail: 'Waiting to start',
    costUsd: 0,
    throttle: null,
    savedVersion: null,
    error: null,
    notes: [],
    metaRetries: 0,
    skippedChildren: 0,
    startedAt: init.startedAt,
    finishedAt: null,
  };
}

const pct = (x: number) => `${Math.round(x * 1000) / 10}%`;

/** True when `a` beats `b`: higher score, ties go to the shorter prompt. */
export function betterCandidate(
  a: { score: number; text: string },
  b: { score: number; text: string } | null,
): boolean {
  if (!b) return true;
  if (a.score !== b.score) return a.score > b.score;
  return a.text.length < b.text.length;
}

function findCandidate(s: TuneRunSnapshot, generation: number, id: string): CandidateSnapshot | undefined {
  return s.generations.find((g) => g.number === generation)?.candidates.find((c) => c.id === id);
}

function generationBest(g: GenerationSnapshot): number | null {
  const scores = g.candidates.map((c) => c.score).filter((x): x is number => x !== null);
  return scores.length ? Math.max(...scores) : null;
}

function offerBest(s: TuneRunSnapshot, c: CandidateSnapshot): void {
  if (c.score === null) return;
  const cur = s.best ? { score: s.best.score, text: s.best.text } : null;
  if (betterCandidate({ score: c.score, text: c.text }, cur)) {
    s.best = {
      candidateId: c.id,
      text: c.text,
      score: c.score,
      validationScore: c.validationScore ?? null,
      perModel: c.perModel.map((m) => ({ ...m })),
    };
  }
}

const isFinished = (s: TuneRunSnapshot) => s.status !== 'pending' && s.status !== 'running';

/** Progress and throttle come once per call: copy only what they change instead of the whole snapshot. */
function foldFrequent(
  prev: TuneRunSnapshot,
  e: Extract<TuneEvent, { type: 'progress' | 'throttle' }>,
): TuneRunSnapshot {
  if (e.type === 'throttle') {
    return {
      ...prev,
      throttle:
        e.queued > 0 || e.retryInMs !== undefined
          ? {
              provider: e.provider,
              active: e.active,
              queued: e.queued,
              ...(e.retryInMs !== undefined ? { retryInMs: e.retryInMs } : {}),
            }
          : null,
    };
  }
  const s: TuneRunSnapshot = {
    ...prev,
    callsDone: e.callsDone,
    callsPlanned: e.callsPlanned,
    costUsd: e.costUsd,
    progress: e.callsPlanned > 0 ? Math.min(1, e.callsDone / e.callsPlanned) : 0,
    // The pace since the latest resume: the time the run was stopped would slow it down, and calls kept from
    // before the stop were not made in that time.
    etaSeconds: etaSeconds(
      Date.parse(prev.resumedAt ?? prev.startedAt),
      Date.parse(e.at),
      e.callsDone - (prev.callsDoneAtResume ?? 0),
      e.callsPlanned - (prev.callsDoneAtResume ?? 0),
    ),
    detail: e.detail || prev.detail,
  };
  if (e.promptId !== undefined && e.evaluated !== undefined) {
    const evaluated = e.evaluated;
    s.generations = prev.generations.map((g) =>
      g.candidates.some((c) => c.id === e.promptId)
        ? { ...g, candidates: g.candidates.map((c) => (c.id === e.promptId ? { ...c, evaluated } : c)) }
        : g,
    );
  }
  return s;
}

/** The snapshot after one event. Never mutates its input. */
export function foldEvent(prev: TuneRunSnapshot, e: TuneEvent): TuneRunSnapshot {
  if (e.type === 'progress' || e.type === 'throttle') return foldFrequent(prev, e);
  const s = structuredClone(prev);
  s.notes ??= [];
  switch (e.type) {
    case 'tune_start':
      s.status = 'running';
      s.callsPlanned = e.callsPlanned;
      s.generationsPlanned = e.generations;
      if (e.resumed) {
        // The stored run goes on: whatever ended it before is history now, said in a note.
        const before = s.error ?? s.detail;
        // Without the stop time (an event stored before it was kept) the pause counts as running, as it did then.
        const stoppedAt = e.resumed.stoppedAt ?? s.finishedAt ?? e.at;
        s.activeSecondsBefore = runningSeconds(s, stoppedAt) ?? s.activeSecondsBefore ?? 0;
        s.resumedAt = e.at;
        s.callsDoneAtResume = s.callsDone;
        s.error = null;
        s.finishedAt = null;
        s.etaSeconds = null;
        s.throttle = null;
        s.detail = `Resumed: ${e.resumed.callsLeft} API calls left`;
        s.notes.push(
          `Resumed at ${e.at} (before: ${before}): ${e.resumed.evaluationsKept} finished evaluations kept, ${e.resumed.callsLeft} API calls left.`,
        );
        break;
      }
      s.detail = `Starting: ${e.callsPlanned} API calls planned`;
      if (e.validationCaseIds?.length) {
        s.notes.push(
          `Validation split: ${e.validationCaseIds.length} cases held out (${e.validationCaseIds.join(', ')}); selection uses the others.`,
        );
      }
      break;
    case 'generation_start':
      s.currentGeneration = e.generation;
      if (!s.generations.some((g) => g.number === e.generation)) {
        s.generations.push({ number: e.generation, candidates: [], complete: false, bestScore: null });
      }
      s.detail =
        e.generation === 1
          ? 'Generation 1: writing variants of the base prompt'
          : `Generation ${e.generation}: writing children of the survivors`;
      break;
    case 'prompt_generated': {
      const g = s.generations.find((x) => x.number === e.generation);
      if (!g) break;
      const carried = e.origin === 'survivor' && typeof e.score === 'number';
      const c: CandidateSnapshot = {
        id: e.promptId,
        generation: e.generation,
        text: e.text,
        origin: e.origin,
        parentIds: [...e.parentIds],
        ...(e.note !== undefined ? { note: e.note } : {}),
        score: carried ? (e.score as number) : null,
        validationScore: carried ? (e.validationScore ?? null) : null,
        perModel: carried ? (e.perModel ?? []).map((m) => ({ ...m })) : [],
        evaluated: 0,
        toEvaluate: 0,
        survived: false,
      };
      g.candidates.push(c);
      if (carried) {
        g.bestScore = generationBest(g);
        offerBest(s, c);
      }
      s.detail =
        e.origin === 'survivor'
          ? `${e.promptId} survives from ${e.parentIds.join(', ')}`
          : `Generated ${e.promptId} (${e.origin}${e.note ? `: ${e.note}` : ''})`;
      break;
    }
    case 'prompt_retry':
      s.metaRetries = (s.metaRetries ?? 0) + 1;
      s.notes.push(`Generation ${e.generation}: ${e.promptId}: ${e.note}`);
      s.detail = `Asking again for ${e.promptId}: ${e.note}`;
      break;
    case 'prompt_skipped':
      s.skippedChildren = (s.skippedChildren ?? 0) + 1;
      s.notes.push(`Generation ${e.generation}: ${e.promptId} skipped: ${e.note}`);
      s.detail = `Skipped ${e.promptId}: ${e.note}`;
      break;
    case 'prompt_eval_start': {
      const c = findCandidate(s, e.generation, e.promptId);
      if (c) {
        c.toEvaluate = e.toEvaluate;
        c.evaluated = 0;
      }
      s.detail = `Evaluating ${e.promptId}: ${e.toEvaluate} calls`;
      break;
    }
    case 'prompt_eval_result': {
      const g = s.generations.find((x) => x.number === e.generation);
      const c = g?.candidates.find((x) => x.id === e.promptId);
      if (!g || !c) break;
      c.score = e.score;
      c.validationScore = e.validationScore;
      c.perModel = e.perModel.map((m) => ({ ...m }));
      c.evaluated = c.toEvaluate;
      if (c.origin === 'base') s.baseScore = e.score;
      g.bestScore = generationBest(g);
      offerBest(s, c);
      s.detail = `${e.promptId} scored ${pct(e.score)}`;
      break;
    }
    case 'generation_complete': {
      const g = s.generations.find((x) => x.number === e.generation);
      if (g) {
        g.complete = true;
        g.bestScore = e.bestScore;
        for (const c of g.candidates) c.survived = e.survivorIds.includes(c.id);
      }
      s.detail = `Generation ${e.generation} complete: best ${pct(e.bestScore)}`;
      break;
    }
    case 'tune_complete':
      s.status = 'completed';
      s.progress = 1;
      s.etaSeconds = 0;
      s.throttle = null;
      s.savedVersion = e.savedVersion ? { ...e.savedVersion } : null;
      s.finishedAt = e.at;
      s.detail = `Done: best ${pct(e.bestScore)}${e.savedVersion ? `, saved as ${e.savedVersion.name} v${e.savedVersion.version}` : ''}`;
      break;
    case 'tune_error':
      if (isFinished(s)) break;
      s.status = e.status ?? 'failed';
      s.error = e.error;
      s.etaSeconds = null;
      s.throttle = null;
      s.finishedAt = e.at;
      s.detail = s.status === 'budget_reached' ? `Budget reached: ${e.error}` : `Tuning failed: ${e.error}`;
      break;
    case 'tune_cancelled':
      if (isFinished(s)) break;
      s.status = 'cancelled';
      s.etaSeconds = null;
      s.throttle = null;
      s.finishedAt = e.at;
      s.detail = `Cancelled: ${e.reason}`;
      break;
  }
  return s;
}
