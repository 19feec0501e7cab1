// The body of every scale run (a new run, a resumed one, a verification) on the job runtime: N conversations,
// `concurrency` at a time with staggered launches, each graded as soon as it ends, then the summary, the
// report and, with `verify`, the verification of the revised prompt. Everything is stored as it happens.
import type { Agent } from '../agents/agentSchema';
import { runConversation } from '../agents/conversation';
import { scenarioForRun, type RunScenario } from '../agents/personas';
import { linkedController, newJobId } from '../jobs/job';
import { errorMessage, JobRuntime, type JobStop } from '../jobs/runtime';
import { ModelError, type CallBudget, type CallOptions, type ModelResult } from '../models/types';
import { actualUsdOf, RoleLedgerBook, ScaleBudget, type UsdCap } from './budget';
import { runConversationPool } from './conversationPool';
import type { ScaleDeps, ScaleJob } from './engine';
import { estimateScale, withoutSummarizer } from './estimate';
import { createEvaluator, type ScaleEvaluator } from './grading/evaluator';
import { outcomeOf } from './grading/outcome';
import { ScaleRunsRepository } from './runsRepository';
import { conversationIdOf, foldEvent, initialSnapshot, pendingConversation, resumeSnapshot } from './snapshot';
import { computeStats } from './stats';
import { summarize } from './summarizer/summarize';
import type {
  ConversationSummary,
  EndedReason,
  EvaluationResult,
  ScaleConfig,
  ScaleEstimate,
  ScaleEvent,
  ScaleReport,
  ScaleRole,
  ScaleRunSnapshot,
  ScaleSummary,
  TranscriptMessage,
  Verification,
} from './types';
import { verificationConfig, verificationOf } from './verificationPlan';

/** Jobs running in this process, by run id: a second start with the same key gets the live job. */
const liveJobs = new Map<string, ScaleJob>();

export function liveScaleJob(runId: string): ScaleJob | undefined {
  return liveJobs.get(runId);
}

/** What one launch runs. */
export interface ScalePlan {
  config: ScaleConfig;
  agent: Agent;
  deps: ScaleDeps;
  estimate: ScaleEstimate;
  /** A resumed run: its stored snapshot, the last stored event and the conversations kept. */
  resume?: { runId: string; snapshot: ScaleRunSnapshot; lastSeq: number; keep: Set<string> };
  /** For a verification run: the run it verifies and that run's report (for winRateBefore). */
  verifies?: { runId: string; report: ScaleReport; attach: boolean };
  /** A verification inside a run with verify: the parent's total cap, signal and ledger (its spend counts there too). */
  parent?: { total: UsdCap; signal: AbortSignal; ledger: RoleLedgerBook };
}

/** Conversations ended by these were played out and are graded; the others (cap, provider error, cancel) are unscored. */
const GRADED: ReadonlySet<EndedReason> = new Set(['user_stop', 'max_turns']);
const DEFAULT_STAGGER: [number, number] = [200, 400];

/** The run a used idempotency key points at: the live job when this process runs it, else its stored snapshot. */
export function reusedJob(repo: ScaleRunsRepository, runId: string, estimate: ScaleEstimate): ScaleJob {
  const live = liveJobs.get(runId);
  if (live) return { ...live, reused: true };
  const snapshot = repo.getSnapshot(runId);
  if (!snapshot) throw new Error(`scale run ${runId} is not in the store`);
  return finishedJob(snapshot, estimate);
}

/** A stored run handed back as a finished job (idempotent start): no call, no event. */
export function finishedJob(snapshot: ScaleRunSnapshot, estimate: ScaleEstimate): ScaleJob {
  return {
    runId: snapshot.runId,
    estimate,
    reused: true,
    snapshot: () => snapshot,
    onEvent: () => () => undefined,
    onSnapshot: () => () => undefined,
    cancel: () => undefined,
    done: Promise.resolve(snapshot),
  };
}

const summaryScenario = (s: RunScenario): ConversationSummary['scenario'] => (s.id === null ? null : { id: s.id, persona: s.persona, goal: s.goal });

/** A grading that could not happen: never a pass, so the conversation is unscored. */
function ungraded(kind: string, why: string): EvaluationResult {
  return { assertion: `evaluator (${kind})`, type: 'llm-rubric', scope: 'transcript', tag: 'EVALUATOR_ERROR', pass: null, score: null, details: why };
}

export function launchScaleJob(plan: ScalePlan): ScaleJob {
  const { config, agent, deps, estimate } = plan;
  const repo = new ScaleRunsRepository(deps.store);
  const runId = plan.resume?.runId ?? newJobId();
  const isVerification = plan.verifies !== undefined;
  const models: Record<ScaleRole, string> = { agent: config.agentModel, user: config.userModel, judge: config.judgeModel, summarizer: config.summarizerModel };
  const scenarios = Array.from({ length: config.runs }, (_, i) => scenarioForRun(agent, i, config.seed, { goal: config.goal, userMessage: config.userMessage }));
  const keep = plan.resume?.keep ?? new Set<string>();

  const ledger = new RoleLedgerBook(models, estimate, plan.resume?.snapshot.budget.byRole);
  const budget = new ScaleBudget(config, estimate, {
    ...(plan.parent ? { shared: plan.parent.total } : {}),
    spentUsd: plan.resume ? (actualUsdOf(ledger.ledger()) ?? 0) : 0,
  });

  const record = (role: ScaleRole, r: ModelResult): void => {
    ledger.record(role, r);
    plan.parent?.ledger.record(role, r);
  };

  const fresh = (i: number) => pendingConversation(i, config.seed + i, summaryScenario(scenarios[i]!));
  let initial: ScaleRunSnapshot;
  const reset: string[] = [];
  if (plan.resume) {
    const resumed = resumeSnapshot(plan.resume.snapshot, scenarios.map((_, i) => fresh(i)), keep);
    initial = resumed.snapshot;
    reset.push(...resumed.reset);
  } else {
    initial = initialSnapshot({
      runId,
      agent: { name: agent.name, file: config.agentFile },
      models,
      systemPrompt: config.systemPrompt,
      promptSource: config.promptSource,
      runs: config.runs,
      concurrency: config.concurrency,
      idempotencyKey: config.idempotencyKey ?? null,
      verifiesRunId: plan.verifies?.runId ?? null,
      conversations: scenarios.map((_, i) => fresh(i)),
      estimatedUsd: estimate.usd,
      capUsd: config.maxBudgetUsd ?? null,
      conversationCapUsd: config.maxConversationUsd ?? null,
      ledger: ledger.ledger(),
      startedAt: new Date().toISOString(),
    });
    const created = repo.create(initial, config, estimate);
    if (!created.ok) return reusedJob(repo, created.existingRunId, estimate);
  }
  if (plan.resume) repo.claim(runId);

  // Rows the engine buffers between writes; each write takes them with the snapshot and the events.
  let pendingMessages: { conversationId: string; position: number; message: TranscriptMessage }[] = [];
  let pendingEvaluations: { conversationId: string; results: EvaluationResult[] }[] = [];
  let pendingReset = [...reset];
  const dirty = new Set<string>(reset);

  /** What the summary step left for the report. */
  let summaryPart: Pick<ScaleReport, 'summary' | 'revisedPrompt' | 'revisedPromptRationale' | 'summaryError' | 'digestNote'> = {
    summary: null,
    revisedPrompt: null,
    revisedPromptRationale: null,
  };
  let verification: Verification | undefined;

  function buildReport(rt: JobRuntime<ScaleEvent, ScaleRunSnapshot>, status: ScaleReport['status']): ScaleReport {
    const snap = rt.snapshot();
    // Conversations that never started are left out; one cut before its grading counts as unscored.
    const finished = snap.conversations.filter((c) => c.status !== 'pending');
    return {
      runId,
      status,
      idempotencyKey: config.idempotencyKey ?? null,
      ...summaryPart,
      stats: computeStats(finished, ledger.ledger(), estimate.usd),
      conversations: snap.conversations,
      ...(verification ? { verification } : {}),
    };
  }

  const rt: JobRuntime<ScaleEvent, ScaleRunSnapshot> = new JobRuntime<ScaleEvent, ScaleRunSnapshot>({
    runId,
    initial,
    fold: foldEvent,
    ephemeral: (e) => e.type === 'progress' || e.type === 'throttle',
    lastSeq: plan.resume?.lastSeq ?? 0,
    flushIntervalMs: deps.flushIntervalMs,
    signal: plan.parent ? linkedController(deps.signal, plan.parent.signal).signal : deps.signal,
    gateway: deps.gateway,
    throttleEvent: (ge, base) => ({
      type: 'throttle',
      ...base,
      provider: ge.provider,
      active: ge.active,
      concurrency: ge.concurrency,
      queued: ge.queued,
      ...(ge.retryInMs !== undefined ? { retryInMs: ge.retryInMs } : {}),
      ...(ge.status !== undefined ? { status: ge.status } : {}),
    }),
    persist: ({ snapshot, events }) => {
      for (const { event } of events) if ('conversationId' in event && event.conversationId) dirty.add(event.conversationId);
      repo.write({
        snapshot,
        events,
        reset: pendingReset,
        messages: pendingMessages,
        evaluations: pendingEvaluations,
        conversations: snapshot.conversations.filter((c) => dirty.has(c.conversationId)),
      });
      pendingReset = [];
      pendingMessages = [];
      pendingEvaluations = [];
      dirty.clear();
    },
    stopEvent: (stop: JobStop, base): ScaleEvent => {
      // A run that stops before its summary says why the report has none.
      const skipped = (why: string) => {
        if (!isVerification && !summaryPart.summary && summaryPart.summaryError === undefined) summaryPart = { ...summaryPart, summaryError: `The summary was skipped: ${why}.` };
      };
      if (stop.kind === 'cancelled') {
        skipped('the run was cancelled');
        return { type: 'scale_cancelled', ...base, reason: stop.message, report: buildReport(rt, 'cancelled') };
      }
      if (stop.kind === 'budget') {
        skipped(`the budget was reached (${stop.message})`);
        return { type: 'scale_error', ...base, error: stop.message, status: 'budget_reached', report: buildReport(rt, 'budget_reached') };
      }
      skipped('the run failed');
      return { type: 'scale_error', ...base, error: stop.message, status: 'failed', report: buildReport(rt, 'failed') };
    },
  });

  const progress = (detail: string, extra: Pick<Extract<ScaleEvent, { type: 'progress' }>, 'phase' | 'verification'> = {}) => {
    if (rt.isFinished) return;
    const s = rt.snapshot();
    rt.emit({ type: 'progress', runId, at: rt.at(), completed: s.completed, total: s.total, detail, ledger: ledger.ledger(), ...extra });
  };
  const callOptions = (budgetFor: CallOptions['budget']): CallOptions => ({ signal: rt.signal, cache: false, ...(budgetFor ? { budget: budgetFor } : {}) });
  /** Messages of finished conversations, for the summarizer (kept ones are read back from the store). */
  const transcripts = new Map<string, TranscriptMessage[]>();
  const announcedHits = new Set<string>();

  function announceCaps(): void {
    for (const hit of budget.hits) {
      const key = `${hit.scope}:${hit.conversationId ?? ''}`;
      if (announcedHits.has(key)) continue;
      announcedHits.add(key);
      rt.emit({
        type: 'cap_reached',
        runId,
        at: rt.at(),
        scope: hit.scope,
        ...(hit.conversationId ? { conversationId: hit.conversationId } : {}),
        detail: hit.scope === 'total' ? `Budget reached, no new conversation starts: ${hit.reason}` : `Conversation ${hit.conversationId} stopped at its cap: ${hit.reason}`,
      });
    }
  }

  async function playConversation(i: number, convBudget: CallBudget, evaluator: ScaleEvaluator): Promise<void> {
    const id = conversationIdOf(i);
    const scenario = scenarios[i]!;
    const seed = config.seed + i;
    rt.emit({ type: 'conversation_start', runId, at: rt.at(), conversationId: id, index: i, scenario: summaryScenario(scenario), seed });
    const spent = { usd: 0 as number | null, promptTokens: 0, completionTokens: 0 };
    let position = 0;
    const outcome = await runConversation({
      agent,
      systemPrompt: config.systemPrompt,
      scenario,
      models: { agent: config.agentModel, user: config.userModel },
      seed,
      temperature: config.temperature,
      gateway: deps.gateway,
      signal: rt.signal,
      callOptions: () => callOptions(convBudget),
      onMessage: (m) => {
        if (rt.isFinished) return;
        pendingMessages.push({ conversationId: id, position: position++, message: m });
        rt.flushSoon();
      },
      onCall: (role, r: ModelResult) => {
        record(role, r);
        spent.usd = spent.usd === null || r.costUsd === null ? null : spent.usd + r.costUsd;
        spent.promptTokens += r.usage.inputTokens;
        spent.completionTokens += r.usage.outputTokens;
        progress(`Conversation ${id}: ${role === 'agent' ? 'agent' : 'simulated user'} replied`);
      },
      onTurn: (t) => {
        if (rt.isFinished) return;
        rt.emit({ type: 'turn_complete', runId, at: rt.at(), conversationId: id, ...t });
      },
    });
    budget.conversationEnded(id);
    transcripts.set(id, outcome.messages);
    rt.emit({
      type: 'conversation_complete',
      runId,
      at: rt.at(),
      conversationId: id,
      endedReason: outcome.endedReason,
      turns: outcome.turns,
      costUsd: spent.usd,
      promptTokens: spent.promptTokens,
      completionTokens: spent.completionTokens,
      toolErrors: outcome.toolErrors,
      ...(outcome.error !== undefined ? { error: outcome.error } : {}),
    });
    announceCaps();

    let results: EvaluationResult[] = [];
    if (GRADED.has(outcome.endedReason) && !rt.signal.aborted) {
      try {
        results = await evaluator.grade(
          { conversationId: id, agent, goal: scenario.goal, messages: outcome.messages, endedReason: outcome.endedReason, seed },
          { gateway: deps.gateway, judgeModel: config.judgeModel, signal: rt.signal, callOptions: callOptions(budget.forRun()), onCall: (r) => record('judge', r) },
        );
      } catch (e) {
        results = [ungraded(evaluator.kind, e instanceof ModelError && e.kind === 'budget' ? `not graded: ${e.message}` : `the evaluator failed: ${errorMessage(e)}`)];
      }
      announceCaps();
    }
    const graded = outcomeOf(results, outcome.endedReason, outcome.toolErrors);
    // Cut conversations are unscored whatever their partial checks say; a judge error is never a pass.
    const verdict = GRADED.has(outcome.endedReason) && !(rt.signal.aborted && results.length === 0) ? graded.outcome : 'unscored';
    pendingEvaluations.push({ conversationId: id, results });
    rt.emit({ type: 'evaluation_complete', runId, at: rt.at(), conversationId: id, outcome: verdict, failureTags: graded.failureTags, assertionResults: results });
  }

  function runConversations(evaluator: ScaleEvaluator): Promise<void> {
    return runConversationPool({
      indexes: scenarios.map((_, i) => i).filter((i) => !keep.has(conversationIdOf(i))),
      concurrency: config.concurrency,
      staggerMs: deps.staggerMs ?? DEFAULT_STAGGER,
      signal: rt.signal,
      budget,
      idOf: conversationIdOf,
      onStopped: announceCaps,
      play: (i, convBudget) => playConversation(i, convBudget, evaluator),
    });
  }

  async function summarizeRun(): Promise<void> {
    const done = rt.snapshot().conversations.filter((c) => c.status === 'done');
    if (!done.some((c) => c.outcome === 'pass' || c.outcome === 'fail')) {
      // Nothing was graded (every conversation cut by its cap or a provider error): no call for an empty summary.
      summaryPart = { ...summaryPart, summaryError: 'No conversation could be graded, so there is nothing to summarize.' };
      rt.emit({ type: 'summary_complete', runId, at: rt.at(), summary: null, revisedPrompt: null, revisedPromptRationale: null, summaryError: summaryPart.summaryError! });
      return;
    }
    progress(`Summarizing ${done.length} conversation${done.length === 1 ? '' : 's'}`, { phase: 'summarizing' });
    let result: Awaited<ReturnType<typeof summarize>>;
    try {
      result = await summarize({
        model: config.summarizerModel,
        agentPrompt: config.systemPrompt,
        conversations: done.map((c) => ({ summary: c, messages: transcripts.get(c.conversationId) ?? repo.transcript(runId, c.conversationId) })),
        gateway: deps.gateway,
        signal: rt.signal,
        callOptions: callOptions(budget.forRun()),
        onCall: (r) => record('summarizer', r),
        ...(config.goal ? { goal: config.goal } : {}),
      });
    } catch (e) {
      if (rt.signal.aborted || (e instanceof ModelError && (e.kind === 'cancelled' || e.kind === 'budget'))) throw e;
      result = { summaryError: `The summarizer failed: ${errorMessage(e)}` };
    }
    const digestNote = result.digestNote !== undefined ? { digestNote: result.digestNote } : {};
    if ('summaryError' in result) {
      summaryPart = { summary: null, revisedPrompt: null, revisedPromptRationale: null, summaryError: result.summaryError, ...digestNote };
    } else {
      const summary: ScaleSummary = result.summary;
      summaryPart = { summary, revisedPrompt: result.revisedPrompt, revisedPromptRationale: result.revisedPromptRationale, ...digestNote };
    }
    rt.emit({
      type: 'summary_complete',
      runId,
      at: rt.at(),
      summary: summaryPart.summary,
      revisedPrompt: summaryPart.revisedPrompt,
      revisedPromptRationale: summaryPart.revisedPromptRationale,
      ...(summaryPart.summaryError !== undefined ? { summaryError: summaryPart.summaryError } : {}),
      ...digestNote,
    });
  }

  /** `verify`: the revised prompt on the same scenarios and seeds, inside this job, sharing its total cap. */
  async function verifyInside(evaluator: ScaleEvaluator): Promise<void> {
    const revised = summaryPart.revisedPrompt;
    if (!revised) {
      progress('No revised prompt to verify');
      return;
    }
    const before = buildReport(rt, 'running');
    const vConfig = verificationConfig(config, revised, runId);
    const child = launchScaleJob({
      config: vConfig,
      agent,
      deps: { ...deps, evaluator, signal: rt.signal },
      estimate: withoutSummarizer(estimateScale(vConfig, agent, deps.prices, (m) => deps.gateway.measuredLatencyMs(m), deps.priceProviderOf), vConfig.maxBudgetUsd),
      verifies: { runId, report: before, attach: false },
      parent: { total: budget.total, signal: rt.signal, ledger },
    });
    rt.emit({ type: 'verification_start', runId, at: rt.at(), verificationRunId: child.runId });
    const off = child.onEvent((e) => {
      if (e.type !== 'evaluation_complete') return;
      const s = child.snapshot();
      progress(`Verifying: ${s.completed}/${s.total} conversations`, { verification: { runId: child.runId, status: 'running', completed: s.completed, total: s.total } });
    });
    const final = await child.done;
    off();
    verification = verificationOf(final, before) ?? undefined;
    if (verification) rt.emit({ type: 'verification_complete', runId, at: rt.at(), verification });
  }

  const job = rt.start(async () => {
    await deps.prices.ready();
    let evaluator = deps.evaluator;
    const notes: string[] = [];
    if (!evaluator) {
      const made = await createEvaluator(config.evaluator, { ...(config.evaluatorUrl ? { url: config.evaluatorUrl } : {}), ...(deps.cwd ? { cwd: deps.cwd } : {}) });
      evaluator = made.evaluator;
      if (made.warning) notes.push(made.warning);
    }
    try {
      rt.emit({
        type: 'scale_start',
        runId,
        at: rt.at(),
        agent: { name: agent.name, file: config.agentFile },
        models,
        runs: config.runs,
        concurrency: config.concurrency,
        estimate,
        ...(plan.resume ? { resumed: true } : {}),
        ...(notes.length ? { notes } : {}),
      });
      await runConversations(evaluator);
      if (rt.signal.aborted) throw rt.signal.reason ?? new ModelError('cancelled', 'Cancelled');
      const capHit = budget.hits.find((h) => h.scope === 'total');
      if (capHit) throw new ModelError('budget', capHit.reason);
      const ran = rt.snapshot().conversations.filter((c) => c.status === 'done');
      if (ran.length > 0 && ran.every((c) => c.endedReason === 'error')) {
        // Not one conversation got through: the run failed (a wrong key or model), it did not measure the agent.
        throw new Error(`every conversation ended with an error; the first: ${ran[0]!.error ?? 'unknown error'}`);
      }

      if (!isVerification) {
        await summarizeRun();
        if (config.verify) await verifyInside(evaluator);
        if (rt.signal.aborted) throw rt.signal.reason ?? new ModelError('cancelled', 'Cancelled');
      } else {
        const v = verificationOf({ ...rt.snapshot(), status: 'completed', report: buildReport(rt, 'completed') }, plan.verifies!.report);
        if (v) rt.emit({ type: 'verification_complete', runId, at: rt.at(), verification: v });
      }
      rt.emit({ type: 'scale_complete', runId, at: rt.at(), report: buildReport(rt, 'completed') });
    } finally {
      if (!deps.evaluator) await evaluator.close?.();
    }
  });

  const done = job.done.then((final) => {
    liveJobs.delete(runId);
    // A verification started on its own attaches itself to the report it verifies, whatever its end.
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
  });
  const scaleJob: ScaleJob = { ...job, done, estimate, reused: false };
  liveJobs.set(runId, scaleJob);
  return scaleJob;
}
