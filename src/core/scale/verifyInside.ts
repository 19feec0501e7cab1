// Verification inside a run with `verify`: the revised prompt on the same scenarios and seeds, run as a run of
// its own (verifies_run_id) within this job, sharing its total cap, its signal and its ledger.
import type { RoleLedgerBook } from './budget';
import type { ScaleDeps, ScaleJob } from './engine';
import { estimateScale, withoutSummarizer } from './estimate';
import type { ScaleEvaluator } from './grading/evaluator';
import type { RunContext } from './runContext';
import type { RunReport } from './runReport';
import type { ScalePlan } from './scaleJob';
import { verificationConfig, verificationOf } from './verificationPlan';

export interface VerifyContext extends RunContext {
  deps: ScaleDeps;
  /** The run's evaluator: the verification grades the same way. */
  evaluator: ScaleEvaluator;
  ledger: RoleLedgerBook;
  report: RunReport;
  /** Starts the verification run (launchScaleJob). */
  launch(plan: ScalePlan): ScaleJob;
}

/** Sets the report's verification once the verification run has ended, then emits verification_complete. */
export async function verifyInside(ctx: VerifyContext): Promise<void> {
  const { runId, agent, deps } = ctx;
  const revised = ctx.report.summary.revisedPrompt;
  if (!revised) {
    ctx.progress('No revised prompt to verify');
    return;
  }
  const before = ctx.report.build('running');
  const vConfig = verificationConfig(ctx.config, revised, runId);
  const child = ctx.launch({
    config: vConfig,
    agent,
    deps: { ...deps, evaluator: ctx.evaluator, signal: ctx.signal },
    estimate: withoutSummarizer(
      estimateScale(vConfig, agent, deps.prices, (m) => deps.gateway.measuredLatencyMs(m), deps.priceProviderOf),
      vConfig.maxBudgetUsd,
    ),
    verifies: { runId, report: before, attach: false },
    parent: { total: ctx.budget.total, signal: ctx.signal, ledger: ctx.ledger },
  });
  ctx.emit({ type: 'verification_start', verificationRunId: child.runId });
  const off = child.onEvent((e) => {
    if (e.type !== 'evaluation_complete') return;
    const s = child.snapshot();
    ctx.progress(`Verifying: ${s.completed}/${s.total} conversations`, {
      verification: { runId: child.runId, status: 'running', completed: s.completed, total: s.total },
    });
  });
  const final = await child.done;
  off();
  ctx.report.verification = verificationOf(final, before) ?? undefined;
  if (ctx.report.verification) ctx.emit({ type: 'verification_complete', verification: ctx.report.verification });
}
