// The prompt-optimization store's schema (its own database file, not the workspace store): Tau's tables with its
// column names, plus what Tau lacks (runs, the run's resources version per rollout, rewards, worker pids).
import type { Migration } from '../../store/migrations';

const ROLLOUT_MODE_CHECK = "mode IN ('train', 'val', 'test')";
const ROLLOUT_STATUS_CHECK =
  "status IN ('queuing', 'preparing', 'running', 'succeeded', 'failed', 'cancelled', 'requeuing')";
const ATTEMPT_STATUS_CHECK = "status IN ('preparing', 'running', 'succeeded', 'failed', 'unresponsive', 'timeout')";
const RUN_STATUS_CHECK = "status IN ('running', 'completed', 'failed', 'cancelled')";

/** Version 1 of this database (its numbering is its own, unrelated to the workspace store's). */
export const OPTIMIZE_SCHEMA_V1: Migration = {
  version: 1,
  name: 'prompt optimization store',
  up(tx) {
    tx.run(`CREATE TABLE runs (
      run_id TEXT PRIMARY KEY,            -- uuid of one optimization run (a resume continues the same row)
      run_number INTEGER NOT NULL UNIQUE, -- 1, 2, … in this store; rollout ids carry it
      model_ref TEXT NOT NULL,            -- provider/model the workers call (the latest resume's)
      config_path TEXT NOT NULL,          -- config file as given
      config_json TEXT NOT NULL,          -- the checked OptimizeConfig with defaults filled in
      store_path TEXT NOT NULL,           -- this store's path as the run was given it
      status TEXT NOT NULL CHECK (${RUN_STATUS_CHECK}), -- as last written (a dead owner makes a running run read as interrupted)
      started_at TEXT NOT NULL,           -- ISO time the run was created
      ended_at TEXT,                      -- ISO time it finished; null while running
      owner_pid INTEGER NOT NULL,         -- pid of the process running it
      owner_host TEXT NOT NULL,           -- host name of that process
      snapshot_json TEXT,                 -- latest OptimizeRunSnapshot; null until the job's first write
      report_json TEXT,                   -- the OptimizeReport once finished
      error TEXT                          -- why it failed or stopped
    )`);
    tx.run(`CREATE TABLE run_events (
      run_id TEXT NOT NULL,               -- owning run
      seq INTEGER NOT NULL,               -- order within the run (a resumed run continues after the last)
      type TEXT NOT NULL,                 -- OptimizeEvent type
      at TEXT NOT NULL,                   -- ISO time
      json TEXT NOT NULL,                 -- the whole event
      PRIMARY KEY (run_id, seq)
    )`);
    tx.run(`CREATE TABLE resources (
      resources_id TEXT PRIMARY KEY,      -- resources-<version>
      version INTEGER NOT NULL UNIQUE,    -- max + 1 over the whole store; a row is never changed but for is_latest
      resources_json TEXT NOT NULL,       -- the resources object (system_prompt is the prompt workers use)
      created_time TEXT NOT NULL,         -- ISO time
      is_latest INTEGER NOT NULL CHECK (is_latest IN (0, 1)), -- 1 on at most one row: the version Tau's workers would load
      run_id TEXT,                        -- run that made it; null for rows another tool made
      label TEXT NOT NULL,                -- initial | apo r<round> c<k>, for people reading the store
      parent_version INTEGER              -- the version it was edited from; null for an initial one
    )`);
    tx.run(`CREATE TABLE rollouts (
      rollout_id TEXT PRIMARY KEY,        -- <mode>-<run_number>-<n>
      input_json TEXT NOT NULL,           -- the RolloutInput (prompt, expected, other keys kept)
      start_time TEXT NOT NULL,           -- ISO time it was enqueued
      end_time TEXT,                      -- ISO time it succeeded, failed for good or was cancelled
      mode TEXT NOT NULL CHECK (${ROLLOUT_MODE_CHECK}), -- train (optimize set) | val (validate set) | test
      status TEXT NOT NULL CHECK (${ROLLOUT_STATUS_CHECK}), -- see transitions.ts
      config_json TEXT NOT NULL,          -- RolloutConfig: max_attempts, timeout_seconds, unresponsive_seconds, retry_condition
      metadata_json TEXT NOT NULL,        -- RolloutMetadata: run, item index, set, purpose, round
      assigned_worker_id TEXT,            -- worker of the latest attempt; null before the first
      attempt_count INTEGER NOT NULL,     -- attempts made so far
      run_id TEXT NOT NULL,               -- owning run
      resources_id TEXT NOT NULL,         -- resources version it runs with
      reward REAL,                        -- reward of its succeeded attempt; null until then
      answer TEXT,                        -- answer of its succeeded attempt; null until then
      seq INTEGER NOT NULL UNIQUE         -- enqueue order over the whole store (listing order)
    )`);
    tx.run('CREATE INDEX rollouts_run ON rollouts (run_id, status)');
    tx.run('CREATE INDEX rollouts_status ON rollouts (status)');
    tx.run(`CREATE TABLE rollout_queue (
      queue_id INTEGER PRIMARY KEY,       -- FIFO order: dequeue takes the smallest
      rollout_id TEXT NOT NULL UNIQUE     -- a queuing or requeuing rollout
    )`);
    tx.run(`CREATE TABLE attempts (
      attempt_id TEXT PRIMARY KEY,        -- <rollout_id>:attempt-<sequence_id>
      rollout_id TEXT NOT NULL,           -- owning rollout
      sequence_id INTEGER NOT NULL,       -- 1, 2, … within the rollout
      worker_id TEXT NOT NULL,            -- worker that claimed it
      status TEXT NOT NULL CHECK (${ATTEMPT_STATUS_CHECK}), -- see transitions.ts
      started_at TEXT NOT NULL,           -- ISO time of the dequeue (timeout_seconds counts from it)
      last_heartbeat_at TEXT NOT NULL,    -- ISO time of its latest span or heartbeat (unresponsive_seconds counts from it)
      ended_at TEXT,                      -- ISO time it ended
      error_message TEXT,                 -- why it failed, timed out or was taken as unresponsive
      UNIQUE (rollout_id, sequence_id)
    )`);
    tx.run('CREATE INDEX attempts_status ON attempts (status)');
    tx.run(`CREATE TABLE spans (
      span_row_id INTEGER PRIMARY KEY,    -- insertion order
      rollout_id TEXT NOT NULL,           -- owning rollout
      attempt_id TEXT NOT NULL,           -- owning attempt
      sequence_id INTEGER NOT NULL,       -- the attempt's sequence_id
      span_json TEXT NOT NULL             -- the whole Span (Tau's fields)
    )`);
    tx.run('CREATE INDEX spans_rollout ON spans (rollout_id, span_row_id)');
    tx.run(`CREATE TABLE workers (
      worker_id TEXT PRIMARY KEY,         -- e.g. <run_id>-w1
      registered_at TEXT NOT NULL,        -- ISO time of its (latest) registration
      last_heartbeat_at TEXT NOT NULL,    -- ISO time of its latest heartbeat
      active_rollout_id TEXT,             -- rollout it works on; null when idle
      active_attempt_id TEXT,             -- attempt it works on; null when idle
      pid INTEGER NOT NULL,               -- process running it (a dead one's attempts are reclaimed at once)
      host TEXT NOT NULL,                 -- host name of that process (a pid is only checked on its own host)
      run_id TEXT,                        -- run it serves; null for a worker of no run
      stopped_at TEXT                     -- ISO time it stopped cleanly; null while it may be running
    )`);
  },
};

/** Every migration of this database, in order. */
export const OPTIMIZE_MIGRATIONS: Migration[] = [OPTIMIZE_SCHEMA_V1];
