// The instructions a system prompt can state to switch off the simulated target model's quirks.
// Each rule is one sentence; the model obeys it when any of its triggers matches the system prompt,
// so paraphrases that hit a trigger work too.

import type { FailureReason } from '../../src/core/suites/scoreCase';

/** Typed failure reasons, as the suites' evaluator names them (a type-only import: nothing of src runs here). */
export type SimFailureReason = FailureReason;

export const FAILURE_REASONS: readonly SimFailureReason[] = [
  'no_call',
  'unexpected_call',
  'wrong_tool',
  'missing_arg',
  'unexpected_arg',
  'type_error',
  'value_error',
  'invalid_json',
  'call_count',
];

export type SimRuleId = 'abstain' | 'iso_dates' | 'json_types' | 'schema_only' | 'all_calls';

export interface SimRule {
  /** Stable id of the rule. */
  id: SimRuleId;
  /** The canonical instruction sentence (what the simulated meta model adds). */
  sentence: string;
  /** The model follows the rule when any of these matches its system prompt. */
  triggers: RegExp[];
  /** Failure reasons this rule removes from the cases it concerns. */
  fixes: SimFailureReason[];
  /** What the model does wrong without the rule. */
  quirk: string;
}

export const SIM_RULES: readonly SimRule[] = [
  {
    id: 'abstain',
    sentence:
      'Only call a tool when the user asks for something a tool can do; for greetings, thanks or small talk, reply in plain text without calling any tool.',
    triggers: [
      /only call a tool when/i,
      /without calling (a|any) tools?/i,
      /\b(do not|don't|never) call (a |any )?tools? (for|on|when|if)\b/i,
      /\bsmall talk\b/i,
    ],
    fixes: ['unexpected_call'],
    quirk: 'calls a tool for every message, even "Thanks!" (the previous tool again, else the first tool)',
  },
  {
    id: 'iso_dates',
    sentence: 'Write every date argument in ISO 8601 format (YYYY-MM-DD), converting dates the user writes in words.',
    triggers: [/\bISO[- ]?8601\b/i, /\bYYYY-MM-DD\b/i],
    fixes: ['value_error'],
    quirk: 'passes dates as the user wrote them ("December 5")',
  },
  {
    id: 'json_types',
    sentence: 'Pass numbers as JSON numbers and booleans as true or false, never as quoted strings.',
    triggers: [/\bJSON numbers?\b/i, /\bnever as (quoted )?strings\b/i, /\bnumbers? as numbers\b/i],
    fixes: ['type_error'],
    quirk: 'sends numbers and booleans as strings ("3")',
  },
  {
    id: 'schema_only',
    sentence: "Use only the parameters defined in the tool's schema; never add extra arguments.",
    triggers: [
      /\bonly the parameters\b/i,
      /\bnever add (extra|additional|other|unknown) (arguments|parameters)\b/i,
      /\b(no|without) (extra|additional) (arguments|parameters)\b/i,
    ],
    fixes: ['unexpected_arg'],
    quirk: 'adds a `notes` argument with preferences the schema has no place for ("preferably …", "I\'d prefer …")',
  },
  {
    id: 'all_calls',
    sentence: 'When the user asks for several things, make one tool call for each of them in the same reply.',
    triggers: [
      /\bone tool call for each\b/i,
      /\b(several|multiple|parallel) tool calls\b/i,
      /\bcall every tool (that is )?needed\b/i,
    ],
    fixes: ['call_count', 'no_call'],
    quirk: 'makes only the first of several requested calls',
  },
];

/** Ids of the rules a system prompt states. */
export function activeRules(systemPrompt: string): Set<SimRuleId> {
  const active = new Set<SimRuleId>();
  for (const rule of SIM_RULES) if (rule.triggers.some((t) => t.test(systemPrompt))) active.add(rule.id);
  return active;
}
