// The prompt-optimization adapter of the run index: the rollout store's runs (a SQLite file or PostgreSQL) as
// RunRows. Reads only; async because the store is.
import { interruptedBy } from '../jobs/owner';
import type { OptimizeRunRow, OptimizeRunSnapshot, RolloutStore } from '../optimize/types';
import { RESUMABLE, secondsBetween, type RunRow, type RunRowStatus } from './runRow';

async function toRow(store: RolloutStore, r: OptimizeRunRow): Promise<RunRow> {
  let snapshot: OptimizeRunSnapshot | null = null;
  try {
    ({ snapshot } = await store.readJob(r.run_id));
  } catch {
    // A damaged snapshot still lists from the run row (its report); `optimize status` says what is wrong.
  }
  const interrupted = interruptedBy(r);
  const status: RunRowStatus = interrupted ? 'interrupted' : r.status;
  const report = r.report ?? snapshot?.report ?? null;
  const best = snapshot?.best ?? null;
  const end = r.ended_at ?? snapshot?.endedAt ?? null;
  return {
    kind: 'optimize',
    runId: r.run_id,
    status,
    subject: r.config_path,
    models: [r.model_ref],
    startedAt: r.started_at,
    finishedAt: end,
    durationSeconds: secondsBetween(r.started_at, end ?? (interrupted ? null : new Date().toISOString())),
    resumedAt: null,
    scoreLabel: 'validate reward',
    score: best?.validate_reward ?? report?.best?.validate_reward ?? null,
    baseScore: snapshot?.mean_reward.validate ?? report?.mean_reward.validate ?? null,
    calls: report?.calls ?? null,
    costUsd: report ? report.cost_usd : null,
    knownCostUsd: report?.cost_usd ?? 0,
    bestPrompt: best?.system_prompt ?? report?.best?.system_prompt ?? null,
    savedVersion: best?.library ?? null,
    error: interrupted ?? r.error,
    resumeCommand: RESUMABLE.has(status)
      ? `prompt-tuner optimize resume --store ${JSON.stringify(r.store_path)} --run ${r.run_id}`
      : null,
  };
}

/** Every prompt-optimization run in the store, newest first. */
export async function listOptimizeRuns(store: RolloutStore): Promise<RunRow[]> {
  await store.refresh();
  const rows: RunRow[] = [];
  for (const r of await store.listRuns()) rows.push(await toRow(store, r));
  return rows;
}

/** The stored run row (for saving its best prompt under its config's name), or undefined. */
export async function optimizeRunRow(store: RolloutStore, runId: string): Promise<OptimizeRunRow | undefined> {
  await store.refresh();
  return store.getRun(runId);
}
