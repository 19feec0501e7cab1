// Evaluating one prompt on a suite: every case × model (× repeat) through the gateway at once (the
// gateway queues and throttles), scored as each answer arrives.
import { setMaxListeners } from 'node:events';
import {
  ModelError,
  type ModelGateway,
  type ModelRequest,
  type ModelResult,
  type ToolCall,
  type Usage,
} from '../models/types';
import { scoreCase, type FailureReason } from './scoreCase';
import type { Suite, SuiteCase } from './suiteSchema';

export type { FailureReason } from './scoreCase';

/** The outcome of one case on one model (one repeat). */
export interface CaseResult {
  caseId: string;
  /** `provider/model` the case ran on. */
  model: string;
  /** 0-based repeat index (0 when not repeating). */
  repeat: number;
  pass: boolean;
  /** Typed reason of the failure; null when passed. */
  reason: FailureReason | null;
  /** What exactly went wrong, e.g. `args.date: expected "2026-12-05", got "December 5"`; null when passed. */
  detail: string | null;
  /** The calls the model made, in order. */
  toolCalls: ToolCall[];
  /** The model's text output. */
  text: string;
  /** Wall time of the call in ms (0 for a cache hit). */
  latencyMs: number;
  usage: Usage;
  /** USD; null when the model's price is unknown. */
  costUsd: number | null;
  /** Served from the response cache. */
  cached: boolean;
  /** For a cache hit: when the provider call that made the answer happened (ISO time). */
  cachedAt?: string;
}

export interface EvalSummary {
  /** passed / (cases × models × repeats). */
  score: number;
  perModel: { model: string; score: number; passed: number; total: number }[];
  /** In suite order, then model order, then repeat. */
  cases: CaseResult[];
  /** Calls answered by a provider (not cache hits). */
  calls: number;
  cacheHits: number;
  /** Summed usage of provider calls (cache hits cost nothing). */
  usage: Usage;
  /** Summed cost of provider calls whose price is known. */
  costUsd: number;
  /** True when some provider call had an unknown price, so `costUsd` is a lower bound. */
  costIncomplete: boolean;
  /** With repeat K > 1: fraction of case × model pairs where all K repeats passed (τ-bench pass^k). */
  passHatK?: number;
}

export interface EvaluateOptions {
  suite: Suite;
  /** The system prompt under test. */
  prompt: string;
  /** `provider/model` ids; every case runs on each. */
  models: string[];
  gateway: ModelGateway;
  /** Only these cases (e.g. a training split); all when absent. */
  caseIds?: string[];
  /** Runs every case K times (default 1). Repeats after the first bypass the cache so they are real tries. */
  repeat?: number;
  /** Use the response cache for the first try of each case (default true). */
  cache?: boolean;
  signal?: AbortSignal;
  /** Called as each case finishes, in completion order. */
  onResult?: (result: CaseResult) => void;
}

const ZERO_USAGE: Usage = { inputTokens: 0, outputTokens: 0, cachedInputTokens: 0 };

/** The request a case sends: the prompt as system message, the case's conversation, the suite's tools. */
export function caseRequest(suite: Suite, testCase: SuiteCase, prompt: string, model: string): ModelRequest {
  return {
    model,
    ...(prompt.trim() ? { system: prompt } : {}),
    messages: testCase.messages,
    tools: suite.tools,
  };
}

function selectCases(suite: Suite, caseIds: string[] | undefined): SuiteCase[] {
  if (!caseIds) return suite.cases;
  const byId = new Map(suite.cases.map((c) => [c.id, c]));
  const unknown = caseIds.filter((id) => !byId.has(id));
  if (unknown.length > 0) throw new Error(`${suite.file}: unknown case id(s): ${unknown.join(', ')}`);
  const wanted = new Set(caseIds);
  return suite.cases.filter((c) => wanted.has(c.id));
}

function cancelledError(signal: AbortSignal): ModelError {
  const reason = signal.reason instanceof Error ? signal.reason.message : 'the evaluation was cancelled';
  return new ModelError('cancelled', reason);
}

/** Folds finished results into the summary; also used for partial results after a failure. */
export function summarize(results: CaseResult[], models: string[], caseOrder: string[], repeat: number): EvalSummary {
  const caseIndex = new Map(caseOrder.map((id, i) => [id, i]));
  const modelIndex = new Map(models.map((m, i) => [m, i]));
  const cases = [...results].sort(
    (a, b) =>
      (caseIndex.get(a.caseId) ?? 0) - (caseIndex.get(b.caseId) ?? 0) ||
      (modelIndex.get(a.model) ?? 0) - (modelIndex.get(b.model) ?? 0) ||
      a.repeat - b.repeat,
  );
  const passed = cases.filter((r) => r.pass).length;
  const perModel = models.map((model) => {
    const mine = cases.filter((r) => r.model === model);
    const ok = mine.filter((r) => r.pass).length;
    return { model, score: mine.length ? ok / mine.length : 0, passed: ok, total: mine.length };
  });
  const usage = { ...ZERO_USAGE };
  let costUsd = 0;
  let costIncomplete = false;
  for (const r of cases) {
    if (r.cached) continue;
    usage.inputTokens += r.usage.inputTokens;
    usage.outputTokens += r.usage.outputTokens;
    usage.cachedInputTokens += r.usage.cachedInputTokens;
    if (r.costUsd === null) costIncomplete = true;
    else costUsd += r.costUsd;
  }
  const summary: EvalSummary = {
    score: cases.length ? passed / cases.length : 0,
    perModel,
    cases,
    calls: cases.filter((r) => !r.cached).length,
    cacheHits: cases.filter((r) => r.cached).length,
    usage,
    costUsd,
    costIncomplete,
  };
  if (repeat > 1) {
    const groups = new Map<string, boolean>();
    for (const r of cases) {
      const key = `${r.caseId}\u0000${r.model}`;
      groups.set(key, (groups.get(key) ?? true) && r.pass);
    }
    const all = [...groups.values()];
    summary.passHatK = all.length ? all.filter(Boolean).length / all.length : 0;
  }
  return summary;
}

/**
 * Runs the prompt on every selected case × model × repeat. Rejects with the first ModelError (after
 * cancelling the calls still running); results finished before that were already passed to onResult.
 * A 'budget' error is different: the calls already running finish and are reported, then it rejects.
 */
export function evaluatePrompt(opts: EvaluateOptions): Promise<EvalSummary> {
  const repeat = opts.repeat ?? 1;
  if (!Number.isInteger(repeat) || repeat < 1)
    return Promise.reject(new Error(`repeat: expected a whole number ≥ 1, got ${repeat}`));
  if (opts.models.length === 0) return Promise.reject(new Error('models: give at least one model id'));
  let cases: SuiteCase[];
  try {
    cases = selectCases(opts.suite, opts.caseIds);
  } catch (e) {
    return Promise.reject(e);
  }
  if (opts.signal?.aborted) return Promise.reject(cancelledError(opts.signal));
  if (cases.length === 0) return Promise.resolve(summarize([], opts.models, [], repeat));

  const controller = new AbortController();
  // Every call listens on this one signal; hundreds of calls are normal.
  setMaxListeners(0, controller.signal);
  const toolMap = new Map(opts.suite.tools.map((t) => [t.name, t]));
  const results: CaseResult[] = [];
  const useCache = opts.cache ?? true;

  return new Promise<EvalSummary>((resolve, reject) => {
    let settled = false;
    let pending = cases.length * opts.models.length * repeat;
    // A budget stop lets the calls already running finish (they are paid for) and then rejects.
    let budgetError: ModelError | undefined;
    const onAbort = () => fail(cancelledError(opts.signal!));
    const finish = () => {
      opts.signal?.removeEventListener('abort', onAbort);
    };
    function fail(error: unknown): void {
      if (settled) return;
      settled = true;
      finish();
      controller.abort(error instanceof Error ? error : new Error(String(error)));
      reject(error);
    }
    function settleOne(): void {
      pending -= 1;
      if (pending > 0 || settled) return;
      if (budgetError) return fail(budgetError);
      settled = true;
      finish();
      resolve(
        summarize(
          results,
          opts.models,
          cases.map((c) => c.id),
          repeat,
        ),
      );
    }
    function onCallError(error: unknown): void {
      if (error instanceof ModelError && error.kind === 'budget' && !opts.signal?.aborted) {
        budgetError ??= error;
        settleOne();
      } else fail(error);
    }
    opts.signal?.addEventListener('abort', onAbort, { once: true });

    const record = (testCase: SuiteCase, model: string, r: number, res: ModelResult) => {
      if (settled) return;
      const score = scoreCase(testCase, res.toolCalls, res.text, toolMap);
      const result: CaseResult = {
        caseId: testCase.id,
        model,
        repeat: r,
        pass: score.pass,
        reason: score.reason,
        detail: score.detail,
        toolCalls: res.toolCalls,
        text: res.text,
        latencyMs: res.latencyMs,
        usage: res.usage,
        costUsd: res.costUsd,
        cached: res.cached,
        ...(res.cachedAt !== undefined ? { cachedAt: res.cachedAt } : {}),
      };
      results.push(result);
      try {
        opts.onResult?.(result);
      } catch (e) {
        fail(e);
        return;
      }
      settleOne();
    };

    for (const testCase of cases) {
      for (const model of opts.models) {
        for (let r = 0; r < repeat; r += 1) {
          const request = caseRequest(opts.suite, testCase, opts.prompt, model);
          let call: Promise<ModelResult>;
          try {
            // Each repeat is a sample of its own: it has its own cache entry, never repeat 1's answer again.
            call = opts.gateway.call(request, { signal: controller.signal, cache: useCache, repeat: r + 1 });
          } catch (e) {
            fail(e);
            return;
          }
          call.then(
            (res) => {
              try {
                record(testCase, model, r, res);
              } catch (e) {
                fail(e);
              }
            },
            (e: unknown) => onCallError(e),
          );
        }
      }
    }
  });
}
