// The snapshot file: a plain SQLite database written whole and atomically. Its generation (how many
// snapshots came before it) rides in the SQLite header's user_version field, so a process can tell
// which journal continues it without opening the database.
import type { Database, SqlJsStatic } from 'sql.js';
import { writeFileAtomic } from './fsUtil';

const SQLITE_MAGIC = 'SQLite format 3\0';
/** Offset of user_version in the SQLite file header (big-endian u32). */
const GENERATION_OFFSET = 60;

export function snapshotGeneration(bytes: Uint8Array): number {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(GENERATION_OFFSET);
}

/** Opens snapshot bytes as a database, or says why they are not a usable database. */
export function openSnapshot(
  SQL: SqlJsStatic,
  bytes: Uint8Array,
): { db: Database; generation: number } | { error: string } {
  if (bytes.length < 100 || [...SQLITE_MAGIC].some((c, i) => bytes[i] !== c.charCodeAt(0))) {
    return { error: 'not an SQLite database (bad header)' };
  }
  let db: Database | undefined;
  try {
    db = new SQL.Database(bytes);
    // Reading the schema touches the first pages; a damaged file fails here instead of on a later query.
    db.exec('SELECT count(*) FROM sqlite_master');
    const check = db.exec('PRAGMA quick_check(1)');
    const verdict = check[0]?.values[0]?.[0];
    if (verdict !== 'ok') throw new Error(`integrity check: ${String(verdict)}`);
    return { db, generation: snapshotGeneration(bytes) };
  } catch (e) {
    db?.close();
    return { error: (e as Error).message };
  }
}

/** Exports the database and replaces the snapshot file atomically, stamped with `generation`. */
export function writeSnapshot(path: string, db: Database, generation: number): void {
  const bytes = db.export();
  new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).setUint32(GENERATION_OFFSET, generation >>> 0);
  writeFileAtomic(path, [bytes]);
}
