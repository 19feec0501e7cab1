// The scale-testing adapter of the run index: scale_runs rows (migration 4) as RunRows. Reads only.
import { interruptedBy } from '../jobs/owner';
import { parseStoredJson } from '../jobs/runTables';
import type { ScaleReport, ScaleRunSnapshot } from '../scale/types';
import type { Store } from '../store/store';
import { RESUMABLE, rowDurationSeconds, type RunRow, type RunRowStatus } from './runRow';

interface ScaleRunTableRow {
  run_id: string;
  status: string;
  owner_pid: number;
  owner_host: string;
  snapshot_json: string;
  report_json: string | null;
  updated_at: string;
}

const SELECT =
  'SELECT run_id, status, owner_pid, owner_host, snapshot_json, report_json, updated_at, started_at FROM scale_runs';

function toRow(r: ScaleRunTableRow): RunRow {
  const s = parseStoredJson<ScaleRunSnapshot>(r.snapshot_json, `scale_runs.snapshot_json of run ${r.run_id}`);
  const report =
    (r.report_json ? parseStoredJson<ScaleReport>(r.report_json, `scale_runs.report_json of run ${r.run_id}`) : null) ??
    s.report;
  const interrupted = interruptedBy(r);
  const status: RunRowStatus = interrupted ? 'interrupted' : s.status;
  const end = s.finishedAt ?? (interrupted ? r.updated_at : null);
  const byRole = s.budget.byRole;
  return {
    kind: 'scale',
    runId: r.run_id,
    status,
    subject: `${s.agent.name}${s.verifiesRunId ? ` (verifies ${s.verifiesRunId})` : ''}`,
    models: [...new Set(Object.values(s.models))],
    startedAt: s.startedAt,
    finishedAt: s.finishedAt,
    // A resumed run's pause (from its stop to the resume) is not time it ran.
    durationSeconds: rowDurationSeconds(s, end),
    resumedAt: s.resumedAt ?? null,
    scoreLabel: 'win rate',
    score: report?.verification?.stats.winRate ?? report?.stats.winRate ?? null,
    baseScore: report?.verification ? report.stats.winRate : null,
    calls: byRole.reduce((n, l) => n + l.calls, 0),
    costUsd: s.budget.actualUsd,
    knownCostUsd: byRole.reduce((n, l) => n + (l.actualUsd ?? 0), 0),
    bestPrompt: report?.revisedPrompt ?? null,
    savedVersion: null,
    error: interrupted ?? s.error,
    resumeCommand: RESUMABLE.has(status) ? `prompt-tuner scale --resume ${r.run_id}` : null,
  };
}

/** Every scale run, newest first. */
export function listScaleRuns(store: Store): RunRow[] {
  return store.all<ScaleRunTableRow>(`${SELECT} ORDER BY started_at DESC, rowid DESC`).map(toRow);
}

/** One scale run, or undefined. */
export function scaleRun(store: Store, runId: string): RunRow | undefined {
  const r = store.get<ScaleRunTableRow>(`${SELECT} WHERE run_id = ?`, [runId]);
  return r ? toRow(r) : undefined;
}
