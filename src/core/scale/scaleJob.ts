// The body of every scale run (a new run, a resumed one, a verification) on the job runtime. The runtime
// stores, batches, cancels and closes the run; here the phases are wired in order: conversations (each graded
// as soon as it ends) → summary → verification of the revised prompt (with `verify`) → the report.
import type { Agent } from '../agents/agentSchema';
import { scenarioForRun, type RunScenario } from '../agents/personas';
import { linkedController, newJobId } from '../jobs/job';
import { JobRuntime, type JobStop } from '../jobs/runtime';
import { ModelError, type GatewayEvent } from '../models/types';
import { actualUsdOf, RoleLedgerBook, ScaleBudget, type UsdCap } from './budget';
import { runConversations, summaryScenario, throwIfConversationsStopped } from './conversations';
import type { ScaleDeps, ScaleJob } from './engine';
import { createEvaluator, type ScaleEvaluator } from './grading/evaluator';
import { forgetLive, reusedJob, trackLive } from './liveJobs';
import type { RunContext } from './runContext';
import { RunReport } from './runReport';
import { ScaleRunsRepository } from './runsRepository';
import { ScaleRunWriter } from './runWriter';
import { foldEvent, initialSnapshot, pendingConversation, resumeSnapshot } from './snapshot';
import { summarizeRun } from './summarizeRun';
import type {
  ScaleConfig,
  ScaleEstimate,
  ScaleEvent,
  ScaleReport,
  ScaleRole,
  ScaleRunSnapshot,
  TranscriptMessage,
} from './types';
import { verificationOf } from './verificationPlan';
import { verifyInside } from './verifyInside';

/** What one launch runs. */
export interface ScalePlan {
  config: ScaleConfig;
  agent: Agent;
  deps: ScaleDeps;
  estimate: ScaleEstimate;
  /**
   * A resumed run: its stored snapshot, the last stored event, the conversations kept, and when it stopped
   * running (its end, or its last write when its process died).
   */
  resume?: { runId: string; snapshot: ScaleRunSnapshot; lastSeq: number; keep: Set<string>; stoppedAt: string };
  /** For a verification run: the run it verifies and that run's report (for winRateBefore). */
  verifies?: { runId: string; report: ScaleReport; attach: boolean };
  /** A verification inside a run with verify: the parent's total cap, signal and ledger (its spend counts there too). */
  parent?: { total: UsdCap; signal: AbortSignal; ledger: RoleLedgerBook };
}

const DEFAULT_STAGGER: [number, number] = [200, 400];

/** A new run's pending rows, or a resumed run's stored snapshot with the unfinished rows back to pending (`reset`). */
function startingSnapshot(
  plan: ScalePlan,
  runId: string,
  models: Record<ScaleRole, string>,
  scenarios: RunScenario[],
  ledger: RoleLedgerBook,
): { snapshot: ScaleRunSnapshot; reset: string[] } {
  const { config, agent, estimate } = plan;
  const fresh = scenarios.map((s, i) => pendingConversation(i, config.seed + i, summaryScenario(s)));
  if (plan.resume) return resumeSnapshot(plan.resume.snapshot, fresh, plan.resume.keep);
  const snapshot = initialSnapshot({
    runId,
    agent: { name: agent.name, file: config.agentFile },
    models,
    systemPrompt: config.systemPrompt,
    promptSource: config.promptSource,
    runs: config.runs,
    concurrency: config.concurrency,
    idempotencyKey: config.idempotencyKey ?? null,
    verifiesRunId: plan.verifies?.runId ?? null,
    conversations: fresh,
    estimatedUsd: estimate.usd,
    capUsd: config.maxBudgetUsd ?? null,
    conversationCapUsd: config.maxConversationUsd ?? null,
    ledger: ledger.ledger(),
    startedAt: new Date().toISOString(),
  });
  return { snapshot, reset: [] };
}

/** The closing event of a run that stopped early, with its partial report; a run stopped before its summary says why it has none. */
function stopEventOf(
  stop: JobStop,
  base: { runId: string; at: string },
  report: RunReport,
  isVerification: boolean,
): ScaleEvent {
  const skipped = (why: string) => {
    if (!isVerification) report.summarySkipped(why);
  };
  if (stop.kind === 'cancelled') {
    skipped('the run was cancelled');
    return { type: 'scale_cancelled', ...base, reason: stop.message, report: report.build('cancelled') };
  }
  if (stop.kind === 'budget') {
    skipped(`the budget was reached (${stop.message})`);
    return {
      type: 'scale_error',
      ...base,
      error: stop.message,
      status: 'budget_reached',
      report: report.build('budget_reached'),
    };
  }
  skipped('the run failed');
  return { type: 'scale_error', ...base, error: stop.message, status: 'failed', report: report.build('failed') };
}

/** The gateway's throttle event as this run's. */
function throttleEventOf(
  ge: Extract<GatewayEvent, { type: 'throttle' }>,
  base: { runId: string; at: string },
): ScaleEvent {
  return {
    type: 'throttle',
    ...base,
    provider: ge.provider,
    active: ge.active,
    concurrency: ge.concurrency,
    queued: ge.queued,
    ...(ge.retryInMs !== undefined ? { retryInMs: ge.retryInMs } : {}),
    ...(ge.status !== undefined ? { status: ge.status } : {}),
  };
}

/** The evaluator the run grades with: the caller's, or the config's (made here; the caller closes it). */
async function evaluatorFor(
  config: ScaleConfig,
  deps: ScaleDeps,
): Promise<{ evaluator: ScaleEvaluator; notes: string[] }> {
  if (deps.evaluator) return { evaluator: deps.evaluator, notes: [] };
  const made = await createEvaluator(config.evaluator, {
    ...(config.evaluatorUrl ? { url: config.evaluatorUrl } : {}),
    ...(deps.cwd ? { cwd: deps.cwd } : {}),
  });
  return { evaluator: made.evaluator, notes: made.warning ? [made.warning] : [] };
}

/** What the phases work with, on this job's runtime. */
function runContext(
  rt: JobRuntime<ScaleEvent, ScaleRunSnapshot>,
  plan: ScalePlan,
  budget: ScaleBudget,
  ledger: RoleLedgerBook,
): RunContext {
  const { runId } = rt;
  const ctx: RunContext = {
    runId,
    config: plan.config,
    agent: plan.agent,
    gateway: plan.deps.gateway,
    budget,
    signal: rt.signal,
    isFinished: () => rt.isFinished,
    snapshot: () => rt.snapshot(),
    // The run id and time are stamped here (type first, as stored and printed).
    emit: (body) => rt.emit(Object.assign({ type: body.type, runId, at: rt.at() }, body)),
    progress: (detail, extra = {}) => {
      if (rt.isFinished) return;
      const s = rt.snapshot();
      ctx.emit({ type: 'progress', completed: s.completed, total: s.total, detail, ledger: ledger.ledger(), ...extra });
    },
    callOptions: (callBudget) => ({ signal: rt.signal, cache: false, ...(callBudget ? { budget: callBudget } : {}) }),
    record: (role, r) => {
      ledger.record(role, r);
      plan.parent?.ledger.record(role, r);
    },
  };
  return ctx;
}

/** The job's end: it is no longer live; a verification started on its own attaches itself to the report it verifies, whatever its end. */
async function afterEnd(
  done: Promise<ScaleRunSnapshot>,
  plan: ScalePlan,
  repo: ScaleRunsRepository,
): Promise<ScaleRunSnapshot> {
  const final = await done;
  forgetLive(final.runId);
  if (plan.verifies?.attach) {
    const v = verificationOf(final, plan.verifies.report);
    if (v) {
      try {
        repo.attachVerification(plan.verifies.runId, v);
      } catch {
        // The original run's report is gone or the store failed: the verification run keeps its own report.
      }
    }
  }
  return final;
}

export function launchScaleJob(plan: ScalePlan): ScaleJob {
  const { config, agent, deps, estimate } = plan;
  const repo = new ScaleRunsRepository(deps.store);
  const runId = plan.resume?.runId ?? newJobId();
  const isVerification = plan.verifies !== undefined;
  const models: Record<ScaleRole, string> = {
    agent: config.agentModel,
    user: config.userModel,
    judge: config.judgeModel,
    summarizer: config.summarizerModel,
  };
  const scenarios = Array.from({ length: config.runs }, (_, i) =>
    scenarioForRun(agent, i, config.seed, { goal: config.goal, userMessage: config.userMessage }),
  );

  const ledger = new RoleLedgerBook(models, estimate, plan.resume?.snapshot.budget.byRole);
  const budget = new ScaleBudget(config, estimate, {
    ...(plan.parent ? { shared: plan.parent.total } : {}),
    spentUsd: plan.resume ? (actualUsdOf(ledger.ledger()) ?? 0) : 0,
  });
  const { snapshot: initial, reset } = startingSnapshot(plan, runId, models, scenarios, ledger);
  if (plan.resume) {
    repo.claim(runId);
  } else {
    const created = repo.create(initial, config, estimate);
    if (!created.ok) return reusedJob(repo, created.existingRunId, estimate);
  }

  const writer = new ScaleRunWriter(repo, reset);
  const report = new RunReport({
    runId,
    idempotencyKey: config.idempotencyKey ?? null,
    snapshot: () => rt.snapshot(),
    ledger,
    estimatedUsd: estimate.usd,
  });
  const rt: JobRuntime<ScaleEvent, ScaleRunSnapshot> = new JobRuntime<ScaleEvent, ScaleRunSnapshot>({
    runId,
    initial,
    fold: foldEvent,
    ephemeral: (e) => e.type === 'progress' || e.type === 'throttle',
    lastSeq: plan.resume?.lastSeq ?? 0,
    flushIntervalMs: deps.flushIntervalMs,
    signal: plan.parent ? linkedController(deps.signal, plan.parent.signal).signal : deps.signal,
    gateway: deps.gateway,
    throttleEvent: throttleEventOf,
    persist: (w) => writer.persist(w),
    stopEvent: (stop, base) => stopEventOf(stop, base, report, isVerification),
  });

  const ctx = runContext(rt, plan, budget, ledger);
  /** Messages of finished conversations, for the summarizer (kept ones are read back from the store). */
  const transcripts = new Map<string, TranscriptMessage[]>();

  const job = rt.start(async () => {
    await deps.prices.ready();
    const { evaluator, notes } = await evaluatorFor(config, deps);
    try {
      ctx.emit({
        type: 'scale_start',
        agent: { name: agent.name, file: config.agentFile },
        models,
        runs: config.runs,
        concurrency: config.concurrency,
        estimate,
        ...(plan.resume ? { resumed: true, stoppedAt: plan.resume.stoppedAt } : {}),
        ...(notes.length ? { notes } : {}),
      });
      await runConversations({
        ...ctx,
        scenarios,
        evaluator,
        writer,
        flushSoon: () => rt.flushSoon(),
        keep: plan.resume?.keep ?? new Set<string>(),
        staggerMs: deps.staggerMs ?? DEFAULT_STAGGER,
        transcripts,
      });
      throwIfConversationsStopped(ctx);

      if (!isVerification) {
        await summarizeRun(ctx, report, (id) => transcripts.get(id) ?? repo.transcript(runId, id));
        if (config.verify) await verifyInside({ ...ctx, deps, evaluator, ledger, report, launch: launchScaleJob });
        if (rt.signal.aborted) throw rt.signal.reason ?? new ModelError('cancelled', 'Cancelled');
      } else {
        const v = verificationOf(
          { ...rt.snapshot(), status: 'completed', report: report.build('completed') },
          plan.verifies!.report,
        );
        if (v) ctx.emit({ type: 'verification_complete', verification: v });
      }
      ctx.emit({ type: 'scale_complete', report: report.build('completed') });
    } finally {
      if (!deps.evaluator) await evaluator.close?.();
    }
  });

  const scaleJob: ScaleJob = { ...job, done: afterEnd(job.done, plan, repo), estimate, reused: false };
  trackLive(scaleJob);
  return scaleJob;
}
