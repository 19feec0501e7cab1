// What every job's tables share in the store: the run row's snapshot read back with its owner columns, and
// the event log (`tune_events`, `scale_events`: run_id, seq, type, at, json) written in the runtime's write
// transaction and read back in order. Each repository keeps its own tables and migrations.
import type { Store, WriteTx } from '../store/store';
import { interruptedBy } from './owner';

/** A stored JSON column; the error names the column and the run. */
export function parseStoredJson<T>(text: string, what: string): T {
  try {
    return JSON.parse(text) as T;
  } catch (e) {
    throw new Error(`${what}: not valid JSON (${(e as Error).message})`, { cause: e });
  }
}

/**
 * A run row's latest snapshot, checked to be this run's (else `notThisRun` says what it should have been), and
 * why the run is not going on any more when the process that ran it died (null otherwise).
 */
export function readOwnedSnapshot<S extends { runId: string }>(
  store: Store,
  runsTable: string,
  runId: string,
  notThisRun: string,
): { snapshot: S; interrupted: string | null } | undefined {
  const row = store.get<{ snapshot_json: string; status: string; owner_pid: number; owner_host: string }>(
    `SELECT snapshot_json, status, owner_pid, owner_host FROM ${runsTable} WHERE run_id = ?`,
    [runId],
  );
  if (!row) return undefined;
  const parsed = parseStoredJson<unknown>(row.snapshot_json, `${runsTable}.snapshot_json of run ${runId}`);
  if (!parsed || typeof parsed !== 'object' || (parsed as { runId?: unknown }).runId !== runId) {
    throw new Error(`${runsTable}.snapshot_json of run ${runId}: not ${notThisRun}`);
  }
  return { snapshot: parsed as S, interrupted: interruptedBy(row) };
}

/** Appends events to a job's event log (a rewrite of the same seq replaces it). */
export function writeEvents(
  tx: Pick<WriteTx, 'run'>,
  eventsTable: string,
  runId: string,
  events: readonly { seq: number; event: { type: string; at: string } }[],
): void {
  for (const { seq, event } of events) {
    tx.run(`INSERT OR REPLACE INTO ${eventsTable} (run_id, seq, type, at, json) VALUES (?, ?, ?, ?, ?)`, [
      runId,
      seq,
      event.type,
      event.at,
      JSON.stringify(event),
    ]);
  }
}

/** A run's stored events in order. */
export function readEvents<E>(store: Store, eventsTable: string, runId: string): E[] {
  return store
    .all<{ json: string }>(`SELECT json FROM ${eventsTable} WHERE run_id = ? ORDER BY seq`, [runId])
    .map((r) => JSON.parse(r.json) as E);
}

/** Sequence number of a run's last stored event (0 when none): a resumed run continues after it. */
export function lastEventSeq(store: Store, eventsTable: string, runId: string): number {
  return (
    store.get<{ seq: number | null }>(`SELECT MAX(seq) AS seq FROM ${eventsTable} WHERE run_id = ?`, [runId])?.seq ?? 0
  );
}
