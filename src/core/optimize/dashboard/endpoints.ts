// The JSON bodies of the dashboard's endpoints, shaped as Tau's gateway answers them (`schema_version`,
// `generated_unix_ms`, the endpoint's own key, `health`, `training`, `state`), built from one read of the store.
// Pure: the server reads, these shape.
import type {
  Counters,
  DashboardAlert,
  OptimizeOverview,
  TauRunCounts,
  TimelinePoint,
  TrainingStatusField,
  WorkerView,
} from '../types';

export const DASHBOARD_SCHEMA_VERSION = 1;
/** How often the page (and any client following Tau's widget hint) asks again. */
export const DASHBOARD_REFRESH_MS = 2_000;

/** One read of everything the endpoints show; `overview` is null when the store cannot be read. */
export interface DashboardState {
  generated_unix_ms: number;
  store_path: string;
  store_present: boolean;
  /** Why the store could not be read, e.g. `store_missing:<path>`. */
  store_diagnostics: string[];
  overview: OptimizeOverview | null;
  training: TrainingStatusField;
}

/** Tau's training report on the wire: where status.json says nothing, Tau sends 0, "unknown" and "". */
export interface TauTrainingReport extends TauRunCounts {
  status_path: string;
  status_present: boolean;
  updated_unix_ms: number;
  run_state: string;
  diagnostics: string[];
}

export interface DashboardHealth {
  /** healthy: no warning or error alert; degraded: some; unknown: the store cannot be read. */
  health_state: 'healthy' | 'degraded' | 'unknown';
  health_reason: string;
  /** Tau's gate: pass only when healthy. */
  rollout_gate: 'pass' | 'hold';
  /** Rollouts waiting (queuing + requeuing) in the whole store. */
  queue_depth: number;
  /** Rollouts preparing or running in the whole store. */
  running: number;
  /** Workers shown that have not stopped / of those, stale. */
  active_workers: number;
  stale_workers: number;
}

/** What Tau's `state` key holds for its gateway, here the store and status.json behind the answers. */
export interface DashboardStateMeta {
  store_path: string;
  store_present: boolean;
  location: string | null;
  status_path: string;
  status_present: boolean;
  /** The run the run-scoped keys describe (the newest). */
  run_id: string | null;
  diagnostics: string[];
}

export interface CounterWidget {
  widget_id: string;
  kind: 'counter';
  title: string;
  /** Where the value comes from, e.g. `run.counters.succeeded`. */
  query_key: string;
  value: number | null;
  refresh_interval_ms: number;
  updated_unix_ms: number;
}

interface Envelope {
  schema_version: typeof DASHBOARD_SCHEMA_VERSION;
  generated_unix_ms: number;
}

export interface HealthBody extends Envelope {
  status: 'ok' | 'degraded';
  health: DashboardHealth;
  training: TauTrainingReport;
  state: DashboardStateMeta;
}

export interface RunSummary {
  run_id: string;
  run_number: number;
  status: OptimizeOverview['runs'][number]['status'];
  interrupted: string | null;
  model_ref: string;
  started_at: string;
  ended_at: string | null;
  counters: Counters;
  best_reward: number | null;
}

export interface WidgetsBody extends Envelope {
  widgets: CounterWidget[];
  run: RunSummary | null;
  workers: WorkerView[];
  latest_resources: { resources_id: string; version: number; label: string; created_time: string } | null;
  training: TauTrainingReport;
  state: DashboardStateMeta;
}

export interface QueueTimelineBody extends Envelope {
  queue_timeline: { run_id: string | null; points: TimelinePoint[] };
  health: DashboardHealth;
  training: TauTrainingReport;
  state: DashboardStateMeta;
}

export interface AlertsBody extends Envelope {
  alerts: DashboardAlert[];
  health: DashboardHealth;
  training: TauTrainingReport;
  state: DashboardStateMeta;
}

export interface TrainingStatusBody extends Envelope {
  training: TauTrainingReport;
}

export function tauTraining(t: TrainingStatusField): TauTrainingReport {
  return {
    status_path: t.status_path,
    status_present: t.status_present,
    updated_unix_ms: t.updated_unix_ms ?? 0,
    run_state: t.run_state ?? 'unknown',
    model_ref: t.model_ref ?? '',
    store_path: t.store_path ?? '',
    total_rollouts: t.total_rollouts,
    succeeded: t.succeeded,
    failed: t.failed,
    cancelled: t.cancelled,
    diagnostics: [...t.diagnostics],
  };
}

/** The overview's alerts, one for an unreadable store, and Tau's `dashboard_healthy` when there is nothing to say. */
export function dashboardAlerts(s: DashboardState): DashboardAlert[] {
  const alerts: DashboardAlert[] = [];
  if (!s.overview) {
    alerts.push({
      code: s.store_present ? 'optimize_store_unreadable' : 'optimize_store_missing',
      severity: 'warning',
      message: s.store_present
        ? `the prompt-optimization store at '${s.store_path}' cannot be read: ${s.store_diagnostics.join('; ')}`
        : `no prompt-optimization store at '${s.store_path}' yet (a run creates it)`,
    });
  }
  alerts.push(...(s.overview?.alerts ?? []));
  if (alerts.length === 0)
    alerts.push({ code: 'dashboard_healthy', severity: 'info', message: 'dashboard runtime health is nominal' });
  return alerts;
}

export function dashboardHealth(s: DashboardState): DashboardHealth {
  const o = s.overview;
  const serious = dashboardAlerts(s).filter((a) => a.severity !== 'info');
  const state: DashboardHealth['health_state'] = !o ? 'unknown' : serious.length > 0 ? 'degraded' : 'healthy';
  return {
    health_state: state,
    health_reason: serious[0]?.message ?? 'prompt-optimization store is readable and nothing needs attention',
    rollout_gate: state === 'healthy' ? 'pass' : 'hold',
    queue_depth: o ? o.counters.queuing + o.counters.requeuing : 0,
    running: o?.counters.running ?? 0,
    active_workers: o?.workers.filter((w) => w.stopped_at === null).length ?? 0,
    stale_workers: o?.workers.filter((w) => w.stale).length ?? 0,
  };
}

function stateMeta(s: DashboardState): DashboardStateMeta {
  return {
    store_path: s.store_path,
    store_present: s.store_present,
    location: s.overview?.location ?? null,
    status_path: s.training.status_path,
    status_present: s.training.status_present,
    run_id: s.overview?.run?.row.run_id ?? null,
    diagnostics: [...s.store_diagnostics, ...s.training.diagnostics],
  };
}

function envelope(s: DashboardState): Envelope {
  return { schema_version: DASHBOARD_SCHEMA_VERSION, generated_unix_ms: s.generated_unix_ms };
}

export function healthBody(s: DashboardState): HealthBody {
  const health = dashboardHealth(s);
  return {
    ...envelope(s),
    status: health.health_state === 'healthy' ? 'ok' : 'degraded',
    health,
    training: tauTraining(s.training),
    state: stateMeta(s),
  };
}

function runSummary(o: OptimizeOverview): RunSummary | null {
  const id = o.run?.row.run_id;
  const listed = id === undefined ? undefined : o.runs.find((r) => r.run_id === id);
  return listed ? { ...listed, counters: { ...listed.counters } } : null;
}

const COUNTER_TITLES: [keyof Counters, string][] = [
  ['total_rollouts', 'Rollouts'],
  ['queuing', 'Queued'],
  ['running', 'Running'],
  ['requeuing', 'Requeued'],
  ['succeeded', 'Succeeded'],
  ['failed', 'Failed'],
  ['cancelled', 'Cancelled'],
];

export function widgetsBody(s: DashboardState): WidgetsBody {
  const o = s.overview;
  const run = o ? runSummary(o) : null;
  // Counters of the run shown (what status.json counts too); the whole store's when no run exists.
  const scope = run ? 'run' : 'store';
  const counters = run?.counters ?? o?.counters ?? null;
  const widget = (widget_id: string, title: string, query_key: string, value: number | null): CounterWidget => ({
    widget_id,
    kind: 'counter',
    title,
    query_key,
    value,
    refresh_interval_ms: DASHBOARD_REFRESH_MS,
    updated_unix_ms: s.generated_unix_ms,
  });
  const widgets = COUNTER_TITLES.map(([key, title]) =>
    widget(
      `rollouts_${key === 'total_rollouts' ? 'total' : key}`,
      title,
      `${scope}.counters.${key}`,
      counters ? counters[key] : null,
    ),
  );
  widgets.push(
    widget(
      'workers_active',
      'Active workers',
      'workers.active',
      o ? o.workers.filter((w) => w.stopped_at === null).length : null,
    ),
  );
  widgets.push(
    widget('workers_stale', 'Stale workers', 'workers.stale', o ? o.workers.filter((w) => w.stale).length : null),
  );
  widgets.push(
    widget(
      'resources_latest_version',
      'Latest resources version',
      'latest_resources.version',
      o?.latest_resources?.version ?? null,
    ),
  );
  widgets.push(widget('best_validate_reward', 'Best validate reward', 'run.best_reward', run?.best_reward ?? null));
  const latest = o?.latest_resources;
  return {
    ...envelope(s),
    widgets,
    run,
    workers: o ? o.workers.map((w) => ({ ...w })) : [],
    latest_resources: latest
      ? {
          resources_id: latest.resources_id,
          version: latest.version,
          label: latest.label,
          created_time: latest.created_time,
        }
      : null,
    training: tauTraining(s.training),
    state: stateMeta(s),
  };
}

export function queueTimelineBody(s: DashboardState): QueueTimelineBody {
  return {
    ...envelope(s),
    queue_timeline: {
      run_id: s.overview?.run?.row.run_id ?? null,
      points: s.overview ? s.overview.timeline.map((p) => ({ ...p })) : [],
    },
    health: dashboardHealth(s),
    training: tauTraining(s.training),
    state: stateMeta(s),
  };
}

export function alertsBody(s: DashboardState): AlertsBody {
  return {
    ...envelope(s),
    alerts: dashboardAlerts(s),
    health: dashboardHealth(s),
    training: tauTraining(s.training),
    state: stateMeta(s),
  };
}

export function trainingStatusBody(s: DashboardState): TrainingStatusBody {
  return { ...envelope(s), training: tauTraining(s.training) };
}

/** The read-only endpoints by path. */
export const DASHBOARD_ENDPOINTS = {
  '/dashboard/health': healthBody,
  '/dashboard/widgets': widgetsBody,
  '/dashboard/queue-timeline': queueTimelineBody,
  '/dashboard/alerts': alertsBody,
  '/gateway/training/status': trainingStatusBody,
} as const satisfies Record<string, (s: DashboardState) => Envelope>;

export type DashboardEndpointPath = keyof typeof DASHBOARD_ENDPOINTS;

export function isDashboardEndpoint(path: string): path is DashboardEndpointPath {
  return Object.prototype.hasOwnProperty.call(DASHBOARD_ENDPOINTS, path);
}
