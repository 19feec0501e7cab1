// The http evaluator: the seed's contract for DeepEval/TruLens workers. Each conversation is
// `POST {url}/eval` with `{conversationId, transcript, goal, endedReason}` (transcript: our
// TranscriptMessage[]), answered `{results: EvaluationResult[]}` and validated with zod. At creation a
// probe (the same POST, for conversation "prompt-tuner-probe" with an empty transcript) must get a valid
// answer, else the built-in evaluator is used with a warning. A failure later (unreachable, non-2xx,
// timeout, a bad payload, no results) grades that conversation `pass: null`: never a pass. The worker's
// own model calls are outside Prompt Tuner's budget and ledger.
import { ModelError } from '../../models/types';
import type { EvaluationResult } from '../types';
import type { EvaluatorOptions, GradeContext, GradeInput, ScaleEvaluator } from './evaluator';
import { ExternalReplySchema, fromExternal, issuesLine, ungradedResult } from './externalResults';

const PROBE_TIMEOUT_MS = 5000;
const DEFAULT_TIMEOUT_MS = 60_000;
export const PROBE_CONVERSATION_ID = 'prompt-tuner-probe';

type Posted = { results: EvaluationResult[] } | { failed: string };

async function postEval(endpoint: string, body: unknown, timeoutMs: number, signal?: AbortSignal): Promise<Posted> {
  const signals = [AbortSignal.timeout(timeoutMs), ...(signal ? [signal] : [])];
  let res: Response;
  try {
    res = await fetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.any(signals),
    });
  } catch (e) {
    if (signal?.aborted) throw new ModelError('cancelled', 'the run was cancelled');
    const why = e instanceof Error && e.name === 'TimeoutError' ? `no answer in ${timeoutMs} ms` : unreachable(e);
    return { failed: `${endpoint}: ${why}` };
  }
  const text = await res.text().catch(() => '');
  if (!res.ok) return { failed: `${endpoint} answered HTTP ${res.status}${text ? `: ${text.slice(0, 120)}` : ''}` };
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return { failed: `${endpoint} answered something that is not JSON: ${JSON.stringify(text.slice(0, 80))}` };
  }
  const parsed = ExternalReplySchema.safeParse(data);
  if (!parsed.success)
    return {
      failed: `${endpoint} answered an invalid payload (${issuesLine(parsed.error)}); expected {"results": [{"assertion", "pass", "score", "details"}]}`,
    };
  return { results: parsed.data.results.map(fromExternal) };
}

function unreachable(e: unknown): string {
  const cause =
    e instanceof Error && e.cause instanceof Error ? e.cause.message : e instanceof Error ? e.message : String(e);
  return `unreachable (${cause})`;
}

export function evalEndpoint(url: string): string {
  return `${url.replace(/\/+$/, '')}/eval`;
}

export async function createHttpEvaluator(
  options: EvaluatorOptions,
): Promise<{ evaluator: ScaleEvaluator } | { unavailable: string }> {
  if (!options.url) return { unavailable: 'the http evaluator needs a URL (--evaluator-url)' };
  let endpoint: string;
  try {
    endpoint = evalEndpoint(new URL(options.url).toString());
  } catch {
    return { unavailable: `the http evaluator URL is not a URL: ${JSON.stringify(options.url)}` };
  }
  const probe = await postEval(
    endpoint,
    { conversationId: PROBE_CONVERSATION_ID, transcript: [], goal: '', endedReason: 'user_stop' },
    Math.min(PROBE_TIMEOUT_MS, options.timeoutMs ?? PROBE_TIMEOUT_MS),
  );
  if ('failed' in probe) return { unavailable: `the http evaluator is unavailable: ${probe.failed}` };
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  return {
    evaluator: {
      kind: 'http',
      async grade(input: GradeInput, ctx: GradeContext): Promise<EvaluationResult[]> {
        const body = {
          conversationId: input.conversationId,
          transcript: input.messages,
          goal: input.goal,
          endedReason: input.endedReason,
        };
        const r = await postEval(endpoint, body, timeoutMs, ctx.signal);
        if ('failed' in r) return [ungradedResult('http evaluator', `could not be graded: ${r.failed}`)];
        if (r.results.length === 0)
          return [ungradedResult('http evaluator', `could not be graded: ${endpoint} returned no results`)];
        return r.results;
      },
    },
  };
}
