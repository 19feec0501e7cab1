// The assertion types by name (promptfoo's names and semantics): what each checks, the scope it uses when
// the agent file names none, and the failure tag it records when the assertion has no `tag`.
//
// | type           | default scope | other scopes            | default tag       | checks (per part)                              |
// |----------------|---------------|-------------------------|-------------------|------------------------------------------------|
// | llm-rubric     | transcript    | final                   | ASSERTION_FAILED  | the judge: {reason, pass, score} (judge.ts)    |
// | contains       | any           | each, final, transcript | ASSERTION_FAILED  | substring, case-sensitive                      |
// | icontains      | any           | each, final, transcript | ASSERTION_FAILED  | substring, any case                            |
// | not-contains   | each          | any, final, transcript  | ASSERTION_FAILED  | no such substring                              |
// | regex          | each          | any, final, transcript  | ASSERTION_FAILED  | new RegExp(value).test(reply)                  |
// | is-json        | each          | any, final              | FORMAT_ERROR      | JSON.parse(reply) works (+ JSON Schema value)  |
// | contains-json  | any           | each, final             | FORMAT_ERROR      | a JSON object inside the reply (+ schema)      |
// | is-refusal     | any           | each, final             | NO_REFUSAL        | promptfoo's refusal phrases; empty = refusal   |
// | not-is-refusal | each          | any, final              | REFUSAL           | the opposite                                   |
//
// Scopes: transcript = the rendered conversation (every role, as the judge reads it); each = every agent
// reply passes; any = one does; final = the last one. The default and allowed scopes are the agent
// schema's ASSERTION_SCOPES_BY_TYPE (checked at load); llm-rubric's `final` tells the judge to grade the
// last reply with the rest as context, so it stays one judge call.
import { defaultScope, type AgentAssertion, type AssertionScope, type AssertionType } from '../../agents/agentSchema';
import { containsJson, isJson } from './jsonAssertions';
import { isRefusal, notIsRefusal } from './refusal';
import { contains, icontains, notContains, regex } from './textAssertions';
import type { CheckResult } from './transcriptParts';

export type TextAssertionType = Exclude<AssertionType, 'llm-rubric'>;

export interface AssertionEntry {
  /** Tag recorded when an assertion of this type fails and names no tag. */
  defaultTag: string;
  /** Checks one part (an agent reply, or the rendered transcript); absent for llm-rubric (the judge). */
  check?: (output: string, value: unknown) => CheckResult;
}

export const ASSERTION_REGISTRY: Readonly<Record<AssertionType, AssertionEntry>> = {
  'llm-rubric': { defaultTag: 'ASSERTION_FAILED' },
  contains: { defaultTag: 'ASSERTION_FAILED', check: contains },
  icontains: { defaultTag: 'ASSERTION_FAILED', check: icontains },
  'not-contains': { defaultTag: 'ASSERTION_FAILED', check: notContains },
  regex: { defaultTag: 'ASSERTION_FAILED', check: regex },
  'is-json': { defaultTag: 'FORMAT_ERROR', check: isJson },
  'contains-json': { defaultTag: 'FORMAT_ERROR', check: containsJson },
  'is-refusal': { defaultTag: 'NO_REFUSAL', check: (o) => isRefusal(o) },
  'not-is-refusal': { defaultTag: 'REFUSAL', check: (o) => notIsRefusal(o) },
};

/** An assertion as the graders run it: the agent file's, or a built-in with its label. */
export interface ScaleAssertion extends AgentAssertion {
  /** Stable label in results and judge stats (built-ins: "llm-rubric: goal adherence"). */
  label?: string;
  /** Built-in refusal check: replies the heuristic is unsure about go to the judge. */
  judgeWhenUnsure?: boolean;
}

export function scopeOf(a: AgentAssertion): AssertionScope {
  return a.scope ?? defaultScope(a.type);
}

export function tagOf(a: AgentAssertion): string {
  return a.tag ?? ASSERTION_REGISTRY[a.type].defaultTag;
}

/** "not-contains: **", "llm-rubric: The agent confirms…", "is-json (schema)"; a non-default scope is named. */
export function labelOf(a: ScaleAssertion): string {
  if (a.label !== undefined) return a.label;
  const value =
    typeof a.value === 'string'
      ? `: ${a.value.length > 60 ? `${a.value.slice(0, 59)}…` : a.value}`
      : a.value !== undefined
        ? ' (schema)'
        : '';
  const scope = a.scope !== undefined && a.scope !== defaultScope(a.type) ? ` [${a.scope}]` : '';
  return `${a.type}${value}${scope}`;
}
