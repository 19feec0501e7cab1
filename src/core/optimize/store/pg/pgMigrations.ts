// The prompt-optimization store's schema on PostgreSQL: the same tables, columns, status enums and CHECKs as the
// SQLite file (../migrations.ts), as numbered migrations recorded in schema_migrations. Times are timestamptz
// (read back as ISO strings), JSON columns are `json` (kept as written, key order included: reports are ordered),
// ids that SQLite gets from INTEGER PRIMARY KEY are identity columns. Migrating runs in one transaction under an
// advisory lock, so two processes opening a new database at once migrate it once.
import type { PoolClient } from 'pg';

export interface PgMigration {
  /** Position in the order; recorded in schema_migrations.version. */
  version: number;
  name: string;
  /** Statements run in order inside the migration transaction. */
  statements: string[];
}

/** Advisory lock class of this store (pg_advisory_xact_lock(class, key)); keys below. */
export const PG_LOCK_CLASS = 0x5054; // "PT"
export const PG_LOCK = { migrate: 1, runs: 2, resources: 3, enqueue: 4 } as const;

const ROLLOUT_MODE_CHECK = "mode IN ('train', 'val', 'test')";
const ROLLOUT_STATUS_CHECK =
  "status IN ('queuing', 'preparing', 'running', 'succeeded', 'failed', 'cancelled', 'requeuing')";
const ATTEMPT_STATUS_CHECK = "status IN ('preparing', 'running', 'succeeded', 'failed', 'unresponsive', 'timeout')";
const RUN_STATUS_CHECK = "status IN ('running', 'completed', 'failed', 'cancelled')";

export const PG_SCHEMA_V1: PgMigration = {
  version: 1,
  name: 'prompt optimization store',
  statements: [
    `CREATE TABLE runs (
      run_id TEXT PRIMARY KEY,
      run_number INTEGER NOT NULL UNIQUE,
      model_ref TEXT NOT NULL,
      config_path TEXT NOT NULL,
      config_json JSON NOT NULL,
      store_path TEXT NOT NULL,
      status TEXT NOT NULL CHECK (${RUN_STATUS_CHECK}),
      started_at TIMESTAMPTZ NOT NULL,
      ended_at TIMESTAMPTZ,
      owner_pid INTEGER NOT NULL,
      owner_host TEXT NOT NULL,
      snapshot_json JSON,
      report_json JSON,
      error TEXT
    )`,
    `CREATE TABLE run_events (
      run_id TEXT NOT NULL,
      seq INTEGER NOT NULL,
      type TEXT NOT NULL,
      at TEXT NOT NULL,
      json JSON NOT NULL,
      PRIMARY KEY (run_id, seq)
    )`,
    `CREATE TABLE resources (
      resources_id TEXT PRIMARY KEY,
      version INTEGER NOT NULL UNIQUE,
      resources_json JSON NOT NULL,
      created_time TIMESTAMPTZ NOT NULL,
      is_latest INTEGER NOT NULL CHECK (is_latest IN (0, 1)),
      run_id TEXT,
      label TEXT NOT NULL,
      parent_version INTEGER
    )`,
    // At most one latest version, whatever two processes do at once.
    'CREATE UNIQUE INDEX resources_one_latest ON resources (is_latest) WHERE is_latest = 1',
    `CREATE TABLE rollouts (
      rollout_id TEXT PRIMARY KEY,
      input_json JSON NOT NULL,
      start_time TIMESTAMPTZ NOT NULL,
      end_time TIMESTAMPTZ,
      mode TEXT NOT NULL CHECK (${ROLLOUT_MODE_CHECK}),
      status TEXT NOT NULL CHECK (${ROLLOUT_STATUS_CHECK}),
      config_json JSON NOT NULL,
      metadata_json JSON NOT NULL,
      assigned_worker_id TEXT,
      attempt_count INTEGER NOT NULL,
      run_id TEXT NOT NULL,
      resources_id TEXT NOT NULL,
      reward DOUBLE PRECISION,
      answer TEXT,
      seq BIGINT NOT NULL UNIQUE
    )`,
    'CREATE INDEX rollouts_run ON rollouts (run_id, status)',
    'CREATE INDEX rollouts_status ON rollouts (status)',
    `CREATE TABLE rollout_queue (
      queue_id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      rollout_id TEXT NOT NULL UNIQUE
    )`,
    `CREATE TABLE attempts (
      attempt_id TEXT PRIMARY KEY,
      rollout_id TEXT NOT NULL,
      sequence_id INTEGER NOT NULL,
      worker_id TEXT NOT NULL,
      status TEXT NOT NULL CHECK (${ATTEMPT_STATUS_CHECK}),
      started_at TIMESTAMPTZ NOT NULL,
      last_heartbeat_at TIMESTAMPTZ NOT NULL,
      ended_at TIMESTAMPTZ,
      error_message TEXT,
      UNIQUE (rollout_id, sequence_id)
    )`,
    'CREATE INDEX attempts_status ON attempts (status)',
    `CREATE TABLE spans (
      span_row_id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      rollout_id TEXT NOT NULL,
      attempt_id TEXT NOT NULL,
      sequence_id INTEGER NOT NULL,
      span_json JSON NOT NULL
    )`,
    'CREATE INDEX spans_rollout ON spans (rollout_id, span_row_id)',
    `CREATE TABLE workers (
      worker_id TEXT PRIMARY KEY,
      registered_at TIMESTAMPTZ NOT NULL,
      last_heartbeat_at TIMESTAMPTZ NOT NULL,
      active_rollout_id TEXT,
      active_attempt_id TEXT,
      pid INTEGER NOT NULL,
      host TEXT NOT NULL,
      run_id TEXT,
      stopped_at TIMESTAMPTZ
    )`,
    // The column comments of ../migrations.ts, where psql's \d+ shows them.
    "COMMENT ON TABLE runs IS 'One optimization run (a resume continues the same row)'",
    "COMMENT ON TABLE rollouts IS 'Tau''s rollouts: status per transitions.ts; seq is the enqueue order'",
    "COMMENT ON TABLE rollout_queue IS 'FIFO of queuing/requeuing rollouts: dequeue takes the smallest queue_id (FOR UPDATE SKIP LOCKED)'",
    "COMMENT ON TABLE attempts IS 'One try of a rollout by one worker: <rollout_id>:attempt-<sequence_id>'",
    "COMMENT ON TABLE workers IS 'Workers with their pid and host (a dead process''s attempts are reclaimed at once on its own host)'",
  ],
};

/** Every migration, in order. Add one as a new entry; never edit one that has shipped. */
export const PG_MIGRATIONS: PgMigration[] = [PG_SCHEMA_V1];

/** The migration state of a database: which versions it has, whether our table is there at all. */
export async function appliedVersions(client: PoolClient): Promise<number[] | null> {
  const t = await client.query<{ present: boolean }>("SELECT to_regclass('schema_migrations') IS NOT NULL AS present");
  if (!t.rows[0]?.present) return null;
  const r = await client.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
  return r.rows.map((x) => x.version);
}

/** A database that holds tables of ours without our schema_migrations rows: another program's (Tau's has `rollouts`). */
export class ForeignSchemaError extends Error {
  constructor(readonly table: string) {
    super(`it already has a table '${table}' that this store would create`);
    this.name = 'ForeignSchemaError';
  }
}

/** A database migrated by a newer Prompt Tuner than this one. */
export class NewerSchemaError extends Error {
  constructor(readonly version: number) {
    super(
      `its schema is version ${version}, newer than this Prompt Tuner knows (${PG_MIGRATIONS[PG_MIGRATIONS.length - 1]!.version}): update Prompt Tuner`,
    );
    this.name = 'NewerSchemaError';
  }
}

/**
 * Brings the database to the newest schema, in one transaction under the migrate advisory lock (a second process
 * waits, then finds it done). `client` is a dedicated connection not inside a transaction.
 */
export async function migrate(client: PoolClient, migrations: PgMigration[] = PG_MIGRATIONS): Promise<void> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1, $2)', [PG_LOCK_CLASS, PG_LOCK.migrate]);
    let applied = await appliedVersions(client);
    if (applied === null) {
      // A database that is not ours but has our table names: leave it as it is.
      const clash = await client.query<{ name: string }>(
        "SELECT c.relname AS name FROM pg_class c WHERE c.relkind IN ('r', 'p', 'v') AND c.relname = ANY($1) AND pg_table_is_visible(c.oid) ORDER BY c.relname LIMIT 1",
        [['runs', 'run_events', 'resources', 'rollouts', 'rollout_queue', 'attempts', 'spans', 'workers']],
      );
      if (clash.rows[0]) throw new ForeignSchemaError(clash.rows[0].name);
      await client.query(`CREATE TABLE schema_migrations (
        version INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
      )`);
      applied = [];
    }
    const newest = Math.max(0, ...applied);
    const known = migrations[migrations.length - 1]?.version ?? 0;
    if (newest > known) throw new NewerSchemaError(newest);
    for (const m of migrations) {
      if (applied.includes(m.version)) continue;
      for (const sql of m.statements) await client.query(sql);
      await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
    }
    await client.query('COMMIT');
  } catch (e) {
    await client.query('ROLLBACK').catch(() => {});
    throw e;
  }
}
