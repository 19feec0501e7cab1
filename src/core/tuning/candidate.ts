// A candidate prompt as the engine works with it: the snapshot fields plus its own case results, which the
// next generation's reflective mutations read. Shared by the phases (plan, evaluate, select, breed).
import type { CaseResult } from '../suites/evaluate';
import type { CandidateSnapshot, ModelScore, TuneEvent } from './types';

export interface Candidate {
  id: string;
  generation: number;
  text: string;
  origin: CandidateSnapshot['origin'];
  parentIds: string[];
  note?: string;
  /** Selection score; null until evaluated. */
  score: number | null;
  validationScore: number | null;
  perModel: ModelScore[];
  results: CaseResult[];
  /** Survivors point at the candidate that was evaluated; others at themselves. */
  evaluatedAs: string;
}

/** A candidate not evaluated yet. */
export function newCandidate(
  c: Pick<Candidate, 'id' | 'generation' | 'text' | 'origin' | 'parentIds'> & { note?: string },
): Candidate {
  return { ...c, score: null, validationScore: null, perModel: [], results: [], evaluatedAs: c.id };
}

type WithoutStamp<E> = E extends TuneEvent ? Omit<E, 'runId' | 'at'> : never;

/** A tuning event before the run id and time are stamped on it. */
export type TuneEventBody = WithoutStamp<TuneEvent>;

/** How a phase reports an event: the engine stamps it and hands it to the job runtime. */
export type EmitTuneEvent = (event: TuneEventBody) => void;
