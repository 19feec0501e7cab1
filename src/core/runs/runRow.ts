// One row type for every kind of stored run (tuning, scale testing, prompt optimization), so `runs list`,
// `runs show` and `runs save-best` treat them alike. Each kind has its own adapter that fills it from its tables.
import { runningSeconds } from '../jobs/job';

/** The job kinds the stores hold. */
export const RUN_KINDS = ['tune', 'scale', 'optimize'] as const;
export type RunKind = (typeof RUN_KINDS)[number];

/** A run's status as a user reads it: a run whose process died is `interrupted`, never "running" forever. */
export type RunRowStatus =
  'pending' | 'running' | 'completed' | 'failed' | 'cancelled' | 'budget_reached' | 'interrupted';

/** One stored run, whatever its kind. */
export interface RunRow {
  /** Which job made it. */
  kind: RunKind;
  /** Run id (uuid). */
  runId: string;
  status: RunRowStatus;
  /** What it ran on: the suite (tune), the agent (scale), the config file (optimize). */
  subject: string;
  /** provider/model ids it called. */
  models: string[];
  /** ISO time. */
  startedAt: string;
  /** ISO time it ended; null while running or when its process died. */
  finishedAt: string | null;
  /**
   * Seconds it was running, up to its end (or its last write, for an interrupted run): a resumed tuning or scale run does
   * not count the time it was stopped. Null when unknown.
   */
  durationSeconds: number | null;
  /** ISO time of its latest resume; null when it was not resumed, or its kind does not keep it. */
  resumedAt: string | null;
  /** What `score` measures (pass rate, win rate, validate reward). */
  scoreLabel: string;
  /** The best score so far in [0,1] (reward scale for optimize); null before any score. */
  score: number | null;
  /** The starting prompt's score on the same measure; null when not measured. */
  baseScore: number | null;
  /** Model calls made (cache hits included for tune and scale); null when the store does not say. */
  calls: number | null;
  /** USD spent; null when some price was unknown (never shown as $0.00). */
  costUsd: number | null;
  /** USD of the calls whose price is known (a lower bound when costUsd is null). */
  knownCostUsd: number;
  /** The best prompt so far (the revised prompt for scale); null when there is none yet. */
  bestPrompt: string | null;
  /** Library version the best prompt was saved as; null when not saved. */
  savedVersion: { name: string; version: number } | null;
  /** Why it failed, stopped or was interrupted; null otherwise. */
  error: string | null;
  /** How to carry on with it, when it can be resumed. */
  resumeCommand: string | null;
}

/** Seconds between two ISO times; null when either is missing or unreadable. */
export function secondsBetween(from: string, to: string | null): number | null {
  if (to === null) return null;
  const ms = Date.parse(to) - Date.parse(from);
  return Number.isFinite(ms) && ms >= 0 ? Math.round(ms / 100) / 10 : null;
}

/** Statuses a run can be resumed from. */
export const RESUMABLE = new Set<RunRowStatus>(['failed', 'cancelled', 'budget_reached', 'interrupted']);

/** A row's duration in seconds to the tenth: its running time up to its end, or up to now while it has none. */
export function rowDurationSeconds(
  s: { startedAt: string; resumedAt?: string; activeSecondsBefore?: number },
  end: string | null,
): number | null {
  const seconds = runningSeconds(s, end ?? new Date().toISOString());
  return seconds === null ? null : Math.round(seconds * 10) / 10;
}
