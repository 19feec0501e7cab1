// What a verification run is, as data: the original config with the revised prompt (same agent, scenarios,
// seeds, models and evaluator), and the Verification the original report gets from its result.
import type { ScaleConfig, ScaleReport, ScaleRunSnapshot, Verification } from './types';

/** The config of a verification of `fromRunId`: only the prompt changes; no key (it is not a user's start), no verify. */
export function verificationConfig(config: ScaleConfig, revisedPrompt: string, fromRunId: string): ScaleConfig {
  const { idempotencyKey: _key, ...rest } = config;
  return { ...rest, systemPrompt: revisedPrompt, promptSource: { kind: 'revised', fromRunId }, verify: false };
}

/** The verification attached to the original report, from the verification run's final snapshot. */
export function verificationOf(final: ScaleRunSnapshot, before: Pick<ScaleReport, 'stats'>): Verification | null {
  const report = final.report;
  if (!report) return null;
  return {
    runId: final.runId,
    prompt: final.systemPrompt,
    status: final.status,
    stats: report.stats,
    conversations: report.conversations,
    winRateBefore: before.stats.winRate,
    winRateIntervalBefore: before.stats.winRateInterval,
  };
}
