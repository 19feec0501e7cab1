// Tuning run events (named as in the seed) and the full snapshot a panel renders.
// The engine emits events; `foldEvent` (snapshot.ts) turns them into the snapshot; the store keeps both.

export type TuneMode = 'quick' | 'evolutionary';
export type RunStatus = 'pending' | 'running' | 'completed' | 'failed' | 'cancelled' | 'budget_reached';

/** Pass rate of one prompt on one target model. */
export interface ModelScore {
  /** `provider/model`. */
  model: string;
  /** passed / cases on this model, in [0,1]. */
  score: number;
  /** Cases passed on this model. */
  passed: number;
  /** Cases evaluated on this model. */
  total: number;
}

/** One prompt of a generation. */
export interface CandidateSnapshot {
  /** Stable id within the run, e.g. `g2-p3`. */
  id: string;
  /** Generation it was created in (1-based). */
  generation: number;
  /** The prompt text. */
  text: string;
  /** How it was made. */
  origin: 'base' | 'variant' | 'mutation' | 'crossover' | 'survivor';
  /** Ids of the candidates it came from (none for the base). */
  parentIds: string[];
  /** Meta-model strategy or mutation note, shown as a hint. */
  note?: string;
  /** Overall score on the selection cases in [0,1]; null until evaluated. */
  score: number | null;
  /** Score on the held-out validation cases, when a split is used. */
  validationScore?: number | null;
  /** Per target model. */
  perModel: ModelScore[];
  /** Evaluations finished so far for this candidate. */
  evaluated: number;
  /** Evaluations this candidate needs (cases × models). */
  toEvaluate: number;
  /** True when it survived selection into the next generation. */
  survived: boolean;
}

export interface GenerationSnapshot {
  /** 1-based. */
  number: number;
  /** Candidates in the order they were created. */
  candidates: CandidateSnapshot[];
  /** True when every candidate has its score. */
  complete: boolean;
  /** Best score in this generation, when known. */
  bestScore: number | null;
}

/** Everything a panel needs to draw a run, sent whole every time (never deltas). */
export interface TuneRunSnapshot {
  /** Run id (uuid). */
  runId: string;
  status: RunStatus;
  mode: TuneMode;
  /** Suite name and file. */
  suite: { name: string; file: string };
  metaModel: string;
  targetModels: string[];
  /** The base prompt text. */
  basePrompt: string;
  /** Library version the base prompt came from, when it did. */
  baseVersionId: number | null;
  /** Planned generations (1 for quick). */
  generationsPlanned: number;
  /** Generation being worked on (0 before the first). */
  currentGeneration: number;
  generations: GenerationSnapshot[];
  /** Best candidate so far, null before any score. */
  best: {
    candidateId: string;
    text: string;
    score: number;
    validationScore: number | null;
    perModel: ModelScore[];
  } | null;
  /** Base prompt's score once measured. */
  baseScore: number | null;
  /** Calls planned by the estimate. */
  callsPlanned: number;
  /** Calls finished (provider calls and cache hits). */
  callsDone: number;
  /** In [0,1]. */
  progress: number;
  /** Seconds left, estimated from the pace so far; null when unknown. */
  etaSeconds: number | null;
  /** What is happening now, one line. */
  detail: string;
  /** Cost so far in USD (lower bound when some prices are unknown). */
  costUsd: number;
  /** Throttling shown to the user; null when not throttled. */
  throttle: { provider: string; active: number; queued: number; retryInMs?: number } | null;
  /** Library version the best prompt was saved as, once saved. */
  savedVersion: { id: number; name: string; version: number } | null;
  /** Failure reason when status is failed. */
  error: string | null;
  /** Notes about the run a user should see (skipped children, why calls differ from the plan). */
  notes?: string[];
  /** Meta calls repeated after an empty or duplicate reply (each one call more than the estimate). */
  metaRetries?: number;
  /** Children skipped after two empty or duplicate replies (each cases × models evaluations fewer). */
  skippedChildren?: number;
  /** ISO times. */
  startedAt: string;
  finishedAt: string | null;
  /**
   * ISO time of the latest resume. With activeSecondsBefore and callsDoneAtResume it keeps the time a run was
   * stopped out of its duration and its ETA. Absent for a run never resumed, and for runs stored before it was kept.
   */
  resumedAt?: string;
  /** Seconds the run was running before the latest resume (the pauses between its stops and resumes not counted). */
  activeSecondsBefore?: number;
  /** callsDone when the latest resume started: the ETA's pace counts only the calls made since. */
  callsDoneAtResume?: number;
}

interface EventBase {
  runId: string;
  /** ISO time. */
  at: string;
}

/** Events, named as in the seed. Each carries the run id and what it concerns. */
export type TuneEvent =
  | (EventBase & {
      type: 'tune_start';
      mode: TuneMode;
      metaModel: string;
      targetModels: string[];
      callsPlanned: number;
      generations: number;
      population: number;
      /** Case ids held out for validation (none without a split). */
      validationCaseIds?: string[];
      /**
       * A resumed run: what was stored is kept, callsPlanned counts it, and callsLeft is what is still to do.
       * stoppedAt is when it stopped running before (its end, or its last write when its process died); absent in
       * events stored before it was kept.
       */
      resumed?: { callsLeft: number; evaluationsKept: number; stoppedAt?: string };
    })
  | (EventBase & { type: 'generation_start'; generation: number })
  | (EventBase & {
      type: 'prompt_generated';
      generation: number;
      promptId: string;
      text: string;
      origin: CandidateSnapshot['origin'];
      parentIds: string[];
      note?: string;
      /** Survivors only: the score carried over from the parent (not evaluated again). */
      score?: number | null;
      validationScore?: number | null;
      perModel?: ModelScore[];
    })
  /** The meta model's reply was empty or a duplicate: asked once more (one call more than planned). */
  | (EventBase & { type: 'prompt_retry'; generation: number; promptId: string; note: string })
  /** A child the meta model could not write (empty or duplicate twice): skipped, so the run makes fewer calls than planned. */
  | (EventBase & { type: 'prompt_skipped'; generation: number; promptId: string; parentIds: string[]; note: string })
  | (EventBase & { type: 'prompt_eval_start'; generation: number; promptId: string; toEvaluate: number })
  | (EventBase & {
      type: 'prompt_eval_result';
      generation: number;
      promptId: string;
      score: number;
      validationScore: number | null;
      perModel: ModelScore[];
    })
  | (EventBase & { type: 'generation_complete'; generation: number; bestScore: number; survivorIds: string[] })
  | (EventBase & {
      type: 'tune_complete';
      bestPrompt: string;
      bestScore: number;
      bestPromptId: string;
      savedVersion: { id: number; name: string; version: number } | null;
    })
  | (EventBase & {
      type: 'tune_error';
      error: string;
      /** 'budget_reached' when the budget stopped the run; default 'failed'. */ status?: 'failed' | 'budget_reached';
    })
  | (EventBase & { type: 'tune_cancelled'; reason: string })
  | (EventBase & {
      type: 'throttle';
      provider: string;
      active: number;
      concurrency: number;
      queued: number;
      retryInMs?: number;
      status?: number;
    })
  | (EventBase & {
      type: 'progress';
      callsDone: number;
      callsPlanned: number;
      detail: string;
      costUsd: number;
      /** Candidate being evaluated, with its evaluations finished so far. */
      promptId?: string;
      evaluated?: number;
    });
