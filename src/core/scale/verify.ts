// Verify Revised Prompt: a new run (verifies_run_id = the original) of the revised prompt with the same agent,
// scenarios, seeds, models and evaluator, and no summarizer call; when it ends, the original run's stored
// report gets `verification` (win rate before → after, both intervals). `--verify` runs the same thing inside
// the original job instead (see engine.ts).
import { preflightRefusal } from './budget';
import { ScaleConfigError } from './config';
import type { ScaleDeps, ScaleJob } from './engine';
import { estimateScale, withoutSummarizer } from './estimate';
import { ScaleRunsRepository } from './runsRepository';
import { launchScaleJob } from './scaleJob';
import { verificationConfig } from './verificationPlan';

/** The revised prompt of a finished run, on the same scenarios, seeds and models; the report of runId gets `verification`. */
export function startVerification(runId: string, deps: ScaleDeps): ScaleJob {
  const repo = new ScaleRunsRepository(deps.store);
  const config = repo.config(runId);
  if (!config) throw new ScaleConfigError(`runId: no scale run ${runId} in this workspace`, 'runId');
  const report = repo.report(runId);
  if (!report?.revisedPrompt) {
    const why = report?.summaryError
      ? `its summary failed (${report.summaryError})`
      : 'it has no report with a revised prompt yet';
    throw new ScaleConfigError(`runId: run ${runId} cannot be verified: ${why}`, 'runId');
  }
  const vConfig = verificationConfig(config, report.revisedPrompt, runId);
  const estimate = withoutSummarizer(
    estimateScale(vConfig, deps.agent, deps.prices, (m) => deps.gateway.measuredLatencyMs(m), deps.priceProviderOf),
    vConfig.maxBudgetUsd,
  );
  const refusal = preflightRefusal(vConfig, estimate);
  if (refusal)
    throw new ScaleConfigError(refusal, vConfig.maxBudgetUsd !== undefined ? 'maxBudgetUsd' : 'maxConversationUsd');
  return launchScaleJob({
    config: vConfig,
    agent: deps.agent,
    deps,
    estimate,
    verifies: { runId, report, attach: true },
  });
}
