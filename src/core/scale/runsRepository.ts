// Scale runs in the workspace store (migration 4): the run with its config, latest snapshot and report, every
// conversation, every message as it happened, every graded assertion, and the event log.
import { createHash } from 'node:crypto';
import { asInterrupted, currentOwner, interruptedBy, listedStatus } from '../jobs/owner';
import { lastEventSeq, parseStoredJson, readEvents, readOwnedSnapshot, writeEvents } from '../jobs/runTables';
import { canonicalJson } from '../models/canonicalJson';
import type { Migration } from '../store/migrations';
import type { Store } from '../store/store';
import { parseScaleConfig } from './config';
import type {
  ConversationSummary,
  EvaluationResult,
  RunStatus,
  ScaleConfig,
  ScaleEvent,
  ScaleReport,
  ScaleRunSnapshot,
  ScaleRunSummary,
  TranscriptMessage,
  Verification,
} from './types';

/** Migration 4 (numbers are reserved in store/migrations.ts). */
export const SCALE_MIGRATION: Migration = {
  version: 4,
  name: 'scale runs',
  up(tx) {
    tx.run(`CREATE TABLE scale_runs (
      run_id TEXT PRIMARY KEY,            -- uuid
      idempotency_key TEXT UNIQUE,        -- the start's key; a second start with it returns this run (null: none given)
      verifies_run_id TEXT,               -- for a verification run: the run whose revised prompt it runs
      status TEXT NOT NULL,               -- RunStatus as last written (a dead owner makes it read as failed)
      agent_name TEXT NOT NULL,           -- agent name at the time of the run
      agent_file TEXT NOT NULL,           -- *.agent.json path as given
      agent_model TEXT NOT NULL,          -- provider/model under test
      runs INTEGER NOT NULL,              -- conversations planned
      seed INTEGER NOT NULL,              -- conversation i used seed + i
      config_json TEXT NOT NULL,          -- the validated ScaleConfig (replays and resume read it)
      config_hash TEXT NOT NULL,          -- sha256 of the canonical config without its idempotency key
      estimate_json TEXT NOT NULL,        -- the preflight ScaleEstimate
      snapshot_json TEXT NOT NULL,        -- latest ScaleRunSnapshot
      report_json TEXT,                   -- the ScaleReport once folded (also partial, for failed/cancelled/budget runs)
      win_rate REAL,                      -- report's win rate, for the run list
      cost_usd REAL,                      -- actual USD so far; null when a price was unknown
      error TEXT,                         -- why it failed / stopped
      started_at TEXT NOT NULL,           -- ISO time
      finished_at TEXT,                   -- ISO time, null while running
      updated_at TEXT NOT NULL,           -- ISO time of the latest write
      owner_pid INTEGER NOT NULL,         -- pid of the process running it (to tell a killed run from a live one)
      owner_host TEXT NOT NULL            -- host name of that process
    )`);
    tx.run('CREATE INDEX scale_runs_started ON scale_runs (started_at)');
    tx.run(`CREATE TABLE scale_conversations (
      run_id TEXT NOT NULL,               -- owning run
      conversation_id TEXT NOT NULL,      -- c1, c2, … (the same ids in a verification run)
      idx INTEGER NOT NULL,               -- 0-based run index
      scenario_id TEXT,                   -- scenario played; null when the form's goal and message were used
      seed INTEGER NOT NULL,              -- seed sent to the providers
      status TEXT NOT NULL,               -- pending | running | grading | done
      outcome TEXT,                       -- pass | fail | unscored, null until graded
      ended_reason TEXT,                  -- user_stop | max_turns | budget | error | cancelled
      turns INTEGER NOT NULL,             -- user turns so far
      failure_tags TEXT NOT NULL,         -- JSON string[]
      cost_usd REAL,                      -- agent + user USD; null when a price was unknown
      error TEXT,                         -- provider or engine error that ended it
      summary_json TEXT NOT NULL,         -- the whole ConversationSummary
      PRIMARY KEY (run_id, conversation_id)
    )`);
    tx.run(`CREATE TABLE scale_messages (
      run_id TEXT NOT NULL,               -- owning run
      conversation_id TEXT NOT NULL,      -- owning conversation
      position INTEGER NOT NULL,          -- 0-based order within the conversation
      turn INTEGER NOT NULL,              -- 1-based user turn
      role TEXT NOT NULL,                 -- user | assistant | tool
      content TEXT NOT NULL,              -- the message text
      tool_calls TEXT,                    -- JSON TranscriptToolCall[] of an assistant message (with results), else null
      latency_ms REAL,                    -- the call's latency, for assistant and user messages
      at TEXT NOT NULL,                   -- ISO time
      PRIMARY KEY (run_id, conversation_id, position)
    )`);
    tx.run(`CREATE TABLE scale_evaluations (
      run_id TEXT NOT NULL,               -- owning run
      conversation_id TEXT NOT NULL,      -- graded conversation
      position INTEGER NOT NULL,          -- order of the assertion
      assertion TEXT NOT NULL,            -- label, e.g. "llm-rubric: goal adherence"
      type TEXT NOT NULL,                 -- promptfoo assertion type
      scope TEXT NOT NULL,                -- transcript | each | any | final
      tag TEXT NOT NULL,                  -- failure tag recorded when it fails
      pass INTEGER,                       -- 1 pass, 0 fail, null could not be graded
      score REAL,                         -- in [0,1] when known
      details TEXT NOT NULL,              -- the judge's reason, the matching text, or the error
      turn INTEGER,                       -- turn the finding is about, when one is
      PRIMARY KEY (run_id, conversation_id, position)
    )`);
    tx.run(`CREATE TABLE scale_events (
      run_id TEXT NOT NULL,               -- owning run
      seq INTEGER NOT NULL,               -- order within the run (a resumed run continues after the last)
      type TEXT NOT NULL,                 -- ScaleEvent type
      at TEXT NOT NULL,                   -- ISO time
      json TEXT NOT NULL,                 -- the whole event
      PRIMARY KEY (run_id, seq)
    )`);
  },
};

/** One write: the latest snapshot and whatever rows came since the previous one, in one transaction. */
export interface ScaleRunWrite {
  snapshot: ScaleRunSnapshot;
  events?: { seq: number; event: ScaleEvent }[];
  /** Conversations whose row changed (upserted from their summary). */
  conversations?: ConversationSummary[];
  /** Messages as they happened. */
  messages?: { conversationId: string; position: number; message: TranscriptMessage }[];
  /** A conversation's graded assertions (replace what was stored for it). */
  evaluations?: { conversationId: string; results: EvaluationResult[] }[];
  /** Conversations run again on resume: their messages and evaluations are deleted first. */
  reset?: string[];
}

/** What starting a run stores; `existingRunId` when the idempotency key was used before. */
export type CreateResult = { ok: true } | { ok: false; existingRunId: string };

type RunRow = {
  run_id: string;
  status: RunStatus;
  owner_pid: number;
  owner_host: string;
  agent_name: string;
  agent_model: string;
  runs: number;
  win_rate: number | null;
  verifies_run_id: string | null;
  started_at: string;
  finished_at: string | null;
};

/** The config's fingerprint: the same scenarios, seeds and models hash the same. */
export function configHash(config: ScaleConfig): string {
  const { idempotencyKey: _key, ...rest } = config;
  return createHash('sha256').update(canonicalJson(rest)).digest('hex');
}

export class ScaleRunsRepository {
  constructor(private readonly store: Store) {}

  /** Creates the run row (and its conversation rows) unless the idempotency key was used before. */
  create(snapshot: ScaleRunSnapshot, config: ScaleConfig, estimate: unknown): CreateResult {
    const key = config.idempotencyKey ?? null;
    if (key !== null) {
      const existing = this.findByIdempotencyKey(key);
      if (existing) return { ok: false, existingRunId: existing };
    }
    const owner = currentOwner();
    try {
      this.store.write((tx) => {
        tx.run(
          `INSERT INTO scale_runs (run_id, idempotency_key, verifies_run_id, status, agent_name, agent_file, agent_model, runs, seed, config_json, config_hash,
             estimate_json, snapshot_json, report_json, win_rate, cost_usd, error, started_at, finished_at, updated_at, owner_pid, owner_host)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, 0, NULL, ?, NULL, ?, ?, ?)`,
          [
            snapshot.runId,
            key,
            snapshot.verifiesRunId,
            snapshot.status,
            snapshot.agent.name,
            snapshot.agent.file,
            config.agentModel,
            config.runs,
            config.seed,
            JSON.stringify(config),
            configHash(config),
            JSON.stringify(estimate),
            JSON.stringify(snapshot),
            snapshot.startedAt,
            snapshot.startedAt,
            owner.pid,
            owner.host,
          ],
        );
        for (const c of snapshot.conversations) this.upsertConversation(tx, snapshot.runId, c);
      });
    } catch (e) {
      // Another process took the key between the look-up and the insert.
      const existing = key !== null ? this.findByIdempotencyKey(key) : undefined;
      if (existing) return { ok: false, existingRunId: existing };
      throw e;
    }
    return { ok: true };
  }

  /** A resumed run: this process owns it now. */
  claim(runId: string): void {
    const owner = currentOwner();
    this.store.write((tx) => {
      tx.run('UPDATE scale_runs SET owner_pid = ?, owner_host = ?, updated_at = ? WHERE run_id = ?', [
        owner.pid,
        owner.host,
        new Date().toISOString(),
        runId,
      ]);
    });
  }

  write(w: ScaleRunWrite): void {
    const s = w.snapshot;
    const runId = s.runId;
    this.store.write((tx) => {
      for (const id of w.reset ?? []) {
        tx.run('DELETE FROM scale_messages WHERE run_id = ? AND conversation_id = ?', [runId, id]);
        tx.run('DELETE FROM scale_evaluations WHERE run_id = ? AND conversation_id = ?', [runId, id]);
      }
      writeEvents(tx, 'scale_events', runId, w.events ?? []);
      for (const m of w.messages ?? []) {
        tx.run(
          'INSERT OR REPLACE INTO scale_messages (run_id, conversation_id, position, turn, role, content, tool_calls, latency_ms, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
          [
            runId,
            m.conversationId,
            m.position,
            m.message.turn,
            m.message.role,
            m.message.content,
            m.message.toolCalls ? JSON.stringify(m.message.toolCalls) : null,
            m.message.latencyMs ?? null,
            m.message.at,
          ],
        );
      }
      for (const e of w.evaluations ?? []) {
        tx.run('DELETE FROM scale_evaluations WHERE run_id = ? AND conversation_id = ?', [runId, e.conversationId]);
        e.results.forEach((r, i) => {
          tx.run(
            'INSERT INTO scale_evaluations (run_id, conversation_id, position, assertion, type, scope, tag, pass, score, details, turn) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
            [
              runId,
              e.conversationId,
              i,
              r.assertion,
              r.type,
              r.scope,
              r.tag,
              r.pass === null ? null : r.pass ? 1 : 0,
              r.score,
              r.details,
              r.turn ?? null,
            ],
          );
        });
      }
      for (const c of w.conversations ?? []) this.upsertConversation(tx, runId, c);
      tx.run(
        `UPDATE scale_runs SET status = ?, snapshot_json = ?, report_json = COALESCE(?, report_json), win_rate = ?, cost_usd = ?, error = ?, finished_at = ?, updated_at = ?
         WHERE run_id = ?`,
        [
          s.status,
          JSON.stringify(s),
          s.report ? JSON.stringify(s.report) : null,
          s.report?.stats.winRate ?? null,
          s.budget.actualUsd,
          s.error,
          s.finishedAt,
          new Date().toISOString(),
          runId,
        ],
      );
    });
  }

  /** The report of a finished run gets its verification (the panel's Verify Revised Prompt, after the run). */
  attachVerification(runId: string, verification: Verification): void {
    const row = this.store.get<{ snapshot_json: string; report_json: string | null }>(
      'SELECT snapshot_json, report_json FROM scale_runs WHERE run_id = ?',
      [runId],
    );
    if (!row || row.report_json === null)
      throw new Error(`scale run ${runId} has no report to attach a verification to`);
    const report: ScaleReport = {
      ...parseStoredJson<ScaleReport>(row.report_json, `scale_runs.report_json of ${runId}`),
      verification,
    };
    const snapshot = parseStoredJson<ScaleRunSnapshot>(row.snapshot_json, `scale_runs.snapshot_json of ${runId}`);
    const next: ScaleRunSnapshot = {
      ...snapshot,
      report,
      verification: {
        runId: verification.runId,
        status: verification.status,
        completed: verification.conversations.filter((c) => c.status === 'done').length,
        total: verification.conversations.length,
      },
    };
    this.store.write((tx) => {
      tx.run('UPDATE scale_runs SET report_json = ?, snapshot_json = ?, updated_at = ? WHERE run_id = ?', [
        JSON.stringify(report),
        JSON.stringify(next),
        new Date().toISOString(),
        runId,
      ]);
    });
  }

  /** Runs, newest first; a run whose process died reads as failed. */
  list(): ScaleRunSummary[] {
    return this.store
      .all<RunRow>(
        `SELECT run_id, status, owner_pid, owner_host, agent_name, agent_model, runs, win_rate, verifies_run_id, started_at, finished_at
         FROM scale_runs ORDER BY started_at DESC, rowid DESC`,
      )
      .map((r) => ({
        runId: r.run_id,
        status: listedStatus(r),
        agentName: r.agent_name,
        agentModel: r.agent_model,
        runs: r.runs,
        winRate: r.win_rate,
        verifiesRunId: r.verifies_run_id,
        startedAt: r.started_at,
        finishedAt: r.finished_at,
      }));
  }

  /**
   * The stored status, for a run whose process died why it is not running any more, and the time of the row's
   * latest write (when such a run last did something).
   */
  status(runId: string): { status: RunStatus; interrupted: string | null; updatedAt: string } | undefined {
    const row = this.store.get<{ status: RunStatus; owner_pid: number; owner_host: string; updated_at: string }>(
      'SELECT status, owner_pid, owner_host, updated_at FROM scale_runs WHERE run_id = ?',
      [runId],
    );
    return row ? { status: row.status, interrupted: interruptedBy(row), updatedAt: row.updated_at } : undefined;
  }

  /** The snapshot as last written (a run being resumed starts from it), without the interrupted reading. */
  storedSnapshot(runId: string): ScaleRunSnapshot | undefined {
    const row = this.store.get<{ snapshot_json: string }>('SELECT snapshot_json FROM scale_runs WHERE run_id = ?', [
      runId,
    ]);
    return row
      ? parseStoredJson<ScaleRunSnapshot>(row.snapshot_json, `scale_runs.snapshot_json of ${runId}`)
      : undefined;
  }

  /** The latest snapshot; an interrupted run reads back as failed with a note (reads never write). */
  getSnapshot(runId: string): ScaleRunSnapshot | undefined {
    const stored = readOwnedSnapshot<ScaleRunSnapshot>(this.store, 'scale_runs', runId, "this run's snapshot");
    if (!stored) return undefined;
    const { snapshot, interrupted } = stored;
    if (!interrupted) return snapshot;
    return {
      ...asInterrupted(snapshot, interrupted),
      notes: [...snapshot.notes, `${interrupted} Resume it to run the unfinished conversations.`],
    };
  }

  report(runId: string): ScaleReport | undefined {
    const row = this.store.get<{ report_json: string | null }>('SELECT report_json FROM scale_runs WHERE run_id = ?', [
      runId,
    ]);
    return row?.report_json
      ? parseStoredJson<ScaleReport>(row.report_json, `scale_runs.report_json of ${runId}`)
      : undefined;
  }

  /** A conversation's messages in order. */
  transcript(runId: string, conversationId: string): TranscriptMessage[] {
    return this.store
      .all<{
        turn: number;
        role: TranscriptMessage['role'];
        content: string;
        tool_calls: string | null;
        latency_ms: number | null;
        at: string;
      }>(
        'SELECT turn, role, content, tool_calls, latency_ms, at FROM scale_messages WHERE run_id = ? AND conversation_id = ? ORDER BY position',
        [runId, conversationId],
      )
      .map((r) => ({
        turn: r.turn,
        role: r.role,
        content: r.content,
        ...(r.tool_calls
          ? {
              toolCalls: parseStoredJson<NonNullable<TranscriptMessage['toolCalls']>>(
                r.tool_calls,
                'scale_messages.tool_calls',
              ),
            }
          : {}),
        ...(r.latency_ms !== null ? { latencyMs: r.latency_ms } : {}),
        at: r.at,
      }));
  }

  /** A conversation's stored graded assertions in order. */
  evaluations(runId: string, conversationId: string): EvaluationResult[] {
    return this.store
      .all<{
        assertion: string;
        type: EvaluationResult['type'];
        scope: EvaluationResult['scope'];
        tag: string;
        pass: number | null;
        score: number | null;
        details: string;
        turn: number | null;
      }>(
        'SELECT assertion, type, scope, tag, pass, score, details, turn FROM scale_evaluations WHERE run_id = ? AND conversation_id = ? ORDER BY position',
        [runId, conversationId],
      )
      .map((r) => ({
        assertion: r.assertion,
        type: r.type,
        scope: r.scope,
        tag: r.tag,
        pass: r.pass === null ? null : r.pass === 1,
        score: r.score,
        details: r.details,
        ...(r.turn !== null ? { turn: r.turn } : {}),
      }));
  }

  findByIdempotencyKey(key: string): string | undefined {
    return this.store.get<{ run_id: string }>('SELECT run_id FROM scale_runs WHERE idempotency_key = ?', [key])?.run_id;
  }

  /** The validated config the run was started with. */
  config(runId: string): ScaleConfig | undefined {
    const row = this.store.get<{ config_json: string }>('SELECT config_json FROM scale_runs WHERE run_id = ?', [runId]);
    return row
      ? parseScaleConfig(parseStoredJson<unknown>(row.config_json, `scale_runs.config_json of ${runId}`))
      : undefined;
  }

  /** Sequence number of the last stored event (0 when none). */
  lastSeq(runId: string): number {
    return lastEventSeq(this.store, 'scale_events', runId);
  }

  /** Stored events in order. */
  events(runId: string): ScaleEvent[] {
    return readEvents<ScaleEvent>(this.store, 'scale_events', runId);
  }

  private upsertConversation(
    tx: { run(sql: string, params?: (string | number | null)[]): unknown },
    runId: string,
    c: ConversationSummary,
  ): void {
    tx.run(
      `INSERT INTO scale_conversations (run_id, conversation_id, idx, scenario_id, seed, status, outcome, ended_reason, turns, failure_tags, cost_usd, error, summary_json)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (run_id, conversation_id) DO UPDATE SET status = excluded.status, outcome = excluded.outcome, ended_reason = excluded.ended_reason,
         turns = excluded.turns, failure_tags = excluded.failure_tags, cost_usd = excluded.cost_usd, error = excluded.error, summary_json = excluded.summary_json`,
      [
        runId,
        c.conversationId,
        c.index,
        c.scenario?.id ?? null,
        c.seed,
        c.status,
        c.outcome,
        c.endedReason,
        c.turns,
        JSON.stringify(c.failureTags),
        c.costUsd,
        c.error ?? null,
        JSON.stringify(c),
      ],
    );
  }
}
