// The rows both RolloutStore backends read (the same tables and columns in SQLite and PostgreSQL) and their
// mapping to the interface's rows. Only how a column arrives differs: sql.js hands JSON and times over as text,
// node-postgres hands json columns over parsed and timestamps as Date. Each backend says how it reads those two.
import type {
  AttemptRow,
  AttemptStatus,
  OptimizeConfig,
  OptimizeReport,
  OptimizeRunRow,
  OptimizeRunStatus,
  ResourcesRow,
  RolloutConfig,
  RolloutInput,
  RolloutMetadata,
  RolloutMode,
  RolloutRow,
  RolloutStatus,
  WorkerRow,
} from '../types';

/** Rollout statuses that end it: cancelling leaves these alone. */
export const ENDED_ROLLOUT: RolloutStatus[] = ['succeeded', 'failed', 'cancelled'];
/** Attempt statuses still in flight: the watchdog watches these, and only these take spans and a result. */
export const ACTIVE_ATTEMPT: readonly string[] = ['preparing', 'running'];

/** A rollouts row; J: how a JSON column arrives, T: how a time column arrives. */
export type RolloutDbRow<J, T> = {
  rollout_id: string;
  input_json: J;
  start_time: T;
  end_time: T | null;
  mode: RolloutMode;
  status: RolloutStatus;
  config_json: J;
  metadata_json: J;
  assigned_worker_id: string | null;
  attempt_count: number;
  run_id: string;
  resources_id: string;
  reward: number | null;
  answer: string | null;
};

export type ResourcesDbRow<J, T> = {
  resources_id: string;
  version: number;
  resources_json: J;
  created_time: T;
  is_latest: number;
  run_id: string | null;
  label: string;
  parent_version: number | null;
};

export type RunDbRow<J, T> = {
  run_id: string;
  run_number: number;
  model_ref: string;
  config_path: string;
  config_json: J;
  store_path: string;
  status: OptimizeRunStatus;
  started_at: T;
  ended_at: T | null;
  owner_pid: number;
  owner_host: string;
  report_json: J | null;
  error: string | null;
};

export type AttemptDbRow<T> = {
  attempt_id: string;
  rollout_id: string;
  sequence_id: number;
  worker_id: string;
  status: AttemptStatus;
  started_at: T;
  last_heartbeat_at: T;
  ended_at: T | null;
  error_message: string | null;
};

export type WorkerDbRow<T> = {
  worker_id: string;
  registered_at: T;
  last_heartbeat_at: T;
  active_rollout_id: string | null;
  active_attempt_id: string | null;
  pid: number;
  host: string;
  run_id: string | null;
  stopped_at: T | null;
};

/** How a backend reads its columns. */
export interface ColumnReaders<J, T> {
  /** A JSON column's value, parsed (whether it is an object is checked after); `what` names the column in errors. */
  json(value: J, what: string): unknown;
  /** A time column as the ISO text the interface's rows carry. */
  time(value: T): string;
}

export interface RowMappers<J, T> {
  /** A JSON column that must hold an object. */
  jsonObject<V>(value: J, what: string): V;
  toRollout(r: RolloutDbRow<J, T>): RolloutRow;
  toResources(r: ResourcesDbRow<J, T>): ResourcesRow;
  toRun(r: RunDbRow<J, T>): OptimizeRunRow;
  toAttempt(r: AttemptDbRow<T>): AttemptRow;
  toWorker(w: WorkerDbRow<T>): WorkerRow;
}

/** The row → interface mappings over one backend's way of reading JSON and time columns. */
export function rowMappers<J, T>(read: ColumnReaders<J, T>): RowMappers<J, T> {
  const time = (v: T): string => read.time(v);
  const timeOrNull = (v: T | null): string | null => (v === null ? null : read.time(v));
  function jsonObject<V>(v: J, what: string): V {
    const value = read.json(v, what);
    if (value === null || typeof value !== 'object' || Array.isArray(value))
      throw new Error(`${what}: not a JSON object`);
    return value as V;
  }
  return {
    jsonObject,
    toRollout(r) {
      const what = (col: string) => `rollouts.${col} of rollout ${r.rollout_id}`;
      return {
        rollout_id: r.rollout_id,
        run_id: r.run_id,
        input: jsonObject<RolloutInput>(r.input_json, what('input_json')),
        mode: r.mode,
        status: r.status,
        start_time: time(r.start_time),
        end_time: timeOrNull(r.end_time),
        config: jsonObject<RolloutConfig>(r.config_json, what('config_json')),
        metadata: jsonObject<RolloutMetadata>(r.metadata_json, what('metadata_json')),
        assigned_worker_id: r.assigned_worker_id,
        attempt_count: r.attempt_count,
        resources_id: r.resources_id,
        reward: r.reward,
        answer: r.answer,
      };
    },
    toResources(r) {
      return {
        resources_id: r.resources_id,
        version: r.version,
        resources: jsonObject<Record<string, unknown>>(
          r.resources_json,
          `resources.resources_json of ${r.resources_id}`,
        ),
        created_time: time(r.created_time),
        is_latest: r.is_latest === 1,
        run_id: r.run_id,
        label: r.label,
        parent_version: r.parent_version,
      };
    },
    toRun(r) {
      return {
        run_id: r.run_id,
        run_number: r.run_number,
        model_ref: r.model_ref,
        config_path: r.config_path,
        config: jsonObject<OptimizeConfig>(r.config_json, `runs.config_json of run ${r.run_id}`),
        store_path: r.store_path,
        status: r.status,
        started_at: time(r.started_at),
        ended_at: timeOrNull(r.ended_at),
        owner_pid: r.owner_pid,
        owner_host: r.owner_host,
        report:
          r.report_json === null
            ? null
            : jsonObject<OptimizeReport>(r.report_json, `runs.report_json of run ${r.run_id}`),
        error: r.error,
      };
    },
    toAttempt(r) {
      return {
        attempt_id: r.attempt_id,
        rollout_id: r.rollout_id,
        sequence_id: r.sequence_id,
        worker_id: r.worker_id,
        status: r.status,
        started_at: time(r.started_at),
        last_heartbeat_at: time(r.last_heartbeat_at),
        ended_at: timeOrNull(r.ended_at),
        error_message: r.error_message,
      };
    },
    toWorker(w) {
      return {
        worker_id: w.worker_id,
        registered_at: time(w.registered_at),
        last_heartbeat_at: time(w.last_heartbeat_at),
        active_rollout_id: w.active_rollout_id,
        active_attempt_id: w.active_attempt_id,
        pid: w.pid,
        host: w.host,
        run_id: w.run_id,
        stopped_at: timeOrNull(w.stopped_at),
      };
    },
  };
}
