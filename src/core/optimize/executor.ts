// Runs one claimed rollout: the system prompt of its resources version, one model call on the input, the reward,
// and Tau's spans written as they happen (each write is a heartbeat; the first makes the attempt running).
// Spans are written when they end, as OpenTelemetry exports them, so the root runner.execute_rollout comes last
// with its true end time; spans that end at the same moment go in one write (each write is a durable commit), and
// the ones that end with the attempt are handed back in the outcome, for finishAttempt to write in its own commit.
import { randomBytes } from 'node:crypto';
import { ModelError, type ModelGateway, type ModelResult } from '../models/types';
import { scoreAnswer, type RewardResult } from './rewards';
import type { Claim, RewardSpec, RolloutStore, Span } from './types';

export interface ExecuteDeps {
  store: RolloutStore;
  gateway: ModelGateway;
  /** provider/model the agent runs on. */
  model: string;
  reward: RewardSpec;
  /** provider/model of an llm_judge reward that names none (default: `model`). */
  judgeModel?: string;
  /** Aborts the call (cancel): the executor then throws, and records nothing more. */
  signal: AbortSignal;
  /** Every model call's result (agent and judge), for the run's totals. */
  onCall?: (result: ModelResult) => void;
  /** ms since the epoch; default Date.now. */
  clock?: () => number;
  /** After each span write the store accepted (each is a heartbeat of the worker and the attempt). */
  onSpansWritten?: () => void;
}

/**
 * How the attempt ended, for finishAttempt. Succeeded means the executor did not error, whatever the reward (Tau).
 * `spans`: the spans that ended with the attempt (the root last), not yet written: finishAttempt writes them.
 */
export type ExecuteOutcome =
  | { status: 'succeeded'; reward: number; answer: string; rewardName: string; detail: string; spans: Span[] }
  | { status: 'failed'; error: string; reward: null; answer: string | null; spans: Span[] };

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

/** True for errors that mean "stop", not "this rollout failed". */
export function isStopError(e: unknown, signal: AbortSignal): boolean {
  return signal.aborted || (e instanceof ModelError && e.kind === 'cancelled');
}

function systemPromptOf(resources: Record<string, unknown>): string | undefined {
  const p = resources.system_prompt;
  return typeof p === 'string' && p.trim() !== '' ? p : undefined;
}

/**
 * Executes a claim. Throws only when the run is stopping (cancel) or the store refuses a span — AttemptLostError
 * when the watchdog took the attempt; everything else is a failed outcome. The caller ends the attempt with
 * finishAttempt(…, { …, spans: outcome.spans }).
 */
export async function executeRollout(deps: ExecuteDeps, claim: Claim): Promise<ExecuteOutcome> {
  const clock = deps.clock ?? Date.now;
  const iso = (ms: number) => new Date(ms).toISOString();
  const { rollout, attempt } = claim;
  const traceId = hex(16);
  const rootId = hex(8);
  const rootStart = clock();
  const span = (
    name: string,
    attributes: Record<string, unknown>,
    start: number,
    end = clock(),
    parent: string | null = rootId,
    spanId = hex(8),
  ): Span => ({
    rollout_id: rollout.rollout_id,
    attempt_id: attempt.attempt_id,
    sequence_id: attempt.sequence_id,
    trace_id: traceId,
    span_id: spanId,
    parent_id: parent,
    name,
    attributes,
    events: [],
    start_time: iso(start),
    end_time: iso(end),
  });
  const emit = async (...spans: Span[]) => {
    await deps.store.addSpans(attempt.attempt_id, spans);
    deps.onSpansWritten?.();
  };
  const root = (attributes: Record<string, unknown>) =>
    span(
      'runner.execute_rollout',
      {
        rollout_id: rollout.rollout_id,
        attempt_id: attempt.attempt_id,
        mode: rollout.mode,
        resources_id: rollout.resources_id,
        ...attributes,
      },
      rootStart,
      clock(),
      null,
      rootId,
    );
  /** The failed outcome, with the spans that ended with the failure and the root. */
  const fail = (error: string, answer: string | null, ...last: Span[]): ExecuteOutcome => ({
    status: 'failed',
    error,
    reward: null,
    answer,
    spans: [...last, root({ status: 'failed', error })],
  });

  const resources = await deps.store.getResources(rollout.resources_id);
  const system = resources ? systemPromptOf(resources.resources) : undefined;
  const start = span(
    'agent.start',
    { model: deps.model, resources_id: rollout.resources_id, resources_version: resources?.version ?? null },
    rootStart,
  );
  if (!resources) return fail(`resources '${rollout.resources_id}' are not in the store`, null, start);

  const prompt = rollout.input.prompt;
  const userAt = clock();
  await emit(start, span('message.added', { role: 'user', text: prompt }, userAt, userAt));

  const turnStart = clock();
  let result: ModelResult;
  try {
    result = await deps.gateway.call(
      { model: deps.model, ...(system !== undefined ? { system } : {}), messages: [{ role: 'user', content: prompt }] },
      { signal: deps.signal, cache: false },
    );
  } catch (e) {
    if (isStopError(e, deps.signal)) throw e;
    const message = e instanceof Error ? e.message : String(e);
    return fail(
      message,
      null,
      span(
        'agent.turn.1',
        {
          turn: 1,
          request_duration_ms: clock() - turnStart,
          usage: null,
          finish_reason: 'error',
          tool_results: [],
          error: message,
        },
        turnStart,
      ),
    );
  }
  deps.onCall?.(result);
  const turnEnd = clock();
  const answer = result.text;
  await emit(
    span(
      'agent.turn.1',
      {
        turn: 1,
        request_duration_ms: result.latencyMs,
        usage: {
          input_tokens: result.usage.inputTokens,
          output_tokens: result.usage.outputTokens,
          cached_input_tokens: result.usage.cachedInputTokens,
          total_tokens: result.usage.inputTokens + result.usage.outputTokens,
        },
        finish_reason: result.toolCalls.length > 0 ? 'tool_calls' : 'stop',
        tool_results: [],
        cost_usd: result.costUsd,
      },
      turnStart,
      turnEnd,
    ),
    span('message.added', { role: 'assistant', text: answer }, turnEnd, turnEnd),
    span('agent.end', { new_messages: 2 }, turnEnd),
  );

  const rewardStart = clock();
  let scored: RewardResult;
  try {
    scored = await scoreAnswer(deps.reward, answer, rollout.input, {
      gateway: deps.gateway,
      model: deps.judgeModel ?? deps.model,
      signal: deps.signal,
      ...(deps.onCall ? { onCall: deps.onCall } : {}),
    });
  } catch (e) {
    if (isStopError(e, deps.signal)) throw e;
    return fail(`the reward could not be computed: ${e instanceof Error ? e.message : String(e)}`, answer);
  }
  const spans = [
    span(
      'reward.emit',
      {
        reward_name: scored.name,
        reward_value: scored.value,
        rewards: { [scored.name]: scored.value },
        detail: scored.detail,
      },
      rewardStart,
    ),
    root({ status: 'succeeded', reward: scored.value }),
  ];
  return { status: 'succeeded', reward: scored.value, answer, rewardName: scored.name, detail: scored.detail, spans };
}
