// Results from an outside evaluator (an http worker, promptfoo) brought into our EvaluationResult:
// validated with zod, a missing type/scope filled in, and a FailureTag derived from the assertion's name
// when the result carries none (toxic → TOXICITY, refus → REFUSAL, format/json → FORMAT_ERROR,
// character/role → CHARACTER_BREAK, hallucinat/faithful → HALLUCINATION, goal/task/completeness → GOAL_MISS).
import { z } from 'zod';
import { ASSERTION_SCOPES, ASSERTION_TYPES, TAG_PATTERN } from '../../agents/agentSchema';
import type { EvaluationResult } from '../types';

/** In this order: DeepEval's RoleAdherence is about the character, not the goal. */
const NAME_TAGS: readonly [RegExp, string][] = [
  [/toxic|bias|harm|insult/i, 'TOXICITY'],
  [/refus/i, 'REFUSAL'],
  [/format|json|markdown/i, 'FORMAT_ERROR'],
  [/character|role|persona|consisten/i, 'CHARACTER_BREAK'],
  [/hallucinat|faithful|grounded/i, 'HALLUCINATION'],
  [/goal|task|complet|adheren/i, 'GOAL_MISS'],
];

/** The FailureTag for a result that names none: by its assertion name, else ASSERTION_FAILED. */
export function tagForAssertionName(name: string): string {
  return NAME_TAGS.find(([re]) => re.test(name))?.[1] ?? 'ASSERTION_FAILED';
}

/** A tag as given ("goal miss" → GOAL_MISS), or null when it cannot be one. */
export function normalizeTag(tag: string): string | null {
  const t = tag
    .trim()
    .toUpperCase()
    .replace(/[^A-Z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  return TAG_PATTERN.test(t) ? t : null;
}

export const ExternalResultSchema = z.object({
  assertion: z.string().min(1),
  type: z.enum(ASSERTION_TYPES).optional(),
  scope: z.enum(ASSERTION_SCOPES).optional(),
  tag: z.string().optional(),
  pass: z.boolean().nullable(),
  score: z.number().min(0).max(1).nullable().optional(),
  details: z.string().optional(),
  reason: z.string().optional(),
  turn: z.number().int().min(1).optional(),
});

export const ExternalReplySchema = z.object({ results: z.array(ExternalResultSchema) });

export function fromExternal(r: z.infer<typeof ExternalResultSchema>): EvaluationResult {
  return {
    assertion: r.assertion,
    type: r.type ?? 'llm-rubric',
    scope: r.scope ?? 'transcript',
    tag: (r.tag !== undefined ? normalizeTag(r.tag) : null) ?? tagForAssertionName(r.assertion),
    pass: r.pass,
    score: r.score ?? (r.pass === null ? null : r.pass ? 1 : 0),
    details: r.details ?? r.reason ?? '',
    ...(r.turn !== undefined ? { turn: r.turn } : {}),
  };
}

/** The one result that stands for a conversation an outside evaluator could not grade. */
export function ungradedResult(assertion: string, details: string): EvaluationResult {
  return {
    assertion,
    type: 'llm-rubric',
    scope: 'transcript',
    tag: 'ASSERTION_FAILED',
    pass: null,
    score: null,
    details,
  };
}

/** Zod issues as one line naming the paths. */
export function issuesLine(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`)
    .join('; ');
}
