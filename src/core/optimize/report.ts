// The run's report: `--prompt-optimization-json` (Tau's keys first, in Tau's order, then ours) and the text
// lines (Tau's `prompt optimization complete: …` line, then a readable summary).
import type { ApoRound, BestPrompt, Counters, OptimizeReport } from './types';

export interface ReportInput {
  runId: string;
  modelRef: string;
  storePath: string;
  /** This run's counters. */
  counters: Counters;
  meanReward: { optimize: number | null; validate: number | null };
  best: BestPrompt | null;
  rounds: ApoRound[];
  calls: number;
  costUsd: number | null;
}

/** Built key by key in the printed order (JSON.stringify keeps insertion order). */
export function buildReport(input: ReportInput): OptimizeReport {
  const report: OptimizeReport = {
    model_ref: input.modelRef,
    store_path: input.storePath,
    total_rollouts: input.counters.total_rollouts,
    succeeded: input.counters.succeeded,
    failed: input.counters.failed,
    cancelled: input.counters.cancelled,
    run_id: input.runId,
    mean_reward: { optimize: input.meanReward.optimize, validate: input.meanReward.validate },
    best: input.best
      ? {
          resources_version: input.best.resources_version,
          system_prompt: input.best.system_prompt,
          validate_reward: input.best.validate_reward,
        }
      : null,
    rounds: input.rounds,
    calls: input.calls,
    cost_usd: input.costUsd,
  };
  return report;
}

function reward(r: number | null): string {
  return r === null ? 'n/a' : r.toFixed(3);
}

/** USD with enough digits for cheap runs; unknown stays "unknown" (never $0.00 for a price we do not know). */
export function formatCost(usd: number | null): string {
  if (usd === null) return 'unknown';
  if (usd === 0) return '$0.00';
  return usd < 0.01 ? `$${usd.toFixed(4)}` : `$${usd.toFixed(2)}`;
}

function oneLine(text: string, max = 160): string {
  const flat = text.replace(/\s*\n\s*/g, ' ⏎ ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

/** Tau's line, then the summary, one item a line (no trailing newline). */
export function reportLines(report: OptimizeReport): string {
  const lines = [
    `prompt optimization complete: model=${report.model_ref} store=${report.store_path} total=${report.total_rollouts} succeeded=${report.succeeded} failed=${report.failed} cancelled=${report.cancelled}`,
    `run: ${report.run_id}`,
    `mean reward of the initial prompt: optimize ${reward(report.mean_reward.optimize)}, validate ${reward(report.mean_reward.validate)}`,
  ];
  for (const r of report.rounds) {
    const scored = r.candidates.filter((c) => c.batch_reward !== null).length;
    const regressed = r.candidates.filter((c) => c.regressions.length > 0).length;
    lines.push(
      `round ${r.round}: ${r.candidates.length} candidates (${scored} scored${regressed ? `, ${regressed} with regressions` : ''}), leader ${r.leader_version === null ? 'none' : `version ${r.leader_version}`} validate ${reward(r.leader_reward)}`,
    );
  }
  if (report.best) {
    lines.push(
      `best: version ${report.best.resources_version}, validate reward ${reward(report.best.validate_reward)}`,
    );
    lines.push(`best prompt: ${oneLine(report.best.system_prompt)}`);
  } else {
    lines.push('best: none');
  }
  lines.push(`model calls: ${report.calls}, cost: ${formatCost(report.cost_usd)}`);
  return lines.join('\n');
}
