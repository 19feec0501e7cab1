// Applies pending migrations in order, all in one transaction (one journal record and one fdatasync for a new
// store's whole schema), each with its schema_migrations row; one that fails leaves the store as it was.
// A store that has a migration this code does not know was written by a newer version: refuse it
// before writing anything.
import type { Migration } from './migrations';
import { StoreVersionError, type Store } from './store';

const CREATE_SCHEMA_MIGRATIONS = `
-- Which migrations this database has had.
CREATE TABLE schema_migrations (
  -- Migration number (MIGRATIONS[].version).
  version INTEGER PRIMARY KEY,
  -- Migration name, for people reading the database.
  name TEXT NOT NULL,
  -- ISO time it was applied.
  applied_at TEXT NOT NULL
);`;

function checkList(migrations: Migration[]): Migration[] {
  const seen = new Set<number>();
  for (const m of migrations) {
    if (!Number.isInteger(m.version) || m.version < 1)
      throw new Error(`migration "${m.name}": version must be a positive whole number, got ${m.version}`);
    if (seen.has(m.version)) throw new Error(`migration version ${m.version} is used twice`);
    seen.add(m.version);
  }
  return [...migrations].sort((a, b) => a.version - b.version);
}

function appliedVersions(store: Store): number[] {
  const table = store.get<{ n: number }>(
    "SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'",
  );
  if (!table || table.n === 0) return [];
  return store.all<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version').map((r) => r.version);
}

export function runMigrations(store: Store, list: Migration[]): void {
  const migrations = checkList(list);
  const known = migrations.at(-1)?.version ?? 0;
  const refuseNewer = (applied: number[]) => {
    const newest = applied.at(-1) ?? 0;
    if (newest > known) {
      throw new StoreVersionError(
        `The store in ${store.dir} has schema version ${newest}, but this Prompt Tuner knows versions up to ${known}. ` +
          'It was written by a newer Prompt Tuner: update Prompt Tuner to use it. Nothing was changed.',
      );
    }
  };
  const applied = appliedVersions(store);
  refuseNewer(applied);
  const pending = migrations.filter((m) => !applied.includes(m.version));
  if (pending.length === 0) return;
  store.write((tx) => {
    const table = tx.get<{ n: number }>(
      "SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'",
    );
    if (!table || table.n === 0) tx.run(CREATE_SCHEMA_MIGRATIONS);
    // Another process may have migrated between our check and our lock.
    const now = tx
      .all<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version')
      .map((r) => r.version);
    refuseNewer(now);
    const at = new Date().toISOString();
    for (const m of pending) {
      if (now.includes(m.version)) continue;
      m.up(tx);
      tx.run('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)', [m.version, m.name, at]);
    }
  });
}
