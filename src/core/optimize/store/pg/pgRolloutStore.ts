// The RolloutStore on PostgreSQL (node-postgres pool): the trainer on one machine, workers on others, one
// database. Same rows, enums and transition rules as the SQLite file. Every time the store writes is the
// database's clock, so machines with skewed clocks agree on ages. Concurrency: dequeue takes the queue head with
// FOR UPDATE SKIP LOCKED (two workers never take one rollout and never wait on each other); every status change
// locks its rollout row, then its attempt row, then the worker row (one order everywhere, so no deadlocks; one
// PostgreSQL still reports is retried); the watchdog's reclaim is conditional on the attempt still being active,
// so of two processes sweeping at once exactly one reclaims it. Counters (run numbers, resources versions,
// enqueue order) are allocated under transaction-scoped advisory locks.
import { hostname } from 'node:os';
import { Client, Pool, type PoolClient, type QueryResult, type QueryResultRow } from 'pg';
import { currentOwner } from '../../../jobs/owner';
import { parseStoredJson } from '../../../jobs/runTables';
import type { JobWrite } from '../../../jobs/jobWrite';
import { pidAlive } from '../../../store/fileLock';
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
} from '../../types';
import { countersFrom } from '../counters';
import { AttemptLostError, ForeignStoreError, StoreMissingError } from '../errors';
import { attemptId as makeAttemptId, resourcesId as makeResourcesId } from '../ids';
import { retryOrFailDecision, watchdogVerdict } from '../reclaim';
import {
  ACTIVE_ATTEMPT,
  ENDED_ROLLOUT,
  rowMappers,
  type AttemptDbRow as AttemptRowOf,
  type ResourcesDbRow as ResourcesRowOf,
  type RolloutDbRow as RolloutRowOf,
  type RunDbRow as RunRowOf,
  type WorkerDbRow as WorkerRowOf,
} from '../rows';
import { assertAttemptTransition, assertRolloutTransition } from '../transitions';
import { isConnectionFailure, isRetryableConflict, StoreConnectionError } from './pgErrors';
import { appliedVersions, ForeignSchemaError, migrate, NewerSchemaError, PG_LOCK, PG_LOCK_CLASS } from './pgMigrations';
import { maskUrl, scrubSecret, urlPassword } from './pgUrl';

export interface OpenPgRolloutStoreOptions {
  /** Create the schema (and the database, when the role may) if missing (default true); false: StoreMissingError. */
  create?: boolean;
  /** Tests only: ms added to the database's now() for every time the store reads or writes. */
  clockOffsetMs?: () => number;
  /** Connections in the pool (default 10). */
  poolSize?: number;
  /** How long a call waits for a connection before it fails with StoreConnectionError (default 10 s). */
  connectTimeoutMs?: number;
  /** Things the user should know of: a connection dropped and reconnected, server notices. */
  onNotice?: (message: string) => void;
}

/** Connection-level failures of persistJob are retried this long before they are kept for the next call. */
const PERSIST_RETRY_MS = 30_000;
const CONFLICT_RETRIES = 5;

type Ts = Date | string;

/** The locked rollout row a status change starts from. */
type LockedRollout = { rollout_id: string; status: RolloutStatus; config_json: unknown; attempt_count: number };

function iso(v: Ts): string {
  return (v instanceof Date ? v : new Date(v)).toISOString();
}

/** node-postgres hands a json column over parsed (a text copy is parsed here) and a timestamp as a Date. */
const { jsonObject, toRollout, toResources, toRun, toAttempt, toWorker } = rowMappers<unknown, Ts>({
  json: (v, what) => (typeof v === 'string' ? parseStoredJson<unknown>(v, what) : v),
  time: iso,
});

type RolloutDbRow = RolloutRowOf<unknown, Ts>;
type ResourcesDbRow = ResourcesRowOf<unknown, Ts>;
type RunDbRow = RunRowOf<unknown, Ts>;
type AttemptDbRow = AttemptRowOf<Ts>;
type WorkerDbRow = WorkerRowOf<Ts>;

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** The database's clock in whole ms plus the test offset, as one SQL expression (the offset is a checked literal). */
function clockSql(offsetMs: number): string {
  if (!Number.isFinite(offsetMs)) throw new Error(`clockOffsetMs must be a finite number, got ${offsetMs}`);
  return `(floor(extract(epoch from now()) * 1000) + ${Math.round(offsetMs)})::float8`;
}

function errorCode(e: unknown): string | undefined {
  const code = e instanceof Error ? (e as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : undefined;
}

/** A rows-returning query on a client inside a transaction. */
async function rows<T extends QueryResultRow>(c: PoolClient, sql: string, params: unknown[] = []): Promise<T[]> {
  return (await c.query<T>(sql, params)).rows;
}

async function one<T extends QueryResultRow>(
  c: PoolClient,
  sql: string,
  params: unknown[] = [],
): Promise<T | undefined> {
  return (await c.query<T>(sql, params)).rows[0];
}

/** The database named by the URL, created on its server when missing (create mode, a role that may). */
async function createDatabaseIfMissing(url: string, location: string): Promise<void> {
  const u = new URL(url);
  const name = decodeURIComponent(u.pathname.replace(/^\//, ''));
  if (!name) throw new Error(`${location}: the URL names no database`);
  u.pathname = '/postgres';
  const admin = new Client({ connectionString: u.toString(), application_name: 'prompt-tuner' });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
  } catch (e) {
    // Another process created it meanwhile: that is what we wanted.
    if (errorCode(e) !== '42P04') throw e;
  } finally {
    await admin.end().catch(() => {});
  }
}

/**
 * Opens (and, unless create is false, creates) the store in the database at `url`. Credentials come from the URL
 * or the PG* environment / .pgpass; the store's `location` and every message show the URL with its password masked.
 */
export async function openPgRolloutStore(url: string, opts: OpenPgRolloutStoreOptions = {}): Promise<RolloutStore> {
  const location = maskUrl(url);
  const secret = urlPassword(url) ?? process.env.PGPASSWORD;
  const clean = (e: unknown) => scrubSecret(e instanceof Error ? e.message : String(e), secret);
  const makePool = () => {
    const pool = new Pool({
      connectionString: url,
      max: opts.poolSize ?? 10,
      connectionTimeoutMillis: opts.connectTimeoutMs ?? 10_000,
      application_name: 'prompt-tuner',
      keepAlive: true,
    });
    // An idle connection the server dropped (a restart): the pool forgets it and connects anew when asked.
    pool.on('error', (e) =>
      opts.onNotice?.(`${location}: a connection was lost (${clean(e)}); the next call reconnects`),
    );
    // A client checked out but between queries gets no pool-level handler: without its own listener a server restart
    // emits an unhandled 'error' and ends the process. Its next query fails instead, and release(broken) drops it.
    pool.on('connect', (c) => c.on('error', () => undefined));
    if (opts.onNotice) {
      const notice = opts.onNotice;
      pool.on('connect', (c) => c.on('notice', (n) => notice(`${location}: ${n.message ?? String(n)}`)));
    }
    return pool;
  };
  let pool = makePool();
  let client: PoolClient;
  try {
    client = await pool.connect();
  } catch (e) {
    await pool.end().catch(() => {});
    if (errorCode(e) === '3D000' && opts.create !== false) {
      try {
        await createDatabaseIfMissing(url, location);
      } catch (e2) {
        throw new Error(
          `${location}: the database does not exist and could not be created (${clean(e2)}); create it (createdb) or name another`,
          { cause: e2 },
        );
      }
      pool = makePool();
      client = await pool.connect().catch(async (e3: unknown) => {
        await pool.end().catch(() => {});
        throw new StoreConnectionError(location, 'open', clean(e3), errorCode(e3));
      });
    } else if (errorCode(e) === '3D000') {
      throw new StoreMissingError(location);
    } else if (isConnectionFailure(e)) {
      throw new StoreConnectionError(location, 'open', clean(e), errorCode(e));
    } else {
      throw new Error(`${location}: ${clean(e)}`, { cause: e });
    }
  }
  try {
    if (opts.create === false) {
      const applied = await appliedVersions(client);
      if (applied === null || applied.length === 0) throw new StoreMissingError(location);
    }
    await migrate(client);
  } catch (e) {
    client.release();
    await pool.end().catch(() => {});
    if (e instanceof StoreMissingError) throw e;
    if (e instanceof ForeignSchemaError || e instanceof NewerSchemaError)
      throw new ForeignStoreError(location, e.message);
    if (isConnectionFailure(e)) throw new StoreConnectionError(location, 'open', clean(e), errorCode(e));
    throw new Error(`${location}: ${clean(e)}`, { cause: e });
  }
  client.release();
  return new PgRolloutStore(pool, location, opts.clockOffsetMs ?? (() => 0), secret);
}

class PgRolloutStore implements RolloutStore {
  /** persistJob's writes, in order; readJob, finishRun and close wait for it. */
  private persistChain: Promise<void> = Promise.resolve();
  private persistError: Error | undefined;
  /** Attempts whose finishing COMMIT failed on the connection: it may have landed, so a repeat is recognised. */
  private readonly uncertainFinishes = new Set<string>();
  private closed = false;

  constructor(
    private readonly pool: Pool,
    readonly location: string,
    private readonly offset: () => number,
    private readonly secret: string | undefined,
  ) {}

  // ---- plumbing ----

  /** Runs a call; a connection failure becomes StoreConnectionError naming the masked URL. */
  private async guard<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    if (this.closed) throw new Error(`${this.location}: the store is closed (${operation})`);
    try {
      return await fn();
    } catch (e) {
      if (isConnectionFailure(e))
        throw new StoreConnectionError(
          this.location,
          operation,
          scrubSecret((e as Error).message, this.secret),
          errorCode(e),
        );
      throw e;
    }
  }

  /** A read outside any transaction. */
  private async read<T extends QueryResultRow>(sql: string, params: unknown[] = []): Promise<T[]> {
    return (await this.pool.query<T>(sql, params)).rows;
  }

  /**
   * One transaction; `ms` is its time by the database's clock (+ the test offset), the time every row it writes
   * gets. Deadlocks and serialization failures are run again; a broken connection is thrown away, not reused.
   */
  private async tx<T>(fn: (c: PoolClient, ms: number) => Promise<T>, onCommitLost?: () => void): Promise<T> {
    for (let round = 1; ; round++) {
      const c = await this.pool.connect();
      let broken: Error | undefined;
      let committing = false;
      try {
        // BEGIN and the clock in one round trip (simple protocol, two results).
        const res = (await c.query(`BEGIN; SELECT ${clockSql(this.offset())} AS ms`)) as unknown as QueryResult<{
          ms: number;
        }>[];
        const ms = Number(res[1]!.rows[0]!.ms);
        const out = await fn(c, ms);
        committing = true;
        await c.query('COMMIT');
        return out;
      } catch (e) {
        if (isConnectionFailure(e)) {
          broken = e as Error;
          if (committing) onCommitLost?.();
        } else {
          await c.query('ROLLBACK').catch((err: unknown) => (broken = err as Error));
        }
        if (!broken && isRetryableConflict(e) && round < CONFLICT_RETRIES) continue;
        throw e;
      } finally {
        c.release(broken);
      }
    }
  }

  async now(): Promise<number> {
    return this.guard('now', async () =>
      Number((await this.read<{ ms: number }>(`SELECT ${clockSql(this.offset())} AS ms`))[0]!.ms),
    );
  }

  async refresh(): Promise<void> {
    // Every read is live.
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.persistChain;
    this.closed = true;
    await this.pool.end();
    this.throwPersistError();
  }

  private throwPersistError(): void {
    const e = this.persistError;
    if (e) {
      this.persistError = undefined;
      throw e;
    }
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
    await this.guard('createRun', () =>
      this.tx(async (c, ms) => {
        await c.query('SELECT pg_advisory_xact_lock($1, $2)', [PG_LOCK_CLASS, PG_LOCK.runs]);
        if (await one(c, 'SELECT 1 FROM runs WHERE run_id = $1', [input.run_id]))
          throw new Error(`run '${input.run_id}' already exists in ${this.location}`);
        const next = Number((await one<{ n: number | null }>(c, 'SELECT MAX(run_number) AS n FROM runs'))?.n ?? 0) + 1;
        await c.query(
          `INSERT INTO runs (run_id, run_number, model_ref, config_path, config_json, store_path, status, started_at, ended_at, owner_pid, owner_host, snapshot_json, report_json, error)
           VALUES ($1, $2, $3, $4, $5, $6, 'running', $7, NULL, $8, $9, NULL, NULL, NULL)`,
          [
            input.run_id,
            next,
            input.model_ref,
            input.config_path,
            JSON.stringify(input.config),
            input.store_path,
            iso(new Date(ms)),
            owner.pid,
            owner.host,
          ],
        );
      }),
    );
    return (await this.getRun(input.run_id))!;
  }

  async getRun(runId: string): Promise<OptimizeRunRow | undefined> {
    return this.guard('getRun', async () => {
      const [row] = await this.read<RunDbRow>('SELECT * FROM runs WHERE run_id = $1', [runId]);
      return row ? toRun(row) : undefined;
    });
  }

  async listRuns(): Promise<OptimizeRunRow[]> {
    return this.guard('listRuns', async () =>
      (await this.read<RunDbRow>('SELECT * FROM runs ORDER BY run_number DESC')).map(toRun),
    );
  }

  async reopenRun(runId: string, modelRef: string): Promise<void> {
    const owner = currentOwner();
    await this.guard('reopenRun', () =>
      this.tx(async (c) => {
        const r = await c.query(
          "UPDATE runs SET status = 'running', ended_at = NULL, error = NULL, model_ref = $1, owner_pid = $2, owner_host = $3 WHERE run_id = $4",
          [modelRef, owner.pid, owner.host, runId],
        );
        if (r.rowCount === 0) throw new Error(`no run '${runId}' in ${this.location}`);
      }),
    );
  }

  async finishRun(
    runId: string,
    status: Exclude<OptimizeRunStatus, 'running'>,
    report: OptimizeReport | null,
    error: string | null,
  ): Promise<void> {
    // The job's last snapshot lands before the run reads as ended.
    await this.persistChain;
    await this.guard('finishRun', () =>
      this.tx(async (c, ms) => {
        const r = await c.query(
          'UPDATE runs SET status = $1, ended_at = $2, report_json = $3, error = $4 WHERE run_id = $5',
          [status, iso(new Date(ms)), report === null ? null : JSON.stringify(report), error, runId],
        );
        if (r.rowCount === 0) throw new Error(`no run '${runId}' in ${this.location}`);
      }),
    );
  }

  persistJob(runId: string, write: JobWrite<OptimizeEvent, OptimizeRunSnapshot>): void {
    if (this.closed) throw new Error(`${this.location}: the store is closed (persistJob)`);
    this.throwPersistError();
    // Serialised now: the caller may change its objects before the write runs.
    const snapshot = JSON.stringify(write.snapshot);
    const events = write.events.map(({ seq, event }) => ({
      seq,
      type: event.type,
      at: event.at,
      json: JSON.stringify(event),
    }));
    const once = () =>
      this.tx(async (c) => {
        const r = await c.query('UPDATE runs SET snapshot_json = $1 WHERE run_id = $2', [snapshot, runId]);
        if (r.rowCount === 0) throw new Error(`no run '${runId}' in ${this.location}`);
        if (events.length > 0) {
          await c.query(
            `INSERT INTO run_events (run_id, seq, type, at, json)
             SELECT $1, u.seq, u.type, u.at, u.json::json FROM unnest($2::int[], $3::text[], $4::text[], $5::text[]) AS u(seq, type, at, json)
             ON CONFLICT (run_id, seq) DO UPDATE SET type = EXCLUDED.type, at = EXCLUDED.at, json = EXCLUDED.json`,
            [
              runId,
              events.map((e) => e.seq),
              events.map((e) => e.type),
              events.map((e) => e.at),
              events.map((e) => e.json),
            ],
          );
        }
      });
    this.persistChain = this.persistChain.then(async () => {
      // The caller cannot retry a synchronous write, so a database that is briefly away is waited for here.
      const started = Date.now();
      for (let delay = 100; ; delay = Math.min(delay * 2, 2000)) {
        try {
          await once();
          return;
        } catch (e) {
          if (!isConnectionFailure(e) || Date.now() - started > PERSIST_RETRY_MS) {
            this.persistError ??= isConnectionFailure(e)
              ? new StoreConnectionError(
                  this.location,
                  'persistJob',
                  scrubSecret((e as Error).message, this.secret),
                  errorCode(e),
                )
              : (e as Error);
            return;
          }
          await sleep(delay);
        }
      }
    });
  }

  async readJob(
    runId: string,
  ): Promise<{ snapshot: OptimizeRunSnapshot | null; lastSeq: number; events: OptimizeEvent[] }> {
    await this.persistChain;
    this.throwPersistError();
    return this.guard('readJob', async () => {
      const [row] = await this.read<{ snapshot_json: unknown }>('SELECT snapshot_json FROM runs WHERE run_id = $1', [
        runId,
      ]);
      if (!row) throw new Error(`no run '${runId}' in ${this.location}`);
      const snapshot =
        row.snapshot_json === null
          ? null
          : jsonObject<OptimizeRunSnapshot>(row.snapshot_json, `runs.snapshot_json of run ${runId}`);
      const ev = await this.read<{ seq: number; json: unknown }>(
        'SELECT seq, json FROM run_events WHERE run_id = $1 ORDER BY seq',
        [runId],
      );
      return {
        snapshot,
        lastSeq: ev.length === 0 ? 0 : ev[ev.length - 1]!.seq,
        events: ev.map((e) =>
          typeof e.json === 'string'
            ? parseStoredJson<OptimizeEvent>(e.json, `run_events.json of run ${runId}`)
            : (e.json as OptimizeEvent),
        ),
      };
    });
  }

  // ---- resources ----

  async addResources(
    resources: Record<string, unknown>,
    meta: { run_id: string | null; label: string; parent_version: number | null; latest: boolean },
  ): Promise<ResourcesRow> {
    const id = await this.guard('addResources', () =>
      this.tx(async (c, ms) => {
        await c.query('SELECT pg_advisory_xact_lock($1, $2)', [PG_LOCK_CLASS, PG_LOCK.resources]);
        const version =
          Number((await one<{ v: number | null }>(c, 'SELECT MAX(version) AS v FROM resources'))?.v ?? 0) + 1;
        const rid = makeResourcesId(version);
        if (meta.latest) await c.query('UPDATE resources SET is_latest = 0 WHERE is_latest = 1');
        await c.query(
          'INSERT INTO resources (resources_id, version, resources_json, created_time, is_latest, run_id, label, parent_version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)',
          [
            rid,
            version,
            JSON.stringify(resources),
            iso(new Date(ms)),
            meta.latest ? 1 : 0,
            meta.run_id,
            meta.label,
            meta.parent_version,
          ],
        );
        return rid;
      }),
    );
    return (await this.getResources(id))!;
  }

  async markLatest(resourcesId: string): Promise<void> {
    await this.guard('markLatest', () =>
      this.tx(async (c) => {
        await c.query('SELECT pg_advisory_xact_lock($1, $2)', [PG_LOCK_CLASS, PG_LOCK.resources]);
        if (!(await one(c, 'SELECT 1 FROM resources WHERE resources_id = $1', [resourcesId])))
          throw new Error(`no resources '${resourcesId}' in ${this.location}`);
        await c.query('UPDATE resources SET is_latest = 0 WHERE is_latest = 1 AND resources_id <> $1', [resourcesId]);
        await c.query('UPDATE resources SET is_latest = 1 WHERE resources_id = $1', [resourcesId]);
      }),
    );
  }

  async latestResources(): Promise<ResourcesRow | undefined> {
    return this.guard('latestResources', async () => {
      const [row] = await this.read<ResourcesDbRow>(
        'SELECT * FROM resources WHERE is_latest = 1 ORDER BY version DESC LIMIT 1',
      );
      return row ? toResources(row) : undefined;
    });
  }

  async getResources(resourcesId: string): Promise<ResourcesRow | undefined> {
    return this.guard('getResources', async () => {
      const [row] = await this.read<ResourcesDbRow>('SELECT * FROM resources WHERE resources_id = $1', [resourcesId]);
      return row ? toResources(row) : undefined;
    });
  }

  async listResources(runId?: string): Promise<ResourcesRow[]> {
    return this.guard('listResources', async () =>
      (runId === undefined
        ? await this.read<ResourcesDbRow>('SELECT * FROM resources ORDER BY version')
        : await this.read<ResourcesDbRow>('SELECT * FROM resources WHERE run_id = $1 ORDER BY version', [runId])
      ).map(toResources),
    );
  }

  // ---- rollouts and attempts ----

  async enqueue(rollouts: NewRollout[]): Promise<void> {
    if (rollouts.length === 0) return;
    await this.guard('enqueue', () =>
      this.tx(async (c, ms) => {
        // One enqueue at a time: seq (the listing order) is max + 1, as in SQLite.
        await c.query('SELECT pg_advisory_xact_lock($1, $2)', [PG_LOCK_CLASS, PG_LOCK.enqueue]);
        const ids = rollouts.map((r) => r.rollout_id);
        const existing = new Set(
          (
            await rows<{ rollout_id: string }>(
              c,
              'SELECT rollout_id FROM rollouts WHERE rollout_id = ANY($1::text[])',
              [ids],
            )
          ).map((r) => r.rollout_id),
        );
        const seen = new Set<string>();
        for (const id of ids) {
          if (existing.has(id) || seen.has(id)) throw new Error(`rollout '${id}' already exists`);
          seen.add(id);
        }
        const base = Number((await one<{ s: string | null }>(c, 'SELECT MAX(seq) AS s FROM rollouts'))?.s ?? 0);
        await c.query(
          `INSERT INTO rollouts (rollout_id, input_json, start_time, end_time, mode, status, config_json, metadata_json, assigned_worker_id, attempt_count, run_id, resources_id, reward, answer, seq)
           SELECT u.id, u.input::json, $8, NULL, u.mode, 'queuing', u.config::json, u.meta::json, NULL, 0, u.run, u.res, NULL, NULL, $9::bigint + u.i
           FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[]) WITH ORDINALITY AS u(id, input, mode, config, meta, run, res, i)`,
          [
            ids,
            rollouts.map((r) => JSON.stringify(r.input)),
            rollouts.map((r) => r.mode),
            rollouts.map((r) => JSON.stringify(r.config)),
            rollouts.map((r) => JSON.stringify(r.metadata)),
            rollouts.map((r) => r.run_id),
            rollouts.map((r) => r.resources_id),
            iso(new Date(ms)),
            base,
          ],
        );
        // Queue ids are handed out in the batch's order: FIFO within it.
        await c.query(
          'INSERT INTO rollout_queue (rollout_id) SELECT u.id FROM unnest($1::text[]) WITH ORDINALITY AS u(id, i) ORDER BY u.i',
          [ids],
        );
      }),
    );
  }

  async dequeue(workerId: string, opts: { runId?: string } = {}): Promise<Claim | undefined> {
    const runFilter = opts.runId === undefined ? '' : 'WHERE r.run_id = $1';
    const runParams = opts.runId === undefined ? [] : [opts.runId];
    return this.guard('dequeue', async () => {
      // An idle worker polls often: one plain read tells it the queue is empty; a stale "empty" only delays one poll.
      const any = await this.read(
        `SELECT 1 FROM rollout_queue q JOIN rollouts r ON r.rollout_id = q.rollout_id ${runFilter} LIMIT 1`,
        runParams,
      );
      if (any.length === 0) return undefined;
      return this.tx(async (c, ms): Promise<Claim | undefined> => {
        const at = iso(new Date(ms));
        for (;;) {
          // Rows another worker holds are skipped, not waited for: concurrent workers take different rollouts.
          const head = await one<{
            queue_id: string;
            rollout_id: string;
            status: RolloutStatus;
            attempt_count: number;
          }>(
            c,
            `SELECT q.queue_id, q.rollout_id, r.status, r.attempt_count FROM rollout_queue q JOIN rollouts r ON r.rollout_id = q.rollout_id
             ${runFilter} ORDER BY q.queue_id LIMIT 1 FOR UPDATE OF q, r SKIP LOCKED`,
            runParams,
          );
          if (!head) return undefined;
          await c.query('DELETE FROM rollout_queue WHERE queue_id = $1', [head.queue_id]);
          // A queue row whose rollout is no longer waiting (cancelled meanwhile) is only dropped.
          if (head.status !== 'queuing' && head.status !== 'requeuing') continue;
          assertRolloutTransition(head.status, 'preparing', head.rollout_id);
          const seq = head.attempt_count + 1;
          const aid = makeAttemptId(head.rollout_id, seq);
          const [attempt] = await rows<AttemptDbRow>(
            c,
            `INSERT INTO attempts (attempt_id, rollout_id, sequence_id, worker_id, status, started_at, last_heartbeat_at, ended_at, error_message)
             VALUES ($1, $2, $3, $4, 'preparing', $5, $5, NULL, NULL) RETURNING *`,
            [aid, head.rollout_id, seq, workerId, at],
          );
          const [rollout] = await rows<RolloutDbRow>(
            c,
            "UPDATE rollouts SET status = 'preparing', attempt_count = $1, assigned_worker_id = $2 WHERE rollout_id = $3 RETURNING *",
            [seq, workerId, head.rollout_id],
          );
          // An unregistered worker can still claim; it is then watched by its attempt's heartbeat only.
          await c.query(
            'UPDATE workers SET active_rollout_id = $1, active_attempt_id = $2, last_heartbeat_at = $3 WHERE worker_id = $4',
            [head.rollout_id, aid, at, workerId],
          );
          return { rollout: toRollout(rollout!), attempt: toAttempt(attempt!) };
        }
      });
    });
  }

  async addSpans(attemptId: string, spans: Span[]): Promise<void> {
    await this.guard('addSpans', () =>
      this.tx(async (c, ms) => {
        const at = iso(new Date(ms));
        const { r, a } = await this.lockAttempt(c, attemptId);
        if (!ACTIVE_ATTEMPT.includes(a.status)) throw new AttemptLostError(attemptId, a.status);
        await this.insertSpans(c, r, a, spans);
        await c.query('UPDATE attempts SET last_heartbeat_at = $1 WHERE attempt_id = $2', [at, attemptId]);
        await c.query('UPDATE workers SET last_heartbeat_at = $1 WHERE worker_id = $2', [at, a.worker_id]);
      }),
    );
  }

  async heartbeat(workerId: string, attemptId: string | null): Promise<void> {
    await this.guard('heartbeat', () =>
      this.tx(async (c, ms) => {
        const at = iso(new Date(ms));
        // Attempt before worker: the lock order of every other change.
        // A lost attempt's heartbeat changes nothing; its worker learns of the loss from addSpans or finishAttempt.
        if (attemptId !== null)
          await c.query(
            "UPDATE attempts SET last_heartbeat_at = $1 WHERE attempt_id = $2 AND status IN ('preparing', 'running')",
            [at, attemptId],
          );
        await c.query('UPDATE workers SET last_heartbeat_at = $1 WHERE worker_id = $2', [at, workerId]);
      }),
    );
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
    const errorMessage = outcome.status === 'failed' ? (outcome.error ?? 'failed') : null;
    return this.guard('finishAttempt', () =>
      this.tx(
        async (c, ms): Promise<'recorded' | 'lost'> => {
          const at = iso(new Date(ms));
          const locked = await this.lockAttempt(c, attemptId).catch((e: unknown) => {
            if (e instanceof AttemptLostError) return null;
            throw e;
          });
          if (!locked) return 'lost';
          const { r, a } = locked;
          if (!ACTIVE_ATTEMPT.includes(a.status)) {
            // Our own earlier finish whose COMMIT reply was lost with the connection: it did land.
            const ours =
              this.uncertainFinishes.has(attemptId) && a.status === outcome.status && a.error_message === errorMessage;
            this.uncertainFinishes.delete(attemptId);
            return ours ? 'recorded' : 'lost';
          }
          // The last spans ride on the ending commit; to a reader they and the end appear together.
          await this.insertSpans(c, r, a, outcome.spans ?? []);
          assertAttemptTransition(a.status, outcome.status, attemptId);
          await c.query(
            'UPDATE attempts SET status = $1, ended_at = $2, last_heartbeat_at = $2, error_message = $3 WHERE attempt_id = $4',
            [outcome.status, at, errorMessage, attemptId],
          );
          if (outcome.status === 'succeeded') {
            // A result without any span first (preparing) passes through running, as the table has it.
            if (r.status === 'preparing') assertRolloutTransition('preparing', 'running', r.rollout_id);
            assertRolloutTransition(r.status === 'preparing' ? 'running' : r.status, 'succeeded', r.rollout_id);
            await c.query(
              "UPDATE rollouts SET status = 'succeeded', end_time = $1, reward = $2, answer = $3 WHERE rollout_id = $4",
              [at, outcome.reward ?? null, outcome.answer ?? null, r.rollout_id],
            );
          } else {
            await this.retryOrFail(c, r, 'failed', at);
          }
          await this.releaseWorker(c, a.worker_id, attemptId, at);
          this.uncertainFinishes.delete(attemptId);
          return 'recorded';
        },
        () => this.uncertainFinishes.add(attemptId),
      ),
    );
  }

  async sweep(): Promise<WatchdogAction[]> {
    const host = hostname();
    return this.guard('sweep', () =>
      this.tx(async (c, nowMs) => {
        const at = iso(new Date(nowMs));
        const here = { nowMs, host, pidAlive, ms: (t: Ts) => Date.parse(iso(t)) };
        const verdictOf = (a: AttemptDbRow, config: RolloutConfig, w: { pid: number | null; host: string | null }) =>
          watchdogVerdict(a, config, w, here);
        const candidates = await rows<
          AttemptDbRow & { config_json: unknown; w_pid: number | null; w_host: string | null }
        >(
          c,
          `SELECT a.*, r.config_json, w.pid AS w_pid, w.host AS w_host
           FROM attempts a JOIN rollouts r ON r.rollout_id = a.rollout_id LEFT JOIN workers w ON w.worker_id = a.worker_id
           WHERE a.status IN ('preparing', 'running') ORDER BY r.seq, a.sequence_id`,
        );
        const actions: WatchdogAction[] = [];
        for (const cand of candidates) {
          const what = `rollouts.config_json of rollout ${cand.rollout_id}`;
          if (
            !verdictOf(cand, jsonObject<RolloutConfig>(cand.config_json, what), { pid: cand.w_pid, host: cand.w_host })
          )
            continue;
          // Judged again on the locked rows: a heartbeat, a finish or another sweeper may have come in between.
          const { r, a } = await this.lockAttempt(c, cand.attempt_id);
          if (!ACTIVE_ATTEMPT.includes(a.status)) continue;
          const config = jsonObject<RolloutConfig>(r.config_json, what);
          const verdict = verdictOf(a, config, { pid: cand.w_pid, host: cand.w_host });
          if (!verdict) continue;
          assertAttemptTransition(a.status, verdict.status, a.attempt_id);
          const upd = await c.query(
            "UPDATE attempts SET status = $1, ended_at = $2, error_message = $3 WHERE attempt_id = $4 AND status IN ('preparing', 'running')",
            [verdict.status, at, verdict.reason, a.attempt_id],
          );
          if (upd.rowCount === 0) continue;
          const rolloutStatus = await this.retryOrFail(c, r, verdict.status, at, config);
          await this.releaseWorker(c, a.worker_id, a.attempt_id, null);
          actions.push({
            attempt_id: a.attempt_id,
            rollout_id: a.rollout_id,
            attempt_status: verdict.status,
            rollout_status: rolloutStatus,
            reason: verdict.reason,
          });
        }
        return actions;
      }),
    );
  }

  async cancelRollouts(runId: string): Promise<number> {
    return this.guard('cancelRollouts', () =>
      this.tx(async (c, ms) => {
        const at = iso(new Date(ms));
        // Locked in enqueue order, fresh: a worker's change committed meanwhile is what we start from.
        const open = await rows<{ rollout_id: string; status: RolloutStatus }>(
          c,
          'SELECT rollout_id, status FROM rollouts WHERE run_id = $1 AND NOT (status = ANY($2::text[])) ORDER BY seq FOR UPDATE',
          [runId, ENDED_ROLLOUT],
        );
        for (const r of open) {
          assertRolloutTransition(r.status, 'cancelled', r.rollout_id);
          await c.query("UPDATE rollouts SET status = 'cancelled', end_time = $1 WHERE rollout_id = $2", [
            at,
            r.rollout_id,
          ]);
          await c.query('DELETE FROM rollout_queue WHERE rollout_id = $1', [r.rollout_id]);
          // Its running attempt ends too, so the worker's late result is 'lost' and never recorded.
          const active = await rows<{ attempt_id: string; status: AttemptStatus; worker_id: string }>(
            c,
            "SELECT attempt_id, status, worker_id FROM attempts WHERE rollout_id = $1 AND status IN ('preparing', 'running') ORDER BY sequence_id FOR UPDATE",
            [r.rollout_id],
          );
          for (const a of active) {
            assertAttemptTransition(a.status, 'failed', a.attempt_id);
            await c.query(
              "UPDATE attempts SET status = 'failed', ended_at = $1, error_message = 'cancelled' WHERE attempt_id = $2",
              [at, a.attempt_id],
            );
            await this.releaseWorker(c, a.worker_id, a.attempt_id, null);
          }
        }
        return open.length;
      }),
    );
  }

  // ---- workers ----

  async registerWorker(worker: { worker_id: string; run_id: string | null; pid: number; host: string }): Promise<void> {
    await this.guard('registerWorker', () =>
      this.tx(async (c, ms) => {
        const at = iso(new Date(ms));
        await c.query(
          `INSERT INTO workers (worker_id, registered_at, last_heartbeat_at, active_rollout_id, active_attempt_id, pid, host, run_id, stopped_at)
           VALUES ($1, $2, $2, NULL, NULL, $3, $4, $5, NULL)
           ON CONFLICT (worker_id) DO UPDATE SET registered_at = EXCLUDED.registered_at, last_heartbeat_at = EXCLUDED.last_heartbeat_at,
             active_rollout_id = NULL, active_attempt_id = NULL, pid = EXCLUDED.pid, host = EXCLUDED.host, run_id = EXCLUDED.run_id, stopped_at = NULL`,
          [worker.worker_id, at, worker.pid, worker.host, worker.run_id],
        );
      }),
    );
  }

  async stopWorker(workerId: string): Promise<void> {
    await this.guard('stopWorker', () =>
      this.tx(async (c, ms) => {
        const at = iso(new Date(ms));
        await c.query(
          'UPDATE workers SET stopped_at = $1, last_heartbeat_at = $1, active_rollout_id = NULL, active_attempt_id = NULL WHERE worker_id = $2',
          [at, workerId],
        );
      }),
    );
  }

  // ---- reads ----

  async counters(runId?: string): Promise<Counters> {
    return this.guard('counters', async () => {
      const found =
        runId === undefined
          ? await this.read<{ status: RolloutStatus; n: number }>(
              'SELECT status, count(*)::int AS n FROM rollouts GROUP BY status',
            )
          : await this.read<{ status: RolloutStatus; n: number }>(
              'SELECT status, count(*)::int AS n FROM rollouts WHERE run_id = $1 GROUP BY status',
              [runId],
            );
      return countersFrom(found);
    });
  }

  async rollouts(
    filter: { run_id?: string; status?: RolloutStatus[]; mode?: RolloutMode; resources_id?: string } = {},
  ): Promise<RolloutRow[]> {
    if (filter.status !== undefined && filter.status.length === 0) return [];
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (filter.run_id !== undefined) add('run_id = ?', filter.run_id);
    if (filter.status !== undefined) add('status = ANY(?::text[])', filter.status);
    if (filter.mode !== undefined) add('mode = ?', filter.mode);
    if (filter.resources_id !== undefined) add('resources_id = ?', filter.resources_id);
    const sql = `SELECT * FROM rollouts${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY seq`;
    return this.guard('rollouts', async () => (await this.read<RolloutDbRow>(sql, params)).map(toRollout));
  }

  async attempts(filter: { rollout_id?: string; run_id?: string } = {}): Promise<AttemptRow[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.rollout_id !== undefined) {
      params.push(filter.rollout_id);
      where.push(`a.rollout_id = $${params.length}`);
    }
    if (filter.run_id !== undefined) {
      params.push(filter.run_id);
      where.push(`r.run_id = $${params.length}`);
    }
    const sql = `SELECT a.* FROM attempts a JOIN rollouts r ON r.rollout_id = a.rollout_id${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY r.seq, a.sequence_id`;
    return this.guard('attempts', async () => (await this.read<AttemptDbRow>(sql, params)).map(toAttempt));
  }

  async spans(rolloutId: string): Promise<Span[]> {
    return this.guard('spans', async () =>
      (
        await this.read<{ span_row_id: string; span_json: unknown }>(
          'SELECT span_row_id, span_json FROM spans WHERE rollout_id = $1 ORDER BY span_row_id',
          [rolloutId],
        )
      ).map((r) => jsonObject<Span>(r.span_json, `spans.span_json of row ${r.span_row_id}`)),
    );
  }

  async workers(): Promise<WorkerRow[]> {
    return this.guard('workers', async () =>
      (await this.read<WorkerDbRow>('SELECT * FROM workers ORDER BY registered_at, worker_id')).map(toWorker),
    );
  }

  // ---- inside transactions ----

  /** Locks an attempt's rollout row, then the attempt row (the one lock order of every change). */
  private async lockAttempt(c: PoolClient, attemptId: string): Promise<{ r: LockedRollout; a: AttemptDbRow }> {
    const r = await one<LockedRollout>(
      c,
      'SELECT rollout_id, status, config_json, attempt_count FROM rollouts WHERE rollout_id = (SELECT rollout_id FROM attempts WHERE attempt_id = $1) FOR UPDATE',
      [attemptId],
    );
    const a = r
      ? await one<AttemptDbRow>(c, 'SELECT * FROM attempts WHERE attempt_id = $1 FOR UPDATE', [attemptId])
      : undefined;
    // An attempt that is not there any more (a claim a crashed database never made durable) is lost, like one
    // the watchdog took: the worker drops its result and goes on instead of dying.
    if (!r || !a) throw new AttemptLostError(attemptId, `gone from ${this.location}`);
    return { r, a };
  }

  /** Inserts spans of an active attempt; the first makes the attempt and its rollout `running` (and r/a say so after). */
  private async insertSpans(c: PoolClient, r: LockedRollout, a: AttemptDbRow, spans: Span[]): Promise<void> {
    if (spans.length === 0) return;
    await c.query(
      'INSERT INTO spans (rollout_id, attempt_id, sequence_id, span_json) SELECT $1, $2, $3, u.j::json FROM unnest($4::text[]) WITH ORDINALITY AS u(j, i) ORDER BY u.i',
      [a.rollout_id, a.attempt_id, a.sequence_id, spans.map((s) => JSON.stringify(s))],
    );
    if (a.status === 'preparing') {
      assertAttemptTransition(a.status, 'running', a.attempt_id);
      await c.query("UPDATE attempts SET status = 'running' WHERE attempt_id = $1", [a.attempt_id]);
      a.status = 'running';
      if (r.status !== 'running') {
        assertRolloutTransition(r.status, 'running', r.rollout_id);
        await c.query("UPDATE rollouts SET status = 'running' WHERE rollout_id = $1", [r.rollout_id]);
        r.status = 'running';
      }
    }
  }

  /** After an attempt ended badly: requeue its rollout while attempts remain and the ending is retried, else fail it. */
  private async retryOrFail(
    c: PoolClient,
    r: LockedRollout,
    ending: AttemptStatus,
    at: string,
    config?: RolloutConfig,
  ): Promise<'requeuing' | 'failed'> {
    const conf = config ?? jsonObject<RolloutConfig>(r.config_json, `rollouts.config_json of rollout ${r.rollout_id}`);
    if (retryOrFailDecision(r.attempt_count, conf, ending) === 'requeuing') {
      assertRolloutTransition(r.status, 'requeuing', r.rollout_id);
      await c.query("UPDATE rollouts SET status = 'requeuing' WHERE rollout_id = $1", [r.rollout_id]);
      await c.query('INSERT INTO rollout_queue (rollout_id) VALUES ($1)', [r.rollout_id]);
      r.status = 'requeuing';
      return 'requeuing';
    }
    assertRolloutTransition(r.status, 'failed', r.rollout_id);
    await c.query("UPDATE rollouts SET status = 'failed', end_time = $1 WHERE rollout_id = $2", [at, r.rollout_id]);
    r.status = 'failed';
    return 'failed';
  }

  /** The worker is idle again (if it still shows this attempt); `at` also counts as its heartbeat when given. */
  private async releaseWorker(c: PoolClient, workerId: string, attemptId: string, at: string | null): Promise<void> {
    if (at === null) {
      await c.query(
        'UPDATE workers SET active_rollout_id = NULL, active_attempt_id = NULL WHERE worker_id = $1 AND active_attempt_id = $2',
        [workerId, attemptId],
      );
    } else {
      await c.query(
        'UPDATE workers SET active_rollout_id = CASE WHEN active_attempt_id = $2 THEN NULL ELSE active_rollout_id END, active_attempt_id = CASE WHEN active_attempt_id = $2 THEN NULL ELSE active_attempt_id END, last_heartbeat_at = $3 WHERE worker_id = $1',
        [workerId, attemptId, at],
      );
    }
  }
}
