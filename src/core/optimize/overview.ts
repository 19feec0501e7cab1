// The overview of a prompt-optimization store that `optimize status`, the dashboard and the editor's panel
// show: runs (an interrupted one said so), counters, workers with heartbeat age, the latest resources, the
// queue timeline of the shown run, alerts, and Tau's `training` field from status.json. Reads only.
import { asInterrupted, interruptedBy } from '../jobs/owner';
import { readStatusFile } from './statusFile';
import {
  TAU_DEFAULTS,
  type AttemptRow,
  type DashboardAlert,
  type OptimizeOverview,
  type OptimizeRunRow,
  type OptimizeRunSnapshot,
  type RolloutRow,
  type RolloutStore,
  type TimelinePoint,
  type TrainingStatusField,
  type WorkerRow,
  type WorkerView,
} from './types';

export interface ReadOverviewOptions {
  /** status.json to read for the `training` field (statusPathFor(location, workspace) normally). */
  statusPath: string;
  /** The run to show; default the newest. */
  runId?: string;
  /** Overrides the runs' heartbeat_interval_ms when judging workers stale. */
  heartbeatIntervalMs?: number;
  /** Most points in the queue timeline (default 60). */
  timelinePoints?: number;
}

/** Asked for a run the store does not hold. */
export class RunNotFoundError extends Error {
  constructor(runId: string, location: string) {
    super(`no prompt-optimization run '${runId}' in the store at '${location}'`);
    this.name = 'RunNotFoundError';
  }
}

/** Heartbeat intervals a worker may miss before it is shown as stale (the watchdog's unresponsive rule). */
export const STALE_HEARTBEATS = 3;
const DEFAULT_TIMELINE_POINTS = 60;
const TERMINAL = new Set<RolloutRow['status']>(['succeeded', 'failed', 'cancelled']);

export async function readOverview(store: RolloutStore, opts: ReadOverviewOptions): Promise<OptimizeOverview> {
  await store.refresh();
  const now = await store.now();
  const rows = await store.listRuns();
  const shownRow = opts.runId === undefined ? rows[0] : rows.find((r) => r.run_id === opts.runId);
  if (opts.runId !== undefined && !shownRow) throw new RunNotFoundError(opts.runId, store.location);

  const runs: OptimizeOverview['runs'] = [];
  for (const row of rows) {
    const why = interruptionOf(row);
    runs.push({
      run_id: row.run_id,
      run_number: row.run_number,
      // An interrupted run lists as failed, as scale and tuning runs do; `interrupted` says it can be resumed.
      status: why ? 'failed' : row.status,
      interrupted: why,
      model_ref: row.model_ref,
      started_at: row.started_at,
      ended_at: row.ended_at,
      counters: await store.counters(row.run_id),
      best_reward: row.report?.best?.validate_reward ?? null,
    });
  }

  let run: OptimizeOverview['run'] = null;
  let runAttempts: AttemptRow[] = [];
  let timeline: TimelinePoint[] = [];
  let snapshotError: string | null = null;
  if (shownRow) {
    const interrupted = interruptionOf(shownRow);
    let snapshot: OptimizeRunSnapshot | null = null;
    try {
      ({ snapshot } = await store.readJob(shownRow.run_id));
    } catch (e) {
      // The rest of the store still reads; a damaged snapshot should not blank the whole view.
      snapshotError = e instanceof Error ? e.message : String(e);
    }
    run = {
      row: shownRow,
      snapshot: snapshot && interrupted ? asInterrupted(snapshot, interrupted) : snapshot,
      interrupted,
    };
    const listed = runs.find((r) => r.run_id === shownRow.run_id);
    if (listed && listed.best_reward === null) listed.best_reward = snapshot?.best?.validate_reward ?? null;
    runAttempts = await store.attempts({ run_id: shownRow.run_id });
    const rollouts = await store.rollouts({ run_id: shownRow.run_id });
    const live = shownRow.status === 'running' && !interrupted;
    timeline = queueTimeline(rollouts, runAttempts, {
      fromMs: Date.parse(shownRow.started_at),
      toMs: live ? now : shownRow.ended_at ? Date.parse(shownRow.ended_at) : null,
      points: opts.timelinePoints ?? DEFAULT_TIMELINE_POINTS,
    });
  }

  const configs = new Map(rows.map((r) => [r.run_id, r.config.heartbeat_interval_ms]));
  const fallbackInterval =
    opts.heartbeatIntervalMs ?? shownRow?.config.heartbeat_interval_ms ?? TAU_DEFAULTS.heartbeat_interval_ms;
  const workers = (await store.workers())
    // Workers of other runs are history; ones no run claims (Tau's, or external) are shown with every run.
    .filter((w) => !shownRow || w.run_id === null || w.run_id === shownRow.run_id)
    .map((w) =>
      workerView(
        w,
        now,
        opts.heartbeatIntervalMs ?? (w.run_id ? configs.get(w.run_id) : undefined) ?? fallbackInterval,
      ),
    )
    .sort((a, b) => a.registered_at.localeCompare(b.registered_at) || a.worker_id.localeCompare(b.worker_id));

  const training = await readTrainingField(opts.statusPath);
  return {
    location: store.location,
    generated_unix_ms: now,
    runs,
    run,
    counters: await store.counters(),
    workers,
    latest_resources: (await store.latestResources()) ?? null,
    timeline,
    alerts: [
      ...overviewAlerts({ training, run, workers, attempts: runAttempts }),
      ...(snapshotError
        ? [{ code: 'optimize_snapshot_unreadable', severity: 'error' as const, message: snapshotError }]
        : []),
    ],
    training,
  };
}

function interruptionOf(row: OptimizeRunRow): string | null {
  const why = interruptedBy(row);
  return why ? `${why} Resume it with \`prompt-tuner optimize resume --run ${row.run_id}\`.` : null;
}

/** A worker as shown: how long since its last heartbeat, and stale once it has missed STALE_HEARTBEATS. */
export function workerView(worker: WorkerRow, nowMs: number, heartbeatIntervalMs: number): WorkerView {
  const last = Date.parse(worker.last_heartbeat_at);
  // An unreadable time (a foreign writer) counts as long ago; a finite number keeps the JSON valid.
  const age = Number.isFinite(last) ? Math.max(0, nowMs - last) : Math.max(0, nowMs);
  return {
    ...worker,
    heartbeat_age_ms: age,
    stale: worker.stopped_at === null && age > STALE_HEARTBEATS * heartbeatIntervalMs,
  };
}

/** Tau's `training` field: status.json's counters, or zeros and why there are none. */
export async function readTrainingField(statusPath: string): Promise<TrainingStatusField> {
  const { status, diagnostics } = readStatusFile(statusPath);
  return {
    status_path: statusPath,
    status_present: status !== null,
    updated_unix_ms: status?.updated_unix_ms ?? null,
    run_state: status?.run_state ?? null,
    model_ref: status?.model_ref ?? null,
    store_path: status?.store_path ?? null,
    total_rollouts: status?.total_rollouts ?? 0,
    succeeded: status?.succeeded ?? 0,
    failed: status?.failed ?? 0,
    cancelled: status?.cancelled ?? 0,
    diagnostics,
  };
}

/**
 * Rollouts queued / running / done at up to `points` evenly spaced times from the run's start to `toMs` (its
 * end, or now while it runs; at least its last recorded change). A rollout is running while one of its attempts is; between attempts (requeued)
 * it is queued again.
 */
export function queueTimeline(
  rollouts: readonly RolloutRow[],
  attempts: readonly AttemptRow[],
  range: { fromMs: number; toMs: number | null; points: number },
): TimelinePoint[] {
  if (rollouts.length === 0) return [];
  const spans = new Map<string, { from: number; to: number }[]>();
  let last = Number.NEGATIVE_INFINITY;
  const seen = (t: number) => {
    if (Number.isFinite(t) && t > last) last = t;
    return t;
  };
  for (const a of attempts) {
    const from = seen(Date.parse(a.started_at));
    const to = a.ended_at ? seen(Date.parse(a.ended_at)) : Number.POSITIVE_INFINITY;
    const list = spans.get(a.rollout_id) ?? [];
    list.push({ from, to });
    spans.set(a.rollout_id, list);
  }
  const items = rollouts.map((r) => {
    const created = seen(Date.parse(r.start_time));
    let doneAt = Number.POSITIVE_INFINITY;
    if (TERMINAL.has(r.status)) {
      // A terminal rollout without end_time (a foreign writer) counts as done from its last attempt's end.
      const ends = (spans.get(r.rollout_id) ?? []).map((s) => s.to).filter(Number.isFinite);
      doneAt = r.end_time ? seen(Date.parse(r.end_time)) : Math.max(created, ...ends);
    }
    return { created, doneAt, attempts: spans.get(r.rollout_id) ?? [] };
  });
  const firstCreated = Math.min(...items.map((i) => i.created));
  const from = Number.isFinite(range.fromMs) ? Math.min(range.fromMs, firstCreated) : firstCreated;
  const to = Math.max(
    from,
    last,
    range.toMs !== null && Number.isFinite(range.toMs) ? range.toMs : Number.NEGATIVE_INFINITY,
  );
  const n = to > from ? Math.max(2, Math.floor(range.points)) : 1;
  const out: TimelinePoint[] = [];
  for (let i = 0; i < n; i++) {
    const t = n === 1 ? to : Math.round(from + ((to - from) * i) / (n - 1));
    const point: TimelinePoint = { t_unix_ms: t, queued: 0, running: 0, done: 0 };
    for (const item of items) {
      if (item.created > t) continue;
      if (item.doneAt <= t) point.done += 1;
      else if (item.attempts.some((s) => s.from <= t && t < s.to)) point.running += 1;
      else point.queued += 1;
    }
    out.push(point);
  }
  return out;
}

/** Tau's training alert, then ours: the shown run interrupted, stale workers, attempts the watchdog ended. */
export function overviewAlerts(input: {
  training: TrainingStatusField;
  run: OptimizeOverview['run'];
  workers: readonly WorkerView[];
  attempts: readonly AttemptRow[];
}): DashboardAlert[] {
  const alerts: DashboardAlert[] = [];
  const { training, run } = input;
  // Tau's condition and wording, so its users' alert rules keep matching.
  if (training.status_present && (training.failed > 0 || training.run_state === 'failed')) {
    alerts.push({
      code: 'dashboard_training_failures',
      severity: 'warning',
      message: `latest training run recorded failures (failed=${training.failed}, cancelled=${training.cancelled}, state=${training.run_state})`,
    });
  }
  if (run?.interrupted) {
    alerts.push({
      code: 'optimize_run_interrupted',
      severity: 'error',
      message: `Run ${run.row.run_id}: ${run.interrupted}`,
    });
  }
  const stale = input.workers.filter((w) => w.stale);
  if (stale.length > 0) {
    alerts.push({
      code: 'optimize_workers_stale',
      severity: 'warning',
      message: `${plural(stale.length, 'worker')} without a heartbeat for ${STALE_HEARTBEATS}+ intervals: ${stale.map((w) => `${w.worker_id} (${ageText(w.heartbeat_age_ms)})`).join(', ')}`,
    });
  }
  const timedOut = input.attempts.filter((a) => a.status === 'timeout');
  if (timedOut.length > 0) {
    alerts.push({
      code: 'optimize_attempts_timeout',
      severity: 'warning',
      message: `${plural(timedOut.length, 'attempt')} passed rollout_timeout_secs: ${listIds(timedOut)}`,
    });
  }
  const unresponsive = input.attempts.filter((a) => a.status === 'unresponsive');
  if (unresponsive.length > 0) {
    alerts.push({
      code: 'optimize_attempts_unresponsive',
      severity: 'info',
      message: `${plural(unresponsive.length, 'attempt')} stopped heartbeating and ${unresponsive.length === 1 ? 'was' : 'were'} taken back by the watchdog: ${listIds(unresponsive)}`,
    });
  }
  return alerts;
}

/** Counters with every field zero (no store yet): the one definition, in the store's counters. */
export { emptyCounters } from './store/counters';

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function listIds(attempts: readonly AttemptRow[]): string {
  const shown = attempts.slice(0, 5).map((a) => a.attempt_id);
  return attempts.length > shown.length
    ? `${shown.join(', ')} and ${attempts.length - shown.length} more`
    : shown.join(', ');
}

function ageText(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`;
}
