// The tuning adapter of the run index: tune_runs rows (migration 3) as RunRows. Reads only.
import { interruptedBy } from '../jobs/owner';
import { parseStoredJson } from '../jobs/runTables';
import type { Store } from '../store/store';
import type { TuneRunSnapshot } from '../tuning/types';
import { RESUMABLE, rowDurationSeconds, type RunRow, type RunRowStatus } from './runRow';

interface TuneRunTableRow {
  run_id: string;
  status: string;
  owner_pid: number;
  owner_host: string;
  snapshot_json: string;
  updated_at: string;
  /** Uncached case results with no known price. */
  unpriced: number;
  /** Uncached case results with a price. */
  priced: number;
}

const SELECT = `SELECT r.run_id, r.status, r.owner_pid, r.owner_host, r.snapshot_json, r.updated_at,
    (SELECT COUNT(*) FROM tune_case_results c WHERE c.run_id = r.run_id AND c.cached = 0 AND c.cost_usd IS NULL) AS unpriced,
    (SELECT COUNT(*) FROM tune_case_results c WHERE c.run_id = r.run_id AND c.cached = 0 AND c.cost_usd IS NOT NULL) AS priced
  FROM tune_runs r`;

/**
 * The snapshot's cost is a lower bound: an unknown price adds 0. It is known only when every provider-answered
 * evaluation had a price, and calls were made that cost something or were all cache hits (a run that failed in
 * its meta calls has no priced evaluation to tell, so it stays unknown).
 */
function knownCost(s: TuneRunSnapshot, row: TuneRunTableRow): number | null {
  if (row.unpriced > 0) return null;
  if (s.callsDone > 0 && s.costUsd === 0 && row.priced === 0) return null;
  return s.costUsd;
}

function toRow(r: TuneRunTableRow): RunRow {
  const s = parseStoredJson<TuneRunSnapshot>(r.snapshot_json, `tune_runs.snapshot_json of run ${r.run_id}`);
  const interrupted = interruptedBy(r);
  const status: RunRowStatus = interrupted ? 'interrupted' : s.status;
  const end = s.finishedAt ?? (interrupted ? r.updated_at : null);
  return {
    kind: 'tune',
    runId: r.run_id,
    status,
    subject: `${s.suite.name} (${s.mode})`,
    models: [...new Set([s.metaModel, ...s.targetModels])],
    startedAt: s.startedAt,
    finishedAt: s.finishedAt,
    durationSeconds: rowDurationSeconds(s, end),
    resumedAt: s.resumedAt ?? null,
    scoreLabel: 'pass rate',
    score: s.best?.score ?? null,
    baseScore: s.baseScore,
    calls: s.callsDone,
    costUsd: knownCost(s, r),
    knownCostUsd: s.costUsd,
    bestPrompt: s.best?.text ?? null,
    savedVersion: s.savedVersion ? { name: s.savedVersion.name, version: s.savedVersion.version } : null,
    error: interrupted ?? s.error,
    resumeCommand: RESUMABLE.has(status) ? `prompt-tuner tune --resume ${r.run_id}` : null,
  };
}

/** Every tuning run, newest first. */
export function listTuneRuns(store: Store): RunRow[] {
  return store.all<TuneRunTableRow>(`${SELECT} ORDER BY r.started_at DESC, r.run_id`).map(toRow);
}

/** One tuning run, or undefined. */
export function tuneRun(store: Store, runId: string): RunRow | undefined {
  const r = store.get<TuneRunTableRow>(`${SELECT} WHERE r.run_id = ?`, [runId]);
  return r ? toRow(r) : undefined;
}
