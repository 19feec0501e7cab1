// Tuning runs in the workspace store (migration 3): the run with its latest snapshot, generations,
// candidates, every case × model result, and the event log, written as the run goes.
import { asInterrupted, currentOwner, interruptedBy, listedStatus } from '../jobs/owner';
import { lastEventSeq, parseStoredJson, readEvents, readOwnedSnapshot, writeEvents } from '../jobs/runTables';
import type { Store, WriteTx } from '../store/store';
import type { CaseResult } from '../suites/evaluate';
import type { CandidateSnapshot, GenerationSnapshot, RunStatus, TuneEvent, TuneMode, TuneRunSnapshot } from './types';

/** Migration 3 (numbers are reserved in TEAM.md). */
export const TUNING_MIGRATION = {
  version: 3,
  name: 'tuning runs',
  up(tx: Pick<WriteTx, 'run'>): void {
    // One row per run; snapshot_json is the latest full snapshot, so a reopened run renders at once.
    tx.run(`CREATE TABLE tune_runs (
      run_id TEXT PRIMARY KEY,            -- uuid
      status TEXT NOT NULL,               -- RunStatus
      mode TEXT NOT NULL,                 -- quick | evolutionary
      suite_name TEXT NOT NULL,           -- suite name at the time of the run
      suite_file TEXT NOT NULL,           -- suite path as given
      meta_model TEXT NOT NULL,           -- provider/model that wrote the prompts
      target_models TEXT NOT NULL,        -- JSON array of provider/model
      config_json TEXT NOT NULL,          -- the validated TuneConfig
      started_at TEXT NOT NULL,           -- ISO time
      finished_at TEXT,                   -- ISO time, null while running
      best_score REAL,                    -- best selection score so far
      best_candidate_id TEXT,             -- candidate id of the best prompt
      base_score REAL,                    -- the base prompt's selection score
      calls_planned INTEGER NOT NULL,     -- calls the estimate planned
      calls_done INTEGER NOT NULL,        -- calls finished (provider calls and cache hits)
      cost_usd REAL NOT NULL,             -- spent so far (lower bound when prices are unknown)
      error TEXT,                         -- failure reason when failed / budget_reached
      saved_version_id INTEGER,           -- library version the best prompt was saved as
      snapshot_json TEXT NOT NULL,        -- latest TuneRunSnapshot
      updated_at TEXT NOT NULL,           -- ISO time of the latest write
      owner_pid INTEGER NOT NULL,         -- pid of the process running it (to tell a killed run from a live one)
      owner_host TEXT NOT NULL            -- host name of that process
    )`);
    tx.run('CREATE INDEX tune_runs_started ON tune_runs (started_at)');
    tx.run(`CREATE TABLE tune_generations (
      run_id TEXT NOT NULL,               -- owning run
      number INTEGER NOT NULL,            -- 1-based
      best_score REAL,                    -- best score in the generation
      survivor_ids TEXT NOT NULL,         -- JSON array of candidate ids that survived
      complete INTEGER NOT NULL,          -- 1 when every candidate has its score
      PRIMARY KEY (run_id, number)
    )`);
    tx.run(`CREATE TABLE tune_candidates (
      run_id TEXT NOT NULL,               -- owning run
      candidate_id TEXT NOT NULL,         -- e.g. g2-p3
      generation INTEGER NOT NULL,        -- generation it belongs to
      origin TEXT NOT NULL,               -- base | variant | mutation | crossover | survivor
      parent_ids TEXT NOT NULL,           -- JSON array of candidate ids
      note TEXT,                          -- strategy or mutation note
      text TEXT NOT NULL,                 -- the prompt
      score REAL,                         -- selection score, null until evaluated
      validation_score REAL,              -- held-out score when a split is used
      per_model TEXT NOT NULL,            -- JSON ModelScore[]
      survived INTEGER NOT NULL,          -- 1 when selected into the next generation
      PRIMARY KEY (run_id, candidate_id)
    )`);
    tx.run(`CREATE TABLE tune_case_results (
      run_id TEXT NOT NULL,               -- owning run
      candidate_id TEXT NOT NULL,         -- candidate evaluated
      case_id TEXT NOT NULL,              -- suite case id
      model TEXT NOT NULL,                -- target provider/model
      repeat INTEGER NOT NULL,            -- repeat index (0 unless repeated)
      split TEXT NOT NULL,                -- train | validation
      pass INTEGER NOT NULL,              -- 1 when the case passed
      reason TEXT,                        -- typed failure reason
      detail TEXT,                        -- failure detail
      tool_calls TEXT NOT NULL,           -- JSON ToolCall[]
      text TEXT NOT NULL,                 -- the model's text output
      latency_ms REAL NOT NULL,           -- call latency
      cost_usd REAL,                      -- null when the price is unknown
      cached INTEGER NOT NULL,            -- 1 when served from the response cache
      PRIMARY KEY (run_id, candidate_id, case_id, model, repeat)
    )`);
    tx.run(`CREATE TABLE tune_events (
      run_id TEXT NOT NULL,               -- owning run
      seq INTEGER NOT NULL,               -- order within the run
      type TEXT NOT NULL,                 -- TuneEvent type
      at TEXT NOT NULL,                   -- ISO time
      json TEXT NOT NULL,                 -- the whole event
      PRIMARY KEY (run_id, seq)
    )`);
  },
};

/** One row of the run list. */
export interface TuneRunSummary {
  runId: string;
  status: RunStatus;
  mode: TuneMode;
  suiteName: string;
  startedAt: string;
  bestScore: number | null;
  finishedAt: string | null;
}

/** A case result as stored, with the split it belongs to. */
export type StoredCaseResult = CaseResult & { candidateId: string; split: 'train' | 'validation' };

/** What one write carries; the engine batches so a run costs few commits. */
export interface RunWrite {
  snapshot: TuneRunSnapshot;
  events?: { seq: number; event: TuneEvent }[];
  candidates?: CandidateSnapshot[];
  generations?: GenerationSnapshot[];
  results?: StoredCaseResult[];
}

type RunRow = {
  run_id: string;
  status: RunStatus;
  owner_pid: number;
  owner_host: string;
  mode: TuneMode;
  suite_name: string;
  started_at: string;
  finished_at: string | null;
  best_score: number | null;
};

/**
 * The snapshot to write, keeping a saved version someone else recorded: `runs save-best` (or Save to Library in
 * another window) may save a run that a process is still running, and that process's next write carries its own
 * in-memory savedVersion (null). A run's save is never undone, so a write without one keeps the stored one.
 */
function withSavedElsewhere(tx: Pick<WriteTx, 'get'>, s: TuneRunSnapshot): TuneRunSnapshot {
  if (s.savedVersion) return s;
  const row = tx.get<{ saved_version_id: number | null }>('SELECT saved_version_id FROM tune_runs WHERE run_id = ?', [
    s.runId,
  ]);
  if (!row || row.saved_version_id === null) return s;
  // Only now the stored snapshot is read: it holds the saved version's name and number the column does not.
  const stored = tx.get<{ snapshot_json: string }>('SELECT snapshot_json FROM tune_runs WHERE run_id = ?', [s.runId]);
  let savedVersion: unknown;
  try {
    savedVersion = stored ? (JSON.parse(stored.snapshot_json) as { savedVersion?: unknown }).savedVersion : undefined;
  } catch {
    // A damaged stored snapshot must not stop a live run's write; the column still keeps the id (COALESCE below).
    return s;
  }
  return isSavedVersion(savedVersion) && savedVersion.id === row.saved_version_id ? { ...s, savedVersion } : s;
}

function isSavedVersion(v: unknown): v is NonNullable<TuneRunSnapshot['savedVersion']> {
  if (!v || typeof v !== 'object') return false;
  const o = v as Record<string, unknown>;
  return typeof o.id === 'number' && typeof o.name === 'string' && typeof o.version === 'number';
}

export class TuneRunsRepository {
  constructor(private readonly store: Store) {}

  /** Creates the run row (status pending) with its config. */
  create(snapshot: TuneRunSnapshot, config: unknown): void {
    const owner = currentOwner();
    this.store.write((tx) => {
      tx.run(
        `INSERT INTO tune_runs (run_id, status, mode, suite_name, suite_file, meta_model, target_models, config_json, started_at,
           finished_at, best_score, best_candidate_id, base_score, calls_planned, calls_done, cost_usd, error, saved_version_id, snapshot_json, updated_at,
           owner_pid, owner_host)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, NULL, NULL, ?, 0, 0, NULL, NULL, ?, ?, ?, ?)`,
        [
          snapshot.runId,
          snapshot.status,
          snapshot.mode,
          snapshot.suite.name,
          snapshot.suite.file,
          snapshot.metaModel,
          JSON.stringify(snapshot.targetModels),
          JSON.stringify(config),
          snapshot.startedAt,
          snapshot.callsPlanned,
          JSON.stringify(snapshot),
          snapshot.startedAt,
          owner.pid,
          owner.host,
        ],
      );
    });
  }

  /** One transaction: the latest snapshot plus whatever events, candidates, generations and results came since. */
  write(w: RunWrite): void {
    this.store.write((tx) => {
      const s = withSavedElsewhere(tx, w.snapshot);
      writeEvents(tx, 'tune_events', s.runId, w.events ?? []);
      for (const g of w.generations ?? []) {
        tx.run(
          'INSERT OR REPLACE INTO tune_generations (run_id, number, best_score, survivor_ids, complete) VALUES (?, ?, ?, ?, ?)',
          [
            s.runId,
            g.number,
            g.bestScore,
            JSON.stringify(g.candidates.filter((c) => c.survived).map((c) => c.id)),
            g.complete ? 1 : 0,
          ],
        );
      }
      for (const c of w.candidates ?? []) {
        tx.run(
          // An upsert, not REPLACE: the rowid keeps the order candidates were created in.
          `INSERT INTO tune_candidates (run_id, candidate_id, generation, origin, parent_ids, note, text, score, validation_score, per_model, survived)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (run_id, candidate_id) DO UPDATE SET score = excluded.score, validation_score = excluded.validation_score,
             per_model = excluded.per_model, survived = excluded.survived, note = excluded.note`,
          [
            s.runId,
            c.id,
            c.generation,
            c.origin,
            JSON.stringify(c.parentIds),
            c.note ?? null,
            c.text,
            c.score,
            c.validationScore ?? null,
            JSON.stringify(c.perModel),
            c.survived ? 1 : 0,
          ],
        );
      }
      for (const r of w.results ?? []) {
        tx.run(
          `INSERT OR REPLACE INTO tune_case_results (run_id, candidate_id, case_id, model, repeat, split, pass, reason, detail, tool_calls, text, latency_ms, cost_usd, cached)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          [
            s.runId,
            r.candidateId,
            r.caseId,
            r.model,
            r.repeat,
            r.split,
            r.pass ? 1 : 0,
            r.reason,
            r.detail,
            JSON.stringify(r.toolCalls),
            r.text,
            r.latencyMs,
            r.costUsd,
            r.cached ? 1 : 0,
          ],
        );
      }
      tx.run(
        `UPDATE tune_runs SET status = ?, finished_at = ?, best_score = ?, best_candidate_id = ?, base_score = ?, calls_planned = ?, calls_done = ?,
           cost_usd = ?, error = ?, saved_version_id = COALESCE(?, saved_version_id), snapshot_json = ?, updated_at = ? WHERE run_id = ?`,
        [
          s.status,
          s.finishedAt,
          s.best?.score ?? null,
          s.best?.candidateId ?? null,
          s.baseScore,
          s.callsPlanned,
          s.callsDone,
          s.costUsd,
          s.error,
          s.savedVersion?.id ?? null,
          JSON.stringify(s),
          new Date().toISOString(),
          s.runId,
        ],
      );
    });
  }

  /** Records that a finished run's best prompt was saved to the library after the run (Save to Library). */
  recordSavedVersion(runId: string, saved: NonNullable<TuneRunSnapshot['savedVersion']>): void {
    const snapshot = this.getSnapshot(runId);
    if (!snapshot) throw new Error(`no tuning run ${runId} in the store`);
    this.store.write((tx) => {
      tx.run('UPDATE tune_runs SET saved_version_id = ?, snapshot_json = ?, updated_at = ? WHERE run_id = ?', [
        saved.id,
        JSON.stringify({ ...snapshot, savedVersion: saved }),
        new Date().toISOString(),
        runId,
      ]);
    });
  }

  /** Runs, newest first. */
  list(): TuneRunSummary[] {
    return this.store
      .all<RunRow>(
        'SELECT run_id, status, mode, suite_name, started_at, finished_at, best_score, owner_pid, owner_host FROM tune_runs ORDER BY started_at DESC, run_id',
      )
      .map((r) => ({
        runId: r.run_id,
        status: listedStatus(r),
        mode: r.mode,
        suiteName: r.suite_name,
        startedAt: r.started_at,
        finishedAt: r.finished_at,
        bestScore: r.best_score,
      }));
  }

  /** The latest stored snapshot of a run, or undefined when there is no such run. */
  getSnapshot(runId: string): TuneRunSnapshot | undefined {
    const stored = readOwnedSnapshot<TuneRunSnapshot>(this.store, 'tune_runs', runId, 'a tuning snapshot');
    if (!stored) return undefined;
    return stored.interrupted ? asInterrupted(stored.snapshot, stored.interrupted) : stored.snapshot;
  }

  /** What a resume starts from: the snapshot as last written, the config, and why it is not running when its process died. */
  resumable(runId: string):
    | {
        snapshot: TuneRunSnapshot;
        config: unknown;
        lastSeq: number;
        interrupted: string | null;
        /** ISO time of the row's latest write: when a run whose process died last did something. */
        updatedAt: string;
      }
    | undefined {
    const row = this.store.get<{
      snapshot_json: string;
      config_json: string;
      status: string;
      owner_pid: number;
      owner_host: string;
      updated_at: string;
    }>('SELECT snapshot_json, config_json, status, owner_pid, owner_host, updated_at FROM tune_runs WHERE run_id = ?', [
      runId,
    ]);
    if (!row) return undefined;
    return {
      snapshot: parseStoredJson<TuneRunSnapshot>(row.snapshot_json, `tune_runs.snapshot_json of run ${runId}`),
      config: parseStoredJson<unknown>(row.config_json, `tune_runs.config_json of run ${runId}`),
      lastSeq: lastEventSeq(this.store, 'tune_events', runId),
      interrupted: interruptedBy(row),
      updatedAt: row.updated_at,
    };
  }

  /** A resumed run: this process owns it now (so it does not read as interrupted while it goes on). */
  claim(runId: string): void {
    const owner = currentOwner();
    this.store.write((tx) => {
      tx.run('UPDATE tune_runs SET owner_pid = ?, owner_host = ?, updated_at = ? WHERE run_id = ?', [
        owner.pid,
        owner.host,
        new Date().toISOString(),
        runId,
      ]);
    });
  }

  /** Every stored case result of a run, whole, by candidate: a resume does not evaluate them again. */
  storedResults(runId: string): Map<string, CaseResult[]> {
    const rows = this.store.all<{
      candidate_id: string;
      case_id: string;
      model: string;
      repeat: number;
      pass: number;
      reason: CaseResult['reason'];
      detail: string | null;
      tool_calls: string;
      text: string;
      latency_ms: number;
      cost_usd: number | null;
      cached: number;
    }>(
      `SELECT candidate_id, case_id, model, repeat, pass, reason, detail, tool_calls, text, latency_ms, cost_usd, cached
       FROM tune_case_results WHERE run_id = ? ORDER BY rowid`,
      [runId],
    );
    const out = new Map<string, CaseResult[]>();
    for (const r of rows) {
      const list = out.get(r.candidate_id) ?? [];
      list.push({
        caseId: r.case_id,
        model: r.model,
        repeat: r.repeat,
        pass: r.pass === 1,
        reason: r.reason,
        detail: r.detail,
        toolCalls: parseStoredJson<CaseResult['toolCalls']>(r.tool_calls, 'tune_case_results.tool_calls'),
        text: r.text,
        latencyMs: r.latency_ms,
        // Token counts are not stored; the cost and the pass/fail a resume needs are.
        usage: { inputTokens: 0, outputTokens: 0, cachedInputTokens: 0 },
        costUsd: r.cost_usd,
        cached: r.cached === 1,
      });
      out.set(r.candidate_id, list);
    }
    return out;
  }

  /** Stored events of a run in order. */
  events(runId: string): TuneEvent[] {
    return readEvents<TuneEvent>(this.store, 'tune_events', runId);
  }

  /** Stored candidates of a run, by generation then id order of creation. */
  candidates(
    runId: string,
  ): { id: string; generation: number; origin: string; text: string; score: number | null; survived: boolean }[] {
    return this.store
      .all<{
        candidate_id: string;
        generation: number;
        origin: string;
        text: string;
        score: number | null;
        survived: number;
      }>(
        'SELECT candidate_id, generation, origin, text, score, survived FROM tune_candidates WHERE run_id = ? ORDER BY generation, rowid',
        [runId],
      )
      .map((r) => ({
        id: r.candidate_id,
        generation: r.generation,
        origin: r.origin,
        text: r.text,
        score: r.score,
        survived: r.survived === 1,
      }));
  }

  /** Stored case × model results of a run, optionally of one candidate. */
  caseResults(
    runId: string,
    candidateId?: string,
  ): { candidateId: string; caseId: string; model: string; split: string; pass: boolean; reason: string | null }[] {
    const rows = this.store.all<{
      candidate_id: string;
      case_id: string;
      model: string;
      split: string;
      pass: number;
      reason: string | null;
    }>(
      `SELECT candidate_id, case_id, model, split, pass, reason FROM tune_case_results WHERE run_id = ?${candidateId ? ' AND candidate_id = ?' : ''} ORDER BY rowid`,
      candidateId ? [runId, candidateId] : [runId],
    );
    return rows.map((r) => ({
      candidateId: r.candidate_id,
      caseId: r.case_id,
      model: r.model,
      split: r.split,
      pass: r.pass === 1,
      reason: r.reason,
    }));
  }
}
