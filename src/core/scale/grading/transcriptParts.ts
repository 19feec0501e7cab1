// What an assertion looks at: the rendered transcript the judge reads (one `[turn N] ROLE: …` line per
// message), or the agent's replies picked by the assertion's scope. Scopes that look at several replies
// combine the per-reply results here, so every evaluator (built-in, promptfoo) combines them alike.
import type { AssertionScope } from '../../agents/agentSchema';
import type { TranscriptMessage } from '../types';

/** A tool result longer than this is cut in the rendered transcript (the judge needs its gist, not all of it). */
const TOOL_RESULT_CHARS = 1000;

/** The transcript as the judge (and a transcript-scoped text check) sees it. */
export function renderTranscript(messages: readonly TranscriptMessage[]): string {
  const lines: string[] = [];
  for (const m of messages) {
    const at = `[turn ${m.turn}]`;
    if (m.role === 'user') lines.push(`${at} USER: ${indentContinuation(m.content)}`);
    else if (m.role === 'tool') lines.push(`${at} TOOL ${indentContinuation(m.content)}`);
    else {
      if (m.content.trim() !== '' || !m.toolCalls?.length) lines.push(`${at} AGENT: ${indentContinuation(m.content)}`);
      for (const call of m.toolCalls ?? []) {
        const args = call.arguments === null ? '(arguments not valid JSON)' : JSON.stringify(call.arguments);
        lines.push(`${at} TOOL ${call.name} ${args} -> ${indentContinuation(cut(call.result, TOOL_RESULT_CHARS))}`);
      }
    }
  }
  return lines.join('\n');
}

/** Later lines of a multi-line message are indented, so every line that starts with `[turn` starts a message. */
function indentContinuation(text: string): string {
  return text.replace(/\r?\n/g, '\n  ');
}

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length - max} more characters)`;
}

/** One piece of text a check runs on; `turn` when it is one agent reply. */
export interface Part {
  text: string;
  turn?: number;
}

/**
 * The agent's replies: assistant messages with text, and replies left empty (an empty reply counts, as in
 * promptfoo's is-refusal). A message that only made tool calls is a step, not a reply, and is skipped.
 */
export function agentReplies(messages: readonly TranscriptMessage[]): Part[] {
  return messages
    .filter((m) => m.role === 'assistant' && (m.content.trim() !== '' || !m.toolCalls?.length))
    .map((m) => ({ text: m.content, turn: m.turn }));
}

/** The parts a scope looks at; an agent that never replied is checked as one empty reply. */
export function partsFor(scope: AssertionScope, messages: readonly TranscriptMessage[]): Part[] {
  if (scope === 'transcript') return [{ text: renderTranscript(messages) }];
  const replies = agentReplies(messages);
  if (replies.length === 0) return [{ text: '' }];
  return scope === 'final' ? [replies[replies.length - 1]!] : replies;
}

/** A check's verdict on one part, or on the whole assertion. `pass: null` = could not be graded. */
export interface CheckResult {
  pass: boolean | null;
  score: number | null;
  details: string;
  turn?: number;
}

/**
 * `each`: every part passes (a failure wins over a part that could not be graded); `any`: one part passes;
 * `final` / `transcript`: the one part. Details name the turn that decided it.
 */
export function combineParts(
  scope: AssertionScope,
  parts: readonly Part[],
  results: readonly CheckResult[],
): CheckResult {
  const items = parts.map((part, i) => ({ part, result: results[i]! }));
  const where = (p: Part) => (p.turn !== undefined ? `turn ${p.turn}: ` : '');
  const withTurn = (r: CheckResult, p: Part): CheckResult => ({
    ...r,
    details: `${where(p)}${r.details}`,
    ...(p.turn !== undefined ? { turn: p.turn } : {}),
  });
  if (items.length === 1) return withTurn(items[0]!.result, items[0]!.part);
  const failed = items.filter((x) => x.result.pass === false);
  const ungraded = items.filter((x) => x.result.pass === null);
  const passed = items.filter((x) => x.result.pass === true);
  const n = items.length;
  if (scope === 'any') {
    if (passed.length > 0)
      return withTurn({ pass: true, score: 1, details: passed[0]!.result.details }, passed[0]!.part);
    if (ungraded.length > 0)
      return withTurn({ pass: null, score: null, details: ungraded[0]!.result.details }, ungraded[0]!.part);
    return {
      pass: false,
      score: 0,
      details: `none of the ${n} agent replies passed; ${where(failed[0]!.part)}${failed[0]!.result.details}`,
      ...turnOf(failed[0]!.part),
    };
  }
  if (failed.length > 0) {
    const first = failed[0]!;
    return {
      pass: false,
      score: 0,
      details: `${failed.length} of ${n} agent replies failed; first ${where(first.part)}${first.result.details}`,
      ...turnOf(first.part),
    };
  }
  if (ungraded.length > 0)
    return withTurn({ pass: null, score: null, details: ungraded[0]!.result.details }, ungraded[0]!.part);
  return { pass: true, score: 1, details: `all ${n} agent replies passed` };
}

function turnOf(p: Part): { turn?: number } {
  return p.turn !== undefined ? { turn: p.turn } : {};
}
