// Three outcomes, never two. A conversation passes when every assertion passed, fails when one failed,
// and is unscored when none failed but one could not be graded (pass: null: judge reply not JSON after a
// re-ask, judge call failed, provider safety block), or when it was cut short (a cap, a provider error,
// a cancel): a cut transcript is not the agent's behaviour, so even its failed checks are not scored as a
// regression (they stay visible in the assertion results). `max_turns` and `user_stop` are normal endings.
//
// Hallucinated tool calls (an unknown tool, or arguments that failed the schema) add HALLUCINATION to the
// tags of a graded conversation (pass or fail) without changing its outcome: the agent's assertions
// decide pass/fail; the tag makes the call show among the failure modes and feeds the summary.
import type { EndedReason, EvaluationResult, Outcome } from '../types';

const CUT: ReadonlySet<EndedReason> = new Set<EndedReason>(['budget', 'error', 'cancelled']);

export const HALLUCINATION_TAG = 'HALLUCINATION';

export function outcomeOf(
  results: readonly EvaluationResult[],
  endedReason: EndedReason,
  toolErrors = 0,
): { outcome: Outcome; failureTags: string[] } {
  if (CUT.has(endedReason)) return { outcome: 'unscored', failureTags: [] };
  const failed = results.filter((r) => r.pass === false);
  const tags = [...new Set(failed.map((r) => r.tag))];
  const outcome: Outcome = failed.length > 0 ? 'fail' : results.some((r) => r.pass !== true) ? 'unscored' : 'pass';
  if (outcome === 'unscored') return { outcome, failureTags: [] };
  if (toolErrors > 0 && !tags.includes(HALLUCINATION_TAG)) tags.push(HALLUCINATION_TAG);
  return { outcome, failureTags: tags };
}
