// Scoring one answer as BFCL does: per call the right tool, required parameters present, nothing
// outside the schema, JSON Schema types (an integer is a number), then values; several calls match
// one-to-one in any order. Every failure has a typed reason and a detail precise enough to act on
// (it feeds reflective mutation).
import type { ToolCall, ToolSpec } from '../models/types';
import { describeExpected, isAbsentMatcher, isPlainObject, matchValue, showValue } from './matchers';
import type { ExpectedCall, SuiteCase } from './suiteSchema';

export type FailureReason =
  | 'no_call'
  | 'unexpected_call'
  | 'wrong_tool'
  | 'missing_arg'
  | 'unexpected_arg'
  | 'type_error'
  | 'value_error'
  | 'invalid_json'
  | 'call_count';

export interface CaseScore {
  pass: boolean;
  /** The first failure in BFCL order; null when the case passed. */
  reason: FailureReason | null;
  /** Every problem found, `; `-separated, starting with the one `reason` names; null when passed. */
  detail: string | null;
}

const PASS: CaseScore = { pass: true, reason: null, detail: null };

/** Order of checks within one call: the first that fails names the reason. */
const CALL_CHECK_ORDER: FailureReason[] = [
  'wrong_tool',
  'invalid_json',
  'missing_arg',
  'unexpected_arg',
  'type_error',
  'value_error',
];

interface Problem {
  reason: FailureReason;
  detail: string;
}

function showCall(call: ToolCall): string {
  const args = call.arguments === undefined ? call.rawArguments : JSON.stringify(call.arguments);
  const text = `${call.name}(${args})`;
  return text.length > 120 ? `${text.slice(0, 117)}…` : text;
}

/** Whether `value` has JSON Schema type `type`; an integer counts as a number. */
export function hasJsonType(value: unknown, type: string): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'null':
      return value === null;
    case 'array':
      return Array.isArray(value);
    case 'object':
      return isPlainObject(value);
    default:
      return true;
  }
}

function typeOfValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

/** All problems of one actual call against one expected call, in check order. */
function checkCall(expected: ExpectedCall, call: ToolCall, tools: ReadonlyMap<string, ToolSpec>): Problem[] {
  if (call.name !== expected.tool) {
    return [{ reason: 'wrong_tool', detail: `expected a call to ${expected.tool}, got ${showCall(call)}` }];
  }
  if (call.arguments === undefined) {
    return [
      {
        reason: 'invalid_json',
        detail: `${call.name}: arguments are not valid JSON (${call.argumentsError ?? 'unparseable'}): ${showValue(call.rawArguments)}`,
      },
    ];
  }
  const args = call.arguments;
  const schema = tools.get(call.name)?.parameters ?? {};
  const props = isPlainObject(schema.properties) ? schema.properties : {};
  const required = Array.isArray(schema.required)
    ? schema.required.filter((r): r is string => typeof r === 'string')
    : [];
  const open = schema.additionalProperties === true || isPlainObject(schema.additionalProperties);
  const problems: Problem[] = [];

  const mustBePresent = new Set([
    ...required,
    ...Object.keys(expected.args).filter((n) => !isAbsentMatcher(expected.args[n])),
  ]);
  for (const name of mustBePresent) {
    if (name in args) continue;
    const why = [
      required.includes(name) ? 'required' : '',
      name in expected.args ? `expected ${describeExpected(expected.args[name])}` : '',
    ]
      .filter(Boolean)
      .join(', ');
    problems.push({ reason: 'missing_arg', detail: `args.${name}: missing (${why})` });
  }
  for (const name of Object.keys(args)) {
    if (!(name in props) && !open) {
      problems.push({
        reason: 'unexpected_arg',
        detail: `args.${name}: not a parameter of ${call.name} (got ${showValue(args[name])})`,
      });
    }
  }
  const mistyped = new Set<string>();
  for (const [name, value] of Object.entries(args)) {
    const prop = props[name];
    if (!isPlainObject(prop) || prop.type === undefined) continue;
    const types = (Array.isArray(prop.type) ? prop.type : [prop.type]).filter(
      (t): t is string => typeof t === 'string',
    );
    if (types.length > 0 && !types.some((t) => hasJsonType(value, t))) {
      mistyped.add(name);
      problems.push({
        reason: 'type_error',
        detail: `args.${name}: expected ${types.join(' or ')}, got ${typeOfValue(value)} ${showValue(value)}`,
      });
    }
  }
  for (const [name, want] of Object.entries(expected.args)) {
    // A wrongly typed value was already reported; its value mismatch would only repeat it.
    if (!(name in args) || mistyped.has(name)) continue;
    const mismatch = matchValue(want, args[name], `args.${name}`);
    if (mismatch) problems.push({ reason: 'value_error', detail: mismatch });
  }
  return problems.sort((a, b) => CALL_CHECK_ORDER.indexOf(a.reason) - CALL_CHECK_ORDER.indexOf(b.reason));
}

function toScore(problems: Problem[], prefix = ''): CaseScore {
  if (problems.length === 0) return PASS;
  return { pass: false, reason: problems[0]!.reason, detail: problems.map((p) => prefix + p.detail).join('; ') };
}

/** Maximum one-to-one matching of expected to actual calls (Kuhn's augmenting paths; n is small). */
function maxMatching(ok: boolean[][], nActual: number): (number | undefined)[] {
  const ownerOfActual: (number | undefined)[] = new Array<number | undefined>(nActual).fill(undefined);
  const tryAssign = (e: number, seen: boolean[]): boolean => {
    for (let a = 0; a < nActual; a += 1) {
      if (!ok[e]![a] || seen[a]) continue;
      seen[a] = true;
      const owner = ownerOfActual[a];
      if (owner === undefined || tryAssign(owner, seen)) {
        ownerOfActual[a] = e;
        return true;
      }
    }
    return false;
  };
  ok.forEach((_, e) => tryAssign(e, new Array<boolean>(nActual).fill(false)));
  const matchOfExpected: (number | undefined)[] = new Array<number | undefined>(ok.length).fill(undefined);
  ownerOfActual.forEach((e, a) => {
    if (e !== undefined) matchOfExpected[e] = a;
  });
  return matchOfExpected;
}

/** Scores the model's answer to one case. `tools` are the suite's tools (for schemas). */
export function scoreCase(
  testCase: Pick<SuiteCase, 'expect'>,
  toolCalls: ToolCall[],
  text: string,
  tools: readonly ToolSpec[] | ReadonlyMap<string, ToolSpec>,
): CaseScore {
  const toolMap = tools instanceof Map ? tools : new Map((tools as readonly ToolSpec[]).map((t) => [t.name, t]));
  const expect = testCase.expect;
  if (expect.kind === 'noToolCall') {
    if (toolCalls.length === 0) return PASS;
    return {
      pass: false,
      reason: 'unexpected_call',
      detail: `expected no tool call, got ${toolCalls.map(showCall).join(', ')}`,
    };
  }
  const expected = expect.calls;
  if (toolCalls.length === 0) {
    const said = text.trim() ? `; the model answered with text: ${showValue(text.trim())}` : '';
    return {
      pass: false,
      reason: 'no_call',
      detail: `expected a call to ${expected.map((c) => c.tool).join(', ')}, got no tool call${said}`,
    };
  }
  if (toolCalls.length !== expected.length) {
    return {
      pass: false,
      reason: 'call_count',
      detail: `expected ${expected.length} call(s) (${expected.map((c) => c.tool).join(', ')}), got ${toolCalls.length}: ${toolCalls.map(showCall).join(', ')}`,
    };
  }
  if (expected.length === 1) return toScore(checkCall(expected[0]!, toolCalls[0]!, toolMap));

  const problems = expected.map((e) => toolCalls.map((a) => checkCall(e, a, toolMap)));
  const ok = problems.map((row) => row.map((p) => p.length === 0));
  const match = maxMatching(ok, toolCalls.length);
  const unmatchedExpected = match.map((a, e) => (a === undefined ? e : -1)).filter((e) => e >= 0);
  if (unmatchedExpected.length === 0) return PASS;
  const used = new Set(match.filter((a): a is number => a !== undefined));
  const freeActual = toolCalls.map((_, a) => a).filter((a) => !used.has(a));
  // Explain the first unmatched expected call by its closest free actual call: same tool if any.
  const e = unmatchedExpected[0]!;
  const sameTool = freeActual.find((a) => toolCalls[a]!.name === expected[e]!.tool);
  const a = sameTool ?? freeActual[0]!;
  return toScore(problems[e]![a]!, `calls[${e}] ${expected[e]!.tool}: `);
}
