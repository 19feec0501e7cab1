// The RolloutStore over the project's sql.js Store: one SQLite file (Tau's `--prompt-optimization-store-sqlite`)
// whose journal and lock sit beside it. Every call is one durable transaction; every status change goes through
// transitions.ts; the watchdog (sweep) and the dequeue are single transactions, so several processes on one file
// never hand out a rollout twice.
import { closeSync, existsSync, openSync, readSync, unlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { currentOwner } from '../../jobs/owner';
import { lastEventSeq, parseStoredJson, readEvents, writeEvents } from '../../jobs/runTables';
import type { JobWrite } from '../../jobs/runtime';
import { pidAlive } from '../../store/fileLock';
import { Store, type SqlValue, type WriteTx } from '../../store/store';
import { storeFilesFor } from '../../store/storeFiles';
import type {
  AttemptRow,
  AttemptStatus,
  Claim,
  Counters,
  NewRollout,
  OptimizeConfig,
  OptimizeEvent,
  OptimizeReport,
  OptimizeRunRow,
  OptimizeRunSnapshot,
  OptimizeRunStatus,
  ResourcesRow,
  RolloutConfig,
  RolloutMode,
  RolloutRow,
  RolloutStatus,
  RolloutStore,
  Span,
  WatchdogAction,
  WorkerRow,
} from '../types';
import { countersFrom } from './counters';
import { AttemptLostError, ForeignStoreError, StoreMissingError } from './errors';
import { attemptId as makeAttemptId, resourcesId as makeResourcesId } from './ids';
import { OPTIMIZE_MIGRATIONS } from './migrations';
import { retryOrFailDecision, watchdogVerdict } from './reclaim';
import {
  ACTIVE_ATTEMPT,
  ENDED_ROLLOUT,
  rowMappers,
  type ResourcesDbRow as ResourcesRowOf,
  type RolloutDbRow as RolloutRowOf,
  type RunDbRow as RunRowOf,
} from './rows';
import { assertAttemptTransition, assertRolloutTransition } from './transitions';

export interface OpenRolloutStoreOptions {
  /** Create the store when it is missing (default true); false: StoreMissingError instead (read-only commands). */
  create?: boolean;
  /** ms since the epoch; default Date.now. Every stored time and the watchdog's ages use it. */
  clock?: () => number;
  /** Repairs the user should know of (see StoreOptions.onNotice). */
  onNotice?: (message: string) => void;
  /** How long a write waits for another process's lock (default 30 s). */
  lockTimeoutMs?: number;
  /** sql-wasm.wasm, when not in the default places. */
  wasmPath?: string;
  /**
   * close() folds the journal into the .sqlite file (default true), so that file alone holds everything. A reader
   * that opens and closes often while another process writes (a dashboard) passes false to skip that rewrite.
   */
  snapshotOnClose?: boolean;
}

const EVENTS_TABLE = 'run_events';

/** sql.js hands JSON and time columns over as the text they were written as. */
const { jsonObject, toRollout, toResources, toRun, toAttempt, toWorker } = rowMappers<string, string>({
  json: (text, what) => parseStoredJson<unknown>(text, what),
  time: (text) => text,
});

type RolloutDbRow = RolloutRowOf<string, string>;
type ResourcesDbRow = ResourcesRowOf<string, string>;
type RunDbRow = RunRowOf<string, string>;

type AttemptJoinRow = AttemptRow & {
  rollout_status: RolloutStatus;
  config_json: string;
  attempt_count: number;
  w_pid: number | null;
  w_host: string | null;
};

function placeholders(n: number): string {
  return Array.from({ length: n }, () => '?').join(', ');
}

/** Opens (or creates) the store at `path`; its journal and lock are `<stem>.journal` and `<stem>.lock` beside it. */
export async function openSqliteRolloutStore(path: string, opts: OpenRolloutStoreOptions = {}): Promise<RolloutStore> {
  const { dir, files } = storeFilesFor(path);
  const snapshotPath = join(dir, files.snapshot);
  // Between snapshots the newest rows are only in the journal, so either file means a store is there.
  if (opts.create === false && !existsSync(snapshotPath) && !existsSync(join(dir, files.journal)))
    throw new StoreMissingError(path);
  const openStore = (snapshotOnClose = opts.snapshotOnClose !== false) =>
    Store.open({
      dir,
      files,
      migrations: OPTIMIZE_MIGRATIONS,
      // On close everything goes into the .sqlite file, so sqlite3 and copies of that one file see it all.
      closeSnapshotBytes: snapshotOnClose ? 0 : undefined,
      onNotice: opts.onNotice,
      lockTimeoutMs: opts.lockTimeoutMs,
      wasmPath: opts.wasmPath,
    });
  checkNotForeign(snapshotPath);
  const journalPath = join(dir, files.journal);
  const hadJournal = existsSync(journalPath);
  let store: Store;
  try {
    store = await openStore();
  } catch (e) {
    // Our first migration creating a table that is already there: another program's database (Tau's has `rollouts`).
    if (!/already exists/.test((e as Error).message)) throw e;
    // The failed migration wrote nothing; the empty journal the open made is ours to take back.
    if (!hadJournal) unlinkSync(journalPath);
    throw new ForeignStoreError(path, `it already has tables this store would create: ${(e as Error).message}`);
  }
  if (!existsSync(snapshotPath)) {
    // A new store: closing writes the schema into the .sqlite file, so the path the user named exists from the start.
    await store.close();
    await (await openStore(true)).close();
    store = await openStore();
  }
  return new SqliteRolloutStore(store, path, opts.clock ?? Date.now);
}

const SQLITE_MAGIC = 'SQLite format 3\0';

/**
 * Refuses a file the Store would otherwise move aside as corrupt: one that is not SQLite at all, or an SQLite file
 * in WAL mode (Tau's store is one), which our snapshots never are. The user named this path; it stays untouched.
 */
function checkNotForeign(path: string): void {
  if (!existsSync(path)) return;
  const header = new Uint8Array(100);
  const fd = openSync(path, 'r');
  let n: number;
  try {
    n = readSync(fd, header, 0, header.length, 0);
  } finally {
    closeSync(fd);
  }
  if (n === 0) return;
  if (n < header.length || [...SQLITE_MAGIC].some((c, i) => header[i] !== c.charCodeAt(0)))
    throw new ForeignStoreError(path, 'not an SQLite database');
  // Bytes 18 and 19: file format write/read versions, 2 in WAL mode.
  if (header[18] === 2 || header[19] === 2)
    throw new ForeignStoreError(path, 'an SQLite database in WAL mode, written by another program such as Tau');
}

class SqliteRolloutStore implements RolloutStore {
  constructor(
    private readonly store: Store,
    readonly location: string,
    private readonly clock: () => number,
  ) {}

  private iso(): string {
    return new Date(this.clock()).toISOString();
  }

  async now(): Promise<number> {
    return this.clock();
  }

  async refresh(): Promise<void> {
    this.store.refresh();
  }

  async close(): Promise<void> {
    await this.store.close();
  }

  // ---- runs ----

  async createRun(input: {
    run_id: string;
    model_ref: string;
    config_path: string;
    config: OptimizeConfig;
    store_path: string;
  }): Promise<OptimizeRunRow> {
    const owner = currentOwner();
    const at = this.iso();
    this.store.write((tx) => {
      const exists = tx.get<{ n: number }>('SELECT count(*) AS n FROM runs WHERE run_id = ?', [input.run_id]);
      if (exists && exists.n > 0) throw new Error(`run '${input.run_id}' already exists in ${this.location}`);
      const next = (tx.get<{ n: number | null }>('SELECT MAX(run_number) AS n FROM runs')?.n ?? 0) + 1;
      tx.run(
        `INSERT INTO runs (run_id, run_number, model_ref, config_path, config_json, store_path, status, started_at, ended_at, owner_pid, owner_host, snapshot_json, report_json, error)
         VALUES (?, ?, ?, ?, ?, ?, 'running', ?, NULL, ?, ?, NULL, NULL, NULL)`,
        [
          input.run_id,
          next,
          input.model_ref,
          input.config_path,
          JSON.stringify(input.config),
          input.store_path,
          at,
          owner.pid,
          owner.host,
        ],
      );
    });
    return (await this.getRun(input.run_id))!;
  }

  async getRun(runId: string): Promise<OptimizeRunRow | undefined> {
    const row = this.store.get<RunDbRow>('SELECT * FROM runs WHERE run_id = ?', [runId]);
    return row ? toRun(row) : undefined;
  }

  async listRuns(): Promise<OptimizeRunRow[]> {
    return this.store.all<RunDbRow>('SELECT * FROM runs ORDER BY run_number DESC').map(toRun);
  }

  async reopenRun(runId: string, modelRef: string): Promise<void> {
    const owner = currentOwner();
    this.store.write((tx) => {
      const { changes } = tx.run(
        "UPDATE runs SET status = 'running', ended_at = NULL, error = NULL, model_ref = ?, owner_pid = ?, owner_host = ? WHERE run_id = ?",
        [modelRef, owner.pid, owner.host, runId],
      );
      if (changes === 0) throw new Error(`no run '${runId}' in ${this.location}`);
    });
  }

  async finishRun(
    runId: string,
    status: Exclude<OptimizeRunStatus, 'running'>,
    report: OptimizeReport | null,
    error: string | null,
  ): Promise<void> {
    const at = this.iso();
    this.store.write((tx) => {
      const { changes } = tx.run(
        'UPDATE runs SET status = ?, ended_at = ?, report_json = ?, error = ? WHERE run_id = ?',
        [status, at, report === null ? null : JSON.stringify(report), error, runId],
      );
      if (changes === 0) throw new Error(`no run '${runId}' in ${this.location}`);
    });
  }

  persistJob(runId: string, write: JobWrite<OptimizeEvent, OptimizeRunSnapshot>): void {
    this.store.write((tx) => {
      const { changes } = tx.run('UPDATE runs SET snapshot_json = ? WHERE run_id = ?', [
        JSON.stringify(write.snapshot),
        runId,
      ]);
      if (changes === 0) throw new Error(`no run '${runId}' in ${this.location}`);
      writeEvents(tx, EVENTS_TABLE, runId, write.events);
    });
  }

  async readJob(
    runId: string,
  ): Promise<{ snapshot: OptimizeRunSnapshot | null; lastSeq: number; events: OptimizeEvent[] }> {
    const row = this.store.get<{ snapshot_json: string | null }>('SELECT snapshot_json FROM runs WHERE run_id = ?', [
      runId,
    ]);
    if (!row) throw new Error(`no run '${runId}' in ${this.location}`);
    const snapshot =
      row.snapshot_json === null
        ? null
        : jsonObject<OptimizeRunSnapshot>(row.snapshot_json, `runs.snapshot_json of run ${runId}`);
    return {
      snapshot,
      lastSeq: lastEventSeq(this.store, EVENTS_TABLE, runId),
      events: readEvents<OptimizeEvent>(this.store, EVENTS_TABLE, runId),
    };
  }

  // ---- resources ----

  async addResources(
    resources: Record<string, unknown>,
    meta: { run_id: string | null; label: string; parent_version: number | null; latest: boolean },
  ): Promise<ResourcesRow> {
    const at = this.iso();
    const id = this.store.write((tx) => {
      const version = (tx.get<{ v: number | null }>('SELECT MAX(version) AS v FROM resources')?.v ?? 0) + 1;
      const rid = makeResourcesId(version);
      if (meta.latest) tx.run('UPDATE resources SET is_latest = 0 WHERE is_latest = 1');
      tx.run(
        'INSERT INTO resources (resources_id, version, resources_json, created_time, is_latest, run_id, label, parent_version) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
        [
          rid,
          version,
          JSON.stringify(resources),
          at,
          meta.latest ? 1 : 0,
          meta.run_id,
          meta.label,
          meta.parent_version,
        ],
      );
      return rid;
    });
    return (await this.getResources(id))!;
  }

  async markLatest(resourcesId: string): Promise<void> {
    this.store.write((tx) => {
      const exists = tx.get<{ n: number }>('SELECT count(*) AS n FROM resources WHERE resources_id = ?', [resourcesId]);
      if (!exists || exists.n === 0) throw new Error(`no resources '${resourcesId}' in ${this.location}`);
      tx.run('UPDATE resources SET is_latest = 0 WHERE is_latest = 1 AND resources_id <> ?', [resourcesId]);
      tx.run('UPDATE resources SET is_latest = 1 WHERE resources_id = ?', [resourcesId]);
    });
  }

  async latestResources(): Promise<ResourcesRow | undefined> {
    const row = this.store.get<ResourcesDbRow>(
      'SELECT * FROM resources WHERE is_latest = 1 ORDER BY version DESC LIMIT 1',
    );
    return row ? toResources(row) : undefined;
  }

  async getResources(resourcesId: string): Promise<ResourcesRow | undefined> {
    const row = this.store.get<ResourcesDbRow>('SELECT * FROM resources WHERE resources_id = ?', [resourcesId]);
    return row ? toResources(row) : undefined;
  }

  async listResources(runId?: string): Promise<ResourcesRow[]> {
    const rows =
      runId === undefined
        ? this.store.all<ResourcesDbRow>('SELECT * FROM resources ORDER BY version')
        : this.store.all<ResourcesDbRow>('SELECT * FROM resources WHERE run_id = ? ORDER BY version', [runId]);
    return rows.map(toResources);
  }

  // ---- rollouts and attempts ----

  async enqueue(rollouts: NewRollout[]): Promise<void> {
    if (rollouts.length === 0) return;
    const at = this.iso();
    this.store.write((tx) => {
      let seq = tx.get<{ s: number | null }>('SELECT MAX(seq) AS s FROM rollouts')?.s ?? 0;
      for (const r of rollouts) {
        const exists = tx.get<{ n: number }>('SELECT count(*) AS n FROM rollouts WHERE rollout_id = ?', [r.rollout_id]);
        if (exists && exists.n > 0) throw new Error(`rollout '${r.rollout_id}' already exists`);
        seq += 1;
        tx.run(
          `INSERT INTO rollouts (rollout_id, input_json, start_time, end_time, mode, status, config_json, metadata_json, assigned_worker_id, attempt_count, run_id, resources_id, reward, answer, seq)
           VALUES (?, ?, ?, NULL, ?, 'queuing', ?, ?, NULL, 0, ?, ?, NULL, NULL, ?)`,
          [
            r.rollout_id,
            JSON.stringify(r.input),
            at,
            r.mode,
            JSON.stringify(r.config),
            JSON.stringify(r.metadata),
            r.run_id,
            r.resources_id,
            seq,
          ],
        );
        tx.run('INSERT INTO rollout_queue (rollout_id) VALUES (?)', [r.rollout_id]);
      }
    });
  }

  async dequeue(workerId: string, opts: { runId?: string } = {}): Promise<Claim | undefined> {
    // With a run filter, CROSS JOIN makes SQLite walk the queue in queue_id order and stop at the run's first row;
    // a LEFT JOIN lets the planner start from the run's index and sort every rollout of the run (90 ms at 100k queued).
    const join = opts.runId === undefined ? 'LEFT JOIN' : 'CROSS JOIN';
    const runFilter = opts.runId === undefined ? '' : 'WHERE r.run_id = ?';
    const runParams = opts.runId === undefined ? [] : [opts.runId];
    // An idle worker polls often: a read (no lock) tells it the queue is empty; a stale "empty" only delays one poll.
    if (
      !this.store.get<{ one: number }>(
        `SELECT 1 AS one FROM rollout_queue q ${join} rollouts r ON r.rollout_id = q.rollout_id ${runFilter} LIMIT 1`,
        runParams,
      )
    )
      return undefined;
    const at = this.iso();
    return this.store.write((tx): Claim | undefined => {
      for (;;) {
        const head = tx.get<{
          queue_id: number;
          rollout_id: string;
          status: RolloutStatus | null;
          attempt_count: number | null;
        }>(
          `SELECT q.queue_id, q.rollout_id, r.status, r.attempt_count FROM rollout_queue q ${join} rollouts r ON r.rollout_id = q.rollout_id
           ${runFilter} ORDER BY q.queue_id LIMIT 1`,
          runParams,
        );
        if (!head) return undefined;
        tx.run('DELETE FROM rollout_queue WHERE queue_id = ?', [head.queue_id]);
        // A queue row whose rollout is no longer waiting (cancelled meanwhile) is only dropped.
        if (head.status !== 'queuing' && head.status !== 'requeuing') continue;
        assertRolloutTransition(head.status, 'preparing', head.rollout_id);
        const seq = (head.attempt_count ?? 0) + 1;
        const aid = makeAttemptId(head.rollout_id, seq);
        tx.run(
          `INSERT INTO attempts (attempt_id, rollout_id, sequence_id, worker_id, status, started_at, last_heartbeat_at, ended_at, error_message)
           VALUES (?, ?, ?, ?, 'preparing', ?, ?, NULL, NULL)`,
          [aid, head.rollout_id, seq, workerId, at, at],
        );
        tx.run(
          "UPDATE rollouts SET status = 'preparing', attempt_count = ?, assigned_worker_id = ? WHERE rollout_id = ?",
          [seq, workerId, head.rollout_id],
        );
        // An unregistered worker can still claim; it is then watched by its attempt's heartbeat only.
        tx.run(
          'UPDATE workers SET active_rollout_id = ?, active_attempt_id = ?, last_heartbeat_at = ? WHERE worker_id = ?',
          [head.rollout_id, aid, at, workerId],
        );
        // Read inside the transaction: the claim as committed, whatever other processes do next.
        const rollout = tx.get<RolloutDbRow>('SELECT * FROM rollouts WHERE rollout_id = ?', [head.rollout_id])!;
        const attempt = tx.get<AttemptRow>('SELECT * FROM attempts WHERE attempt_id = ?', [aid])!;
        return { rollout: toRollout(rollout), attempt: toAttempt(attempt) };
      }
    });
  }

  async addSpans(attemptId: string, spans: Span[]): Promise<void> {
    const at = this.iso();
    this.store.write((tx) => {
      const a = this.activeAttempt(tx, attemptId);
      this.insertSpans(tx, a, spans);
      tx.run('UPDATE attempts SET last_heartbeat_at = ? WHERE attempt_id = ?', [at, attemptId]);
      tx.run('UPDATE workers SET last_heartbeat_at = ? WHERE worker_id = ?', [at, a.worker_id]);
    });
  }

  async heartbeat(workerId: string, attemptId: string | null): Promise<void> {
    const at = this.iso();
    this.store.write((tx) => {
      tx.run('UPDATE workers SET last_heartbeat_at = ? WHERE worker_id = ?', [at, workerId]);
      // A lost attempt's heartbeat changes nothing; its worker learns of the loss from addSpans or finishAttempt.
      if (attemptId !== null)
        tx.run(
          "UPDATE attempts SET last_heartbeat_at = ? WHERE attempt_id = ? AND status IN ('preparing', 'running')",
          [at, attemptId],
        );
    });
  }

  async finishAttempt(
    attemptId: string,
    outcome: {
      status: 'succeeded' | 'failed';
      error?: string;
      reward?: number | null;
      answer?: string | null;
      spans?: Span[];
    },
  ): Promise<'recorded' | 'lost'> {
    const at = this.iso();
    return this.store.write((tx) => {
      const a = this.attemptWithRollout(tx, attemptId);
      // Not there (any more): lost, as one the watchdog took.
      if (!a || !ACTIVE_ATTEMPT.includes(a.status)) return 'lost';
      // The last spans ride on the ending commit (one fsync fewer per rollout); to a reader they and the end appear together.
      this.insertSpans(tx, a, outcome.spans ?? []);
      assertAttemptTransition(a.status, outcome.status, attemptId);
      tx.run(
        'UPDATE attempts SET status = ?, ended_at = ?, last_heartbeat_at = ?, error_message = ? WHERE attempt_id = ?',
        [outcome.status, at, at, outcome.status === 'failed' ? (outcome.error ?? 'failed') : null, attemptId],
      );
      if (outcome.status === 'succeeded') {
        // A result without any span first (preparing) passes through running, as the table has it.
        if (a.rollout_status === 'preparing') assertRolloutTransition('preparing', 'running', a.rollout_id);
        assertRolloutTransition(
          a.rollout_status === 'preparing' ? 'running' : a.rollout_status,
          'succeeded',
          a.rollout_id,
        );
        tx.run("UPDATE rollouts SET status = 'succeeded', end_time = ?, reward = ?, answer = ? WHERE rollout_id = ?", [
          at,
          outcome.reward ?? null,
          outcome.answer ?? null,
          a.rollout_id,
        ]);
      } else {
        this.retryOrFail(tx, a, 'failed', at);
      }
      this.releaseWorker(tx, a.worker_id, attemptId, at);
      return 'recorded';
    });
  }

  async sweep(): Promise<WatchdogAction[]> {
    const nowMs = this.clock();
    const at = new Date(nowMs).toISOString();
    const host = hostname();
    return this.store.write((tx) => {
      const rows = tx.all<AttemptJoinRow>(
        `SELECT a.*, r.status AS rollout_status, r.config_json, r.attempt_count, w.pid AS w_pid, w.host AS w_host
         FROM attempts a JOIN rollouts r ON r.rollout_id = a.rollout_id LEFT JOIN workers w ON w.worker_id = a.worker_id
         WHERE a.status IN ('preparing', 'running') ORDER BY r.seq, a.sequence_id`,
      );
      const actions: WatchdogAction[] = [];
      for (const a of rows) {
        const config = jsonObject<RolloutConfig>(a.config_json, `rollouts.config_json of rollout ${a.rollout_id}`);
        const verdict = watchdogVerdict(
          a,
          config,
          { pid: a.w_pid, host: a.w_host },
          { nowMs, host, pidAlive, ms: (t: string) => Date.parse(t) },
        );
        if (!verdict) continue;
        assertAttemptTransition(a.status, verdict.status, a.attempt_id);
        tx.run('UPDATE attempts SET status = ?, ended_at = ?, error_message = ? WHERE attempt_id = ?', [
          verdict.status,
          at,
          verdict.reason,
          a.attempt_id,
        ]);
        const rolloutStatus = this.retryOrFail(tx, a, verdict.status, at, config);
        this.releaseWorker(tx, a.worker_id, a.attempt_id, null);
        actions.push({
          attempt_id: a.attempt_id,
          rollout_id: a.rollout_id,
          attempt_status: verdict.status,
          rollout_status: rolloutStatus,
          reason: verdict.reason,
        });
      }
      return actions;
    });
  }

  async cancelRollouts(runId: string): Promise<number> {
    const at = this.iso();
    return this.store.write((tx) => {
      const open = tx.all<{ rollout_id: string; status: RolloutStatus }>(
        `SELECT rollout_id, status FROM rollouts WHERE run_id = ? AND status NOT IN (${placeholders(ENDED_ROLLOUT.length)}) ORDER BY seq`,
        [runId, ...ENDED_ROLLOUT],
      );
      for (const r of open) {
        assertRolloutTransition(r.status, 'cancelled', r.rollout_id);
        tx.run("UPDATE rollouts SET status = 'cancelled', end_time = ? WHERE rollout_id = ?", [at, r.rollout_id]);
        tx.run('DELETE FROM rollout_queue WHERE rollout_id = ?', [r.rollout_id]);
        // Its running attempt ends too, so the worker's late result is 'lost' and never recorded.
        const active = tx.all<{ attempt_id: string; status: AttemptStatus; worker_id: string }>(
          "SELECT attempt_id, status, worker_id FROM attempts WHERE rollout_id = ? AND status IN ('preparing', 'running')",
          [r.rollout_id],
        );
        for (const a of active) {
          assertAttemptTransition(a.status, 'failed', a.attempt_id);
          tx.run(
            "UPDATE attempts SET status = 'failed', ended_at = ?, error_message = 'cancelled' WHERE attempt_id = ?",
            [at, a.attempt_id],
          );
          this.releaseWorker(tx, a.worker_id, a.attempt_id, null);
        }
      }
      return open.length;
    });
  }

  // ---- workers ----

  async registerWorker(worker: { worker_id: string; run_id: string | null; pid: number; host: string }): Promise<void> {
    const at = this.iso();
    this.store.write((tx) => {
      tx.run(
        `INSERT INTO workers (worker_id, registered_at, last_heartbeat_at, active_rollout_id, active_attempt_id, pid, host, run_id, stopped_at)
         VALUES (?, ?, ?, NULL, NULL, ?, ?, ?, NULL)
         ON CONFLICT (worker_id) DO UPDATE SET registered_at = excluded.registered_at, last_heartbeat_at = excluded.last_heartbeat_at,
           active_rollout_id = NULL, active_attempt_id = NULL, pid = excluded.pid, host = excluded.host, run_id = excluded.run_id, stopped_at = NULL`,
        [worker.worker_id, at, at, worker.pid, worker.host, worker.run_id],
      );
    });
  }

  async stopWorker(workerId: string): Promise<void> {
    const at = this.iso();
    this.store.write((tx) => {
      tx.run(
        'UPDATE workers SET stopped_at = ?, last_heartbeat_at = ?, active_rollout_id = NULL, active_attempt_id = NULL WHERE worker_id = ?',
        [at, at, workerId],
      );
    });
  }

  // ---- reads ----

  async counters(runId?: string): Promise<Counters> {
    const rows =
      runId === undefined
        ? this.store.all<{ status: RolloutStatus; n: number }>(
            'SELECT status, count(*) AS n FROM rollouts GROUP BY status',
          )
        : this.store.all<{ status: RolloutStatus; n: number }>(
            'SELECT status, count(*) AS n FROM rollouts WHERE run_id = ? GROUP BY status',
            [runId],
          );
    return countersFrom(rows);
  }

  async rollouts(
    filter: { run_id?: string; status?: RolloutStatus[]; mode?: RolloutMode; resources_id?: string } = {},
  ): Promise<RolloutRow[]> {
    const where: string[] = [];
    const params: SqlValue[] = [];
    if (filter.run_id !== undefined) {
      where.push('run_id = ?');
      params.push(filter.run_id);
    }
    if (filter.status !== undefined) {
      if (filter.status.length === 0) return [];
      where.push(`status IN (${placeholders(filter.status.length)})`);
      params.push(...filter.status);
    }
    if (filter.mode !== undefined) {
      where.push('mode = ?');
      params.push(filter.mode);
    }
    if (filter.resources_id !== undefined) {
      where.push('resources_id = ?');
      params.push(filter.resources_id);
    }
    const sql = `SELECT * FROM rollouts${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY seq`;
    return this.store.all<RolloutDbRow>(sql, params).map(toRollout);
  }

  async attempts(filter: { rollout_id?: string; run_id?: string } = {}): Promise<AttemptRow[]> {
    const where: string[] = [];
    const params: SqlValue[] = [];
    if (filter.rollout_id !== undefined) {
      where.push('a.rollout_id = ?');
      params.push(filter.rollout_id);
    }
    if (filter.run_id !== undefined) {
      where.push('r.run_id = ?');
      params.push(filter.run_id);
    }
    const sql = `SELECT a.* FROM attempts a JOIN rollouts r ON r.rollout_id = a.rollout_id${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY r.seq, a.sequence_id`;
    return this.store.all<AttemptRow>(sql, params).map(toAttempt);
  }

  async spans(rolloutId: string): Promise<Span[]> {
    return this.store
      .all<{ span_row_id: number; span_json: string }>(
        'SELECT span_row_id, span_json FROM spans WHERE rollout_id = ? ORDER BY span_row_id',
        [rolloutId],
      )
      .map((r) => jsonObject<Span>(r.span_json, `spans.span_json of row ${r.span_row_id}`));
  }

  async workers(): Promise<WorkerRow[]> {
    return this.store.all<WorkerRow>('SELECT * FROM workers ORDER BY registered_at, worker_id').map(toWorker);
  }

  // ---- inside transactions ----

  private attemptWithRollout(tx: WriteTx, attemptId: string): AttemptJoinRow | undefined {
    return tx.get<AttemptJoinRow>(
      `SELECT a.*, r.status AS rollout_status, r.config_json, r.attempt_count, NULL AS w_pid, NULL AS w_host
       FROM attempts a JOIN rollouts r ON r.rollout_id = a.rollout_id WHERE a.attempt_id = ?`,
      [attemptId],
    );
  }

  /** The attempt, still preparing or running; AttemptLostError once the watchdog or a cancel has ended it. */
  private activeAttempt(tx: WriteTx, attemptId: string): AttemptJoinRow {
    const a = this.attemptWithRollout(tx, attemptId);
    if (!a) throw new AttemptLostError(attemptId, `gone from ${this.location}`);
    if (!ACTIVE_ATTEMPT.includes(a.status)) throw new AttemptLostError(attemptId, a.status);
    return a;
  }

  /**
   * Inserts spans of an active attempt; the first makes the attempt and its rollout `running` (and `a` says so after).
   * The caller updates the heartbeats.
   */
  private insertSpans(tx: WriteTx, a: AttemptJoinRow, spans: Span[]): void {
    if (spans.length === 0) return;
    for (const s of spans) {
      tx.run('INSERT INTO spans (rollout_id, attempt_id, sequence_id, span_json) VALUES (?, ?, ?, ?)', [
        a.rollout_id,
        a.attempt_id,
        a.sequence_id,
        JSON.stringify(s),
      ]);
    }
    if (a.status === 'preparing') {
      assertAttemptTransition(a.status, 'running', a.attempt_id);
      tx.run("UPDATE attempts SET status = 'running' WHERE attempt_id = ?", [a.attempt_id]);
      a.status = 'running';
      if (a.rollout_status !== 'running') {
        assertRolloutTransition(a.rollout_status, 'running', a.rollout_id);
        tx.run("UPDATE rollouts SET status = 'running' WHERE rollout_id = ?", [a.rollout_id]);
        a.rollout_status = 'running';
      }
    }
  }

  /** After an attempt ended badly: requeue its rollout while attempts remain and the ending is retried, else fail it. */
  private retryOrFail(
    tx: WriteTx,
    a: AttemptJoinRow,
    ending: AttemptStatus,
    at: string,
    config?: RolloutConfig,
  ): 'requeuing' | 'failed' {
    const c = config ?? jsonObject<RolloutConfig>(a.config_json, `rollouts.config_json of rollout ${a.rollout_id}`);
    if (retryOrFailDecision(a.attempt_count, c, ending) === 'requeuing') {
      assertRolloutTransition(a.rollout_status, 'requeuing', a.rollout_id);
      tx.run("UPDATE rollouts SET status = 'requeuing' WHERE rollout_id = ?", [a.rollout_id]);
      tx.run('INSERT INTO rollout_queue (rollout_id) VALUES (?)', [a.rollout_id]);
      return 'requeuing';
    }
    assertRolloutTransition(a.rollout_status, 'failed', a.rollout_id);
    tx.run("UPDATE rollouts SET status = 'failed', end_time = ? WHERE rollout_id = ?", [at, a.rollout_id]);
    return 'failed';
  }

  /** The worker is idle again (if it still shows this attempt); `at` also counts as its heartbeat when given. */
  private releaseWorker(tx: WriteTx, workerId: string, attemptId: string, at: string | null): void {
    tx.run(
      'UPDATE workers SET active_rollout_id = NULL, active_attempt_id = NULL WHERE worker_id = ? AND active_attempt_id = ?',
      [workerId, attemptId],
    );
    if (at !== null) tx.run('UPDATE workers SET last_heartbeat_at = ? WHERE worker_id = ?', [at, workerId]);
  }
}
