// llm-rubric: one judge call per assertion per conversation. The request follows the model-role contract
// (a `<rubric>` system prompt, a `<transcript>` user message, temperature 0, the conversation's seed) and
// the reply promptfoo's `{reason, pass, score}` (the first JSON object in it). Stricter than promptfoo,
// because a judge error must never become a pass: a missing or non-boolean `pass` is ungradeable, not a
// pass; an ungradeable reply is re-asked once, then the result is `pass: null`; a failed call is
// `pass: null` too. Budget and cancellation errors are rethrown: the engine stops on them.
import { z } from 'zod';
import {
  ModelError,
  type CallOptions,
  type ChatMessage,
  type ModelGateway,
  type ModelRequest,
  type ModelResult,
} from '../../models/types';
import type { TranscriptMessage } from '../types';
import { extractJsonObjects } from './jsonAssertions';
import { renderTranscript, type CheckResult } from './transcriptParts';

/** Room for the reason and the JSON; a verdict cut at the cap is ungradeable, so be generous. */
const JUDGE_MAX_TOKENS = 1024;

export const REASK_MARKER = 'Your previous reply was not valid JSON';

export interface JudgeCall {
  gateway: ModelGateway;
  /** provider/model of the judge. */
  model: string;
  signal: AbortSignal;
  callOptions: CallOptions;
  /** Every judge call's result (re-asks included), for the cost ledger. */
  onCall(r: ModelResult): void;
  /** The conversation's seed (config seed + run index). */
  seed?: number;
}

export interface RubricInput {
  rubric: string;
  /** transcript: the whole conversation; final: the last agent reply, the rest as context. */
  scope: 'transcript' | 'final';
  messages: readonly TranscriptMessage[];
  /** As in promptfoo: pass needs score ≥ threshold too. */
  threshold?: number;
}

export function judgeSystemPrompt(rubric: string, scope: 'transcript' | 'final'): string {
  return [
    'You are the judge of a conversation between a user and an AI agent. Grade the agent against the rubric.',
    '',
    '<rubric>',
    rubric.trim(),
    '</rubric>',
    '',
    scope === 'final'
      ? "Grade only the agent's final reply (its last AGENT line); the rest of the conversation is context."
      : 'Grade the whole conversation.',
    'The transcript has one line per message: USER is the user, AGENT is the agent, TOOL is a tool the agent called, with its arguments and result.',
    'Reply with only a JSON object and no other text: {"reason": "<one or two sentences>", "pass": true or false, "score": <a number from 0 to 1>}.',
    '"pass" is true only when the rubric is met.',
  ].join('\n');
}

/** The judge's user message around a rendered transcript. */
export function judgeUserMessage(transcript: string): string {
  return `<transcript>\n${transcript}\n</transcript>`;
}

/** A judge call's request: temperature 0 and the conversation's seed, so a replay asks the same. */
export function judgeRequestOf(
  model: string,
  system: string | undefined,
  messages: ChatMessage[],
  seed?: number,
): ModelRequest {
  return {
    model,
    ...(system !== undefined ? { system } : {}),
    messages,
    temperature: 0,
    maxTokens: JUDGE_MAX_TOKENS,
    ...(seed !== undefined ? { seed } : {}),
  };
}

export function judgeRequest(model: string, input: RubricInput, seed?: number): ModelRequest {
  return judgeRequestOf(
    model,
    judgeSystemPrompt(input.rubric, input.scope),
    [{ role: 'user', content: judgeUserMessage(renderTranscript(input.messages)) }],
    seed,
  );
}

const VerdictSchema = z.looseObject({
  pass: z.boolean({ error: 'no boolean "pass"' }),
  score: z
    .number({ error: '"score" is not a number' })
    .min(0, '"score" is below 0')
    .max(1, '"score" is above 1')
    .optional(),
  reason: z.string().optional(),
});

export interface Verdict {
  pass: boolean;
  /** In [0,1]; 1 or 0 from `pass` when the judge gave none (as promptfoo). */
  score: number;
  reason: string;
}

/** The first JSON object of the reply as a verdict, or why it is not one. */
export function parseJudgeReply(text: string): { verdict: Verdict } | { problem: string } {
  const first = extractJsonObjects(text)[0];
  if (first === undefined)
    return { problem: text.trim() === '' ? 'the reply was empty' : 'no JSON object in the reply' };
  const parsed = VerdictSchema.safeParse(first);
  if (!parsed.success)
    return { problem: `the JSON object has ${parsed.error.issues.map((i) => i.message).join(', ')}` };
  const { pass, score, reason } = parsed.data;
  return { verdict: { pass, score: score ?? (pass ? 1 : 0), reason: reason?.trim() || '(no reason given)' } };
}

function reaskMessage(problem: string): string {
  return `${REASK_MARKER} (${problem}). Reply with only the JSON object {"reason": string, "pass": boolean, "score": number from 0 to 1}, nothing else.`;
}

/** Errors that must stop the run rather than become an ungradeable result. */
export function isFatal(e: unknown, signal: AbortSignal): boolean {
  return signal.aborted || (e instanceof ModelError && (e.kind === 'budget' || e.kind === 'cancelled'));
}

/**
 * Sends a judge request; re-asks once when the reply is not a verdict. `verdict` is the judge's, or
 * `problem` says why there is none (the call failed, or the reply was bad twice). Also `reply`: the last
 * reply text, for callers that hand it on (the promptfoo evaluator).
 */
export async function askJudge(
  request: ModelRequest,
  call: JudgeCall,
): Promise<{ verdict: Verdict; reply: string } | { problem: string; reply?: string }> {
  const send = async (req: ModelRequest): Promise<ModelResult | { failed: string }> => {
    try {
      const r = await call.gateway.call(req, { ...call.callOptions, signal: call.signal });
      call.onCall(r);
      return r;
    } catch (e) {
      if (isFatal(e, call.signal)) throw e;
      return { failed: e instanceof Error ? e.message : String(e) };
    }
  };
  const first = await send(request);
  if ('failed' in first) return { problem: `judge call failed: ${first.failed}` };
  const parsed = parseJudgeReply(first.text);
  if ('verdict' in parsed) return { verdict: parsed.verdict, reply: first.text };
  const messages: ChatMessage[] = [
    ...request.messages,
    { role: 'assistant', content: first.text },
    { role: 'user', content: reaskMessage(parsed.problem) },
  ];
  const second = await send({ ...request, messages });
  if ('failed' in second)
    return { problem: `judge reply was not a verdict (${parsed.problem}); the re-ask failed: ${second.failed}` };
  const again = parseJudgeReply(second.text);
  if ('verdict' in again) return { verdict: again.verdict, reply: second.text };
  return {
    problem: `judge reply not valid JSON after one re-ask (${again.problem}); it began: ${JSON.stringify(second.text.slice(0, 80))}`,
    reply: second.text,
  };
}

/** A verdict with promptfoo's threshold rule applied. */
export function verdictResult(v: Verdict, threshold?: number): CheckResult {
  if (threshold !== undefined && v.pass && v.score < threshold) {
    return {
      pass: false,
      score: v.score,
      details: `score ${v.score} is below the threshold ${threshold}: ${v.reason}`,
    };
  }
  return { pass: v.pass, score: v.score, details: v.reason };
}

/** One llm-rubric assertion on one conversation. */
export async function judgeRubric(input: RubricInput, call: JudgeCall): Promise<CheckResult> {
  const answer = await askJudge(judgeRequest(call.model, input, call.seed), call);
  if ('problem' in answer) return { pass: null, score: null, details: answer.problem };
  return verdictResult(answer.verdict, input.threshold);
}
