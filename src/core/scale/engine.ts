// The scale-test engine's entry points: start a run (idempotent, refused before any call when a cap cannot be
// enforced), and resume one that did not finish. The run itself is scaleJob.ts on the job runtime.
//
// With `verify`, the run's job also runs the verification (after summary_complete: verification_start, the
// verification run as a run of its own with verifies_run_id, verification_complete), so its `done` resolves
// after the verification and its scale_complete report carries `verification`. The two runs share the total
// budget cap. Cancelling the run cancels the verification too (the run ends scale_cancelled, its report whole,
// the verification's status cancelled).
import * as path from 'node:path';
import type { Agent } from '../agents/agentSchema';
import { loadAgent } from '../agents/loadAgent';
import type { Job } from '../jobs/runtime';
import type { PriceBook } from '../models/prices';
import type { ModelGateway } from '../models/types';
import type { Store } from '../store/store';
import { preflightRefusal } from './budget';
import { parseScaleConfig, ScaleConfigError } from './config';
import { estimateScale, withoutSummarizer, type PriceProviderOf } from './estimate';
import type { ScaleEvaluator } from './grading/evaluator';
import { ScaleRunsRepository } from './runsRepository';
import { liveScaleJob, reusedJob } from './liveJobs';
import { launchScaleJob } from './scaleJob';
import type { EndedReason, ScaleConfig, ScaleEstimate, ScaleEvent, ScaleRunSnapshot } from './types';

export interface ScaleDeps {
  agent: Agent;
  gateway: ModelGateway;
  store: Store;
  /** The price table the gateway uses; await prices.ready() before startScaleRun (the estimate is synchronous). */
  prices: PriceBook;
  /** Default: the evaluator named in config (createEvaluator). */
  evaluator?: ScaleEvaluator;
  /** Cancels the run too (Ctrl-C). */
  signal?: AbortSignal;
  /** Launch stagger in ms [min, max]; default [200, 400]; tests pass [0, 0]. */
  staggerMs?: [number, number];
  flushIntervalMs?: number;
  /** The price table's provider of a model (endpoints with `pricesFrom`); default: openai and anthropic by their prefix. */
  priceProviderOf?: PriceProviderOf;
  /** The workspace: where the promptfoo evaluator looks, and what a stored relative agent path is resolved against (resume); default the process's working folder. */
  cwd?: string;
}

export interface ScaleJob extends Job<ScaleEvent, ScaleRunSnapshot> {
  estimate: ScaleEstimate;
  /** True when the idempotency key was used before: this is that run, and no call was made. */
  reused: boolean;
}

/** Conversations that ended this way were played out and graded: a resume keeps them. */
const FINISHED: ReadonlySet<EndedReason> = new Set(['user_stop', 'max_turns']);

function estimateFor(
  config: ScaleConfig,
  deps: Pick<ScaleDeps, 'agent' | 'prices' | 'gateway' | 'priceProviderOf'>,
): ScaleEstimate {
  return estimateScale(config, deps.agent, deps.prices, (m) => deps.gateway.measuredLatencyMs(m), deps.priceProviderOf);
}

/** Refuses (ScaleConfigError, nothing stored, no call) a run whose USD cap could not be enforced. */
function assertEnforceable(config: ScaleConfig, estimate: ScaleEstimate): void {
  const refusal = preflightRefusal(config, estimate);
  if (refusal)
    throw new ScaleConfigError(refusal, config.maxBudgetUsd !== undefined ? 'maxBudgetUsd' : 'maxConversationUsd');
}

/**
 * Starts a run. A key already used returns that run (reused: true) and makes no call. Throws ScaleConfigError
 * for bad config or a cap that could not be enforced (unknown price); an estimate over maxBudgetUsd is the
 * caller's to confirm (estimate.overBudget) before calling this.
 */
export function startScaleRun(configInput: ScaleConfig, deps: ScaleDeps): ScaleJob {
  const config = parseScaleConfig(configInput);
  const estimate = estimateFor(config, deps);
  const repo = new ScaleRunsRepository(deps.store);
  if (config.idempotencyKey !== undefined) {
    const existing = repo.findByIdempotencyKey(config.idempotencyKey);
    if (existing) return reusedJob(repo, existing, estimate);
  }
  assertEnforceable(config, estimate);
  return launchScaleJob({ config, agent: deps.agent, deps, estimate });
}

/** Runs again the conversations an interrupted/failed/cancelled run did not finish; the rest are kept. Throws ScaleConfigError for an unknown id or a run that is still running. */
export async function resumeScaleRun(
  runId: string,
  deps: Omit<ScaleDeps, 'agent'> & { agent?: Agent },
): Promise<ScaleJob> {
  const repo = new ScaleRunsRepository(deps.store);
  const state = repo.status(runId);
  if (!state) throw new ScaleConfigError(`runId: no scale run ${runId} in this workspace (see scale list)`, 'runId');
  if (liveScaleJob(runId) || ((state.status === 'running' || state.status === 'pending') && !state.interrupted)) {
    throw new ScaleConfigError(`runId: run ${runId} is still running; cancel it first, or wait for it to end`, 'runId');
  }
  if (state.status === 'completed')
    throw new ScaleConfigError(`runId: run ${runId} is already completed; nothing to resume`, 'runId');
  const config = repo.config(runId)!;
  const stored = repo.storedSnapshot(runId)!;
  const snapshot = state.interrupted
    ? { ...stored, notes: [...stored.notes, `${state.interrupted} It was resumed.`] }
    : stored;
  // The stored path is as the start gave it (relative to the workspace in the CLI and the editor).
  const agent =
    deps.agent ?? (await loadAgent(path.resolve(deps.cwd ?? process.cwd(), config.agentFile), config.agentFile));
  await deps.prices.ready();
  const full: ScaleDeps = { ...deps, agent };
  const verifies = snapshot.verifiesRunId;
  let estimate = estimateFor(config, full);
  let verifiedReport;
  if (verifies !== null) {
    verifiedReport = repo.report(verifies);
    if (!verifiedReport)
      throw new ScaleConfigError(
        `runId: run ${runId} verifies run ${verifies}, whose report is not in the store`,
        'runId',
      );
    estimate = withoutSummarizer(estimate, config.maxBudgetUsd);
  }
  assertEnforceable(config, estimate);
  const keep = new Set(
    snapshot.conversations
      .filter((c) => c.status === 'done' && c.endedReason !== null && FINISHED.has(c.endedReason))
      .map((c) => c.conversationId),
  );
  return launchScaleJob({
    config,
    agent,
    deps: full,
    estimate,
    // Read before the resume claims the row (which rewrites updated_at): the pause from then on is not run time.
    resume: { runId, snapshot, lastSeq: repo.lastSeq(runId), keep, stoppedAt: stored.finishedAt ?? state.updatedAt },
    ...(verifies !== null && verifiedReport
      ? { verifies: { runId: verifies, report: verifiedReport, attach: true } }
      : {}),
  });
}
