// The shapes of prompt optimization (Tau's rollout mode, seed prompt-optimization-guide): the config, the
// store's rows with Tau's / Agent Lightning's column names and status enums, the store interface both backends
// implement (sql.js file now, PostgreSQL later), the run's events and snapshot, the report and status.json,
// and the overview the dashboard, `optimize status` and the editor's panel show. Types only.
import type { JobWrite } from '../jobs/jobWrite';

// ---- config ----

/** One rollout input: Tau accepts a string or an object with a string `prompt`; other keys are kept. */
export interface RolloutInput {
  /** What the agent is asked. */
  prompt: string;
  /** What the reward compares the answer with; absent: the reward cannot pass (exact_match gives 0). */
  expected?: string;
  /** Beyond Tau: a validate item a candidate must not lose once the baseline passes it. */
  must_not_regress?: boolean;
  [key: string]: unknown;
}

/** How a rollout's answer is scored (beyond Tau, which only has exact_match). */
export type RewardSpec =
  /** 1 when the trimmed answer equals the trimmed expected, else 0 (Tau's reward). */
  | { type: 'exact_match' }
  /** 1 when the answer contains expected. */
  | { type: 'contains'; case_sensitive: boolean }
  /** 1 when expected, read as a regular expression with `flags`, matches the answer. */
  | { type: 'regex'; flags: string }
  /** 1 when the first number in the answer is within `tolerance` of expected read as a number. */
  | { type: 'number'; tolerance: number }
  /** The judge's score (0..1) of the answer against `rubric` (expected given to the judge too). */
  | { type: 'llm_judge'; rubric: string; model: string | null };

/** Agent Lightning's APO (textual gradients + beam search). */
export interface ApoConfig {
  /** Rounds of critique → edit → select (AL `beam_rounds`). */
  rounds: number;
  /** Prompts kept after each round. */
  beam_width: number;
  /** Candidates edited from each parent per round. */
  branch_factor: number;
  /** Optimize items a parent is run on to find its failures for the critique. */
  gradient_batch_size: number;
  /** Validate items candidates are compared on inside a round (the leader is then scored on all). */
  val_batch_size: number;
  /** Model that writes the critique; null: --meta-model, else the run's model. */
  gradient_model: string | null;
  /** Model that edits the prompt; null: --meta-model, else the run's model. */
  edit_model: string | null;
}

export const APO_DEFAULTS: Omit<ApoConfig, 'gradient_model' | 'edit_model'> = {
  rounds: 3,
  beam_width: 4,
  branch_factor: 4,
  gradient_batch_size: 4,
  val_batch_size: 16,
};

/** Tau's defaults for the config fields it has. */
export const TAU_DEFAULTS = {
  worker_count: 2,
  poll_interval_ms: 50,
  heartbeat_interval_ms: 1000,
  completion_poll_interval_ms: 60,
  completion_timeout_secs: 30,
} as const;

/** A checked config with every default filled in. */
export interface OptimizeConfig {
  /** Optimization inputs (alias `train`); their rollouts have mode `train`. */
  optimize: RolloutInput[];
  /** Validation inputs (alias `val`); their rollouts have mode `val`. */
  validate: RolloutInput[];
  /** The initial resources version (`system_prompt` is the prompt a worker uses). */
  resources: Record<string, unknown>;
  /** Local runner workers (> 0). */
  worker_count: number;
  /** A worker's dequeue poll when the queue is empty (ms, > 0). */
  poll_interval_ms: number;
  /** Worker and attempt heartbeat interval (ms, > 0); 3 missed → unresponsive. */
  heartbeat_interval_ms: number;
  /** Trainer's completion poll (ms, > 0). */
  completion_poll_interval_ms: number;
  /** How long the trainer waits for one batch of rollouts to end (s, > 0); past it the run fails. */
  completion_timeout_secs: number;
  /** Attempts per rollout (>= 1, default 1; Tau stores it and never reads it). */
  max_attempts: number;
  /** One attempt's time limit (s); null: none (default). Past it the attempt is `timeout`. */
  rollout_timeout_secs: number | null;
  /** How answers are scored; default exact_match. */
  reward: RewardSpec;
  /** The optimizer; null: Tau's mode (run and score only). */
  apo: ApoConfig | null;
}

// ---- store rows (Tau's names; times are ISO 8601 UTC text) ----

export const ROLLOUT_MODES = ['train', 'val', 'test'] as const;
export type RolloutMode = (typeof ROLLOUT_MODES)[number];

export const ROLLOUT_STATUSES = [
  'queuing',
  'preparing',
  'running',
  'succeeded',
  'failed',
  'cancelled',
  'requeuing',
] as const;
export type RolloutStatus = (typeof ROLLOUT_STATUSES)[number];

export const ATTEMPT_STATUSES = ['preparing', 'running', 'succeeded', 'failed', 'unresponsive', 'timeout'] as const;
export type AttemptStatus = (typeof ATTEMPT_STATUSES)[number];

/** Stored in rollouts.config_json: Agent Lightning's RolloutConfig. */
export interface RolloutConfig {
  /** Attempts allowed (from the config's max_attempts). */
  max_attempts: number;
  /** Seconds from an attempt's start to `timeout`; null: none. */
  timeout_seconds: number | null;
  /** Seconds without a heartbeat to `unresponsive` (3 × heartbeat interval). */
  unresponsive_seconds: number;
  /** Attempt endings that requeue the rollout while attempts remain. */
  retry_condition: AttemptStatus[];
}

/** Why a rollout exists inside a run (rollouts.metadata_json). */
export interface RolloutMetadata {
  run_id: string;
  /** Index of the input in its config list (0-based). */
  item_index: number;
  /** Which config list the input is from. */
  set: 'optimize' | 'validate';
  /** baseline: the initial prompt on every item; gradient: a parent on a training batch; candidate: a candidate on a val batch; leader: a round's leader on the full validate set. */
  purpose: 'baseline' | 'gradient' | 'candidate' | 'leader';
  /** APO round (1-based); absent for baseline. */
  round?: number;
}

export interface RolloutRow {
  rollout_id: string;
  run_id: string;
  input: RolloutInput;
  mode: RolloutMode;
  status: RolloutStatus;
  start_time: string;
  end_time: string | null;
  config: RolloutConfig;
  metadata: RolloutMetadata;
  assigned_worker_id: string | null;
  attempt_count: number;
  /** The resources version this rollout runs with (beyond Tau, which always uses the latest). */
  resources_id: string;
  /** The reward of its succeeded attempt; null until then. */
  reward: number | null;
  /** The answer of its succeeded attempt; null until then. */
  answer: string | null;
}

export interface AttemptRow {
  /** `<rollout_id>:attempt-<n>`. */
  attempt_id: string;
  rollout_id: string;
  /** n, from 1. */
  sequence_id: number;
  worker_id: string;
  status: AttemptStatus;
  started_at: string;
  last_heartbeat_at: string;
  ended_at: string | null;
  error_message: string | null;
}

export interface ResourcesRow {
  /** `resources-<version>`. */
  resources_id: string;
  /** max + 1 over the whole store. */
  version: number;
  resources: Record<string, unknown>;
  created_time: string;
  is_latest: boolean;
  /** Run that made it; null for rows Tau made. */
  run_id: string | null;
  /** initial | `apo r<round> c<k>` … for people reading the store. */
  label: string;
  /** The version it was edited from; null for an initial one. */
  parent_version: number | null;
}

export interface WorkerRow {
  worker_id: string;
  registered_at: string;
  last_heartbeat_at: string;
  active_rollout_id: string | null;
  active_attempt_id: string | null;
  /** Beyond Tau: who runs it, so a dead process's attempts are reclaimed at once on its own host. */
  pid: number;
  host: string;
  run_id: string | null;
  /** Set when the worker stopped cleanly. */
  stopped_at: string | null;
}

/** One span (spans.span_json), Tau's fields. */
export interface Span {
  rollout_id: string;
  attempt_id: string;
  sequence_id: number;
  trace_id: string;
  span_id: string;
  parent_id: string | null;
  /** runner.execute_rollout, agent.start, agent.turn.<n>, message.added, agent.end, reward.emit */
  name: string;
  attributes: Record<string, unknown>;
  events: unknown[];
  start_time: string;
  end_time: string;
}

/** What dequeue hands a worker. */
export interface Claim {
  rollout: RolloutRow;
  attempt: AttemptRow;
}

/** Rollout counts (a run's, or the whole store's). */
export interface Counters {
  total_rollouts: number;
  queuing: number;
  /** preparing + running */
  running: number;
  requeuing: number;
  succeeded: number;
  failed: number;
  cancelled: number;
}

/** One thing the watchdog did. */
export interface WatchdogAction {
  attempt_id: string;
  rollout_id: string;
  /** What the attempt became. */
  attempt_status: 'unresponsive' | 'timeout';
  /** What its rollout became: requeued while attempts remain, else failed. */
  rollout_status: 'requeuing' | 'failed';
  /** One line: why. */
  reason: string;
}

export type OptimizeRunStatus = 'running' | 'completed' | 'failed' | 'cancelled';

/** One row of `runs`: one invocation (run or resume continues the same row). */
export interface OptimizeRunRow {
  run_id: string;
  /** 1, 2, … in this store; rollout ids carry it (`train-<run_number>-<n>`), so re-runs never collide. */
  run_number: number;
  model_ref: string;
  config_path: string;
  config: OptimizeConfig;
  store_path: string;
  status: OptimizeRunStatus;
  started_at: string;
  ended_at: string | null;
  owner_pid: number;
  owner_host: string;
  report: OptimizeReport | null;
  error: string | null;
}

export interface NewRollout {
  rollout_id: string;
  run_id: string;
  input: RolloutInput;
  mode: RolloutMode;
  config: RolloutConfig;
  metadata: RolloutMetadata;
  resources_id: string;
}

/**
 * The rollout store both backends implement; every state change goes through it and its transition table
 * (transitions.ts). Async so PostgreSQL fits; the sql.js backend commits each call durably before it resolves.
 */
export interface RolloutStore {
  /** The path, or the URL with its password masked. */
  readonly location: string;
  /** Current time in ms by the store's clock (the database's own for PostgreSQL). */
  now(): Promise<number>;
  /** Takes in other processes' writes (sql.js); a no-op where reads are always live. */
  refresh(): Promise<void>;
  close(): Promise<void>;

  // runs
  createRun(input: {
    run_id: string;
    model_ref: string;
    config_path: string;
    config: OptimizeConfig;
    store_path: string;
  }): Promise<OptimizeRunRow>;
  getRun(runId: string): Promise<OptimizeRunRow | undefined>;
  /** Newest first. */
  listRuns(): Promise<OptimizeRunRow[]>;
  /** A resumed run: running again, owned by this process, with this model. */
  reopenRun(runId: string, modelRef: string): Promise<void>;
  finishRun(
    runId: string,
    status: Exclude<OptimizeRunStatus, 'running'>,
    report: OptimizeReport | null,
    error: string | null,
  ): Promise<void>;
  /** The job runtime's write (snapshot + events), synchronous and durable when it returns. */
  persistJob(runId: string, write: JobWrite<OptimizeEvent, OptimizeRunSnapshot>): void;
  /** Snapshot and last event seq of a run (resume continues after it). */
  readJob(runId: string): Promise<{ snapshot: OptimizeRunSnapshot | null; lastSeq: number; events: OptimizeEvent[] }>;

  // resources
  /** A new immutable version (max + 1); `latest` moves is_latest to it. */
  addResources(
    resources: Record<string, unknown>,
    meta: { run_id: string | null; label: string; parent_version: number | null; latest: boolean },
  ): Promise<ResourcesRow>;
  /** Moves is_latest to this version (the content is never changed). */
  markLatest(resourcesId: string): Promise<void>;
  latestResources(): Promise<ResourcesRow | undefined>;
  getResources(resourcesId: string): Promise<ResourcesRow | undefined>;
  listResources(runId?: string): Promise<ResourcesRow[]>;

  // rollouts and attempts
  /** Inserts rollouts as `queuing` with their queue rows, in one transaction; an existing id is an error. */
  enqueue(rollouts: NewRollout[]): Promise<void>;
  /**
   * One transaction: the oldest queued rollout → `preparing`, a new `preparing` attempt, the worker's active ids;
   * undefined when the queue is empty. `runId`: only that run's rollouts (a run's own workers run its model, so
   * two runs on one store never execute each other's rollouts).
   */
  dequeue(workerId: string, opts?: { runId?: string }): Promise<Claim | undefined>;
  /** Spans as they happen; each is a heartbeat; the first makes the attempt and the rollout `running`. Throws AttemptLostError once the watchdog has taken the attempt. */
  addSpans(attemptId: string, spans: Span[]): Promise<void>;
  /** The worker row and its running attempt. */
  heartbeat(workerId: string, attemptId: string | null): Promise<void>;
  /**
   * Ends an attempt and its rollout, with `spans` (the ones that ended with it, e.g. reward.emit and the root) in the
   * same commit, as addSpans would write them. `lost`: the watchdog had already taken it, so nothing was recorded,
   * spans included (never succeeded twice).
   */
  finishAttempt(
    attemptId: string,
    outcome: {
      status: 'succeeded' | 'failed';
      error?: string;
      reward?: number | null;
      answer?: string | null;
      spans?: Span[];
    },
  ): Promise<'recorded' | 'lost'>;
  /** The watchdog: silent attempts → unresponsive, attempts of a dead process (same host) → unresponsive at once, past timeout → timeout; requeue or fail. */
  sweep(): Promise<WatchdogAction[]>;
  /** Cancels a run's rollouts that have not ended (cancel, Ctrl-C). */
  cancelRollouts(runId: string): Promise<number>;

  // workers
  registerWorker(worker: { worker_id: string; run_id: string | null; pid: number; host: string }): Promise<void>;
  stopWorker(workerId: string): Promise<void>;

  // reads
  counters(runId?: string): Promise<Counters>;
  rollouts(filter?: {
    run_id?: string;
    status?: RolloutStatus[];
    mode?: RolloutMode;
    resources_id?: string;
  }): Promise<RolloutRow[]>;
  attempts(filter?: { rollout_id?: string; run_id?: string }): Promise<AttemptRow[]>;
  spans(rolloutId: string): Promise<Span[]>;
  workers(): Promise<WorkerRow[]>;
}

// ---- the run: events, snapshot, report ----

/** One candidate of an APO round. */
export interface ApoCandidate {
  resources_id: string;
  resources_version: number;
  /** Version it was edited from; null for the initial prompt. */
  parent_version: number | null;
  system_prompt: string;
  /** Mean reward on the round's validate batch; null until scored. */
  batch_reward: number | null;
  /** Mean reward on the full validate set (the round's leader only); null otherwise. */
  validate_reward: number | null;
  /** Validate items (item_index) the baseline passed and this candidate fails. */
  regressions: number[];
  /** Kept in the beam after this round. */
  kept: boolean;
}

export interface ApoRound {
  /** 1-based. */
  round: number;
  candidates: ApoCandidate[];
  /** The leader's version and its full-validate reward. */
  leader_version: number | null;
  leader_reward: number | null;
  /** Critique text per parent version (what the gradient said). */
  critiques: { parent_version: number; text: string }[];
}

/** The run's best prompt. */
export interface BestPrompt {
  resources_id: string;
  resources_version: number;
  system_prompt: string;
  /** Mean reward on the full validate set; null when there is none. */
  validate_reward: number | null;
  /** Library version it was saved as, once saved. */
  library: { name: string; version: number } | null;
}

/** The run's model, its store and its rollout counters: the fields Tau's report, status.json and training report share. */
export interface TauRunCounts {
  model_ref: string;
  store_path: string;
  total_rollouts: number;
  succeeded: number;
  failed: number;
  cancelled: number;
}

/** `--prompt-optimization-json`: Tau's keys first, in Tau's order, then ours. Counters are this run's. */
export interface OptimizeReport extends TauRunCounts {
  run_id: string;
  /** Mean reward of the initial prompt on each set; null when the set is empty. */
  mean_reward: { optimize: number | null; validate: number | null };
  best: { resources_version: number; system_prompt: string; validate_reward: number | null } | null;
  rounds: ApoRound[];
  /** Model calls made (workers, judge, critique, edit). */
  calls: number;
  /** USD; null when a model's price is unknown (never shown as 0). */
  cost_usd: number | null;
}

/** status.json beside the store (Tau's fields; written at start, while running and at the end). */
export interface StatusFile extends TauRunCounts {
  schema_version: 1;
  updated_unix_ms: number;
  run_state: 'running' | 'completed' | 'failed' | 'cancelled';
}

export interface OptimizeEventBase {
  runId: string;
  at: string;
}

export type OptimizeEvent = OptimizeEventBase &
  (
    | {
        type: 'optimize_start';
        model_ref: string;
        store_path: string;
        items: { optimize: number; validate: number };
        rounds_total: number;
        resumed: boolean;
      }
    | {
        type: 'rollouts_enqueued';
        count: number;
        mode: RolloutMode;
        purpose: RolloutMetadata['purpose'];
        round: number | null;
      }
    /** Ephemeral (stored with the next write): counters after a rollout ended. */
    | { type: 'progress'; counters: Counters }
    | { type: 'watchdog'; actions: WatchdogAction[] }
    | {
        type: 'baseline_scored';
        mean_reward: { optimize: number | null; validate: number | null };
        validate_passed: number[];
      }
    | { type: 'round_start'; round: number }
    | { type: 'round_complete'; round: ApoRound }
    | { type: 'best_saved'; best: BestPrompt }
    | { type: 'optimize_complete'; report: OptimizeReport }
    | { type: 'optimize_error'; message: string }
    | { type: 'optimize_cancelled'; message: string }
    /** Ephemeral: the gateway is waiting (429/backoff). */
    | { type: 'throttle'; provider: string; retryInMs: number | null; queued: number }
  );

/** The run folded from its events (runs.snapshot_json; the panel renders it). */
export interface OptimizeRunSnapshot {
  runId: string;
  status: OptimizeRunStatus;
  phase: 'baseline' | 'apo' | 'done';
  model_ref: string;
  store_path: string;
  items: { optimize: number; validate: number };
  counters: Counters;
  mean_reward: { optimize: number | null; validate: number | null };
  /** Validate items the initial prompt passed (must-not-regress when none is marked). */
  validate_passed: number[];
  rounds_total: number;
  rounds: ApoRound[];
  best: BestPrompt | null;
  report: OptimizeReport | null;
  startedAt: string;
  endedAt: string | null;
  error: string | null;
  /** One line for a status bar: what is going on. */
  detail: string;
  etaSeconds: number | null;
  throttle: { provider: string; retryInMs: number | null; queued: number } | null;
}

// ---- what the dashboard, `optimize status` and the panel show ----

export interface WorkerView extends WorkerRow {
  /** ms since its last heartbeat, by the store's clock. */
  heartbeat_age_ms: number;
  /** No heartbeat for 3 intervals and not stopped. */
  stale: boolean;
}

/** One point of the queue timeline: rollouts in each state at time t. */
export interface TimelinePoint {
  t_unix_ms: number;
  queued: number;
  running: number;
  done: number;
}

export interface DashboardAlert {
  /** Tau's code, e.g. dashboard_training_failures. */
  code: string;
  severity: 'info' | 'warning' | 'error';
  message: string;
}

/** Tau's `training` field of every dashboard endpoint. */
export interface TrainingStatusField {
  status_path: string;
  status_present: boolean;
  updated_unix_ms: number | null;
  run_state: StatusFile['run_state'] | null;
  model_ref: string | null;
  store_path: string | null;
  total_rollouts: number;
  succeeded: number;
  failed: number;
  cancelled: number;
  /** e.g. `training_status_missing:<path>`. */
  diagnostics: string[];
}

/** Everything a view of a store shows, read in one go. */
export interface OptimizeOverview {
  location: string;
  generated_unix_ms: number;
  runs: {
    run_id: string;
    run_number: number;
    status: OptimizeRunStatus;
    interrupted: string | null;
    model_ref: string;
    started_at: string;
    ended_at: string | null;
    counters: Counters;
    best_reward: number | null;
  }[];
  /** The run shown (the newest unless asked). */
  run: { row: OptimizeRunRow; snapshot: OptimizeRunSnapshot | null; interrupted: string | null } | null;
  counters: Counters;
  workers: WorkerView[];
  latest_resources: ResourcesRow | null;
  timeline: TimelinePoint[];
  alerts: DashboardAlert[];
  training: TrainingStatusField;
}
