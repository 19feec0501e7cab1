// The simulated meta model: rewrites a prompt by adding the rule sentences of rules.ts, following the
// tag contract of TEAM.md (<current_prompt>, <failures>, <strategy>, <parent_a>/<parent_b> → <prompt>).
import type { SimRequest } from './behaviour';
import { activeRules, FAILURE_REASONS, SIM_RULES, type SimFailureReason, type SimRule } from './rules';
import { lastTag, stableHash } from './simText';

export { stableHash } from './simText';

/** Sentences added when every rule is already present, so the variant still differs. */
export const SIM_REWORDINGS: readonly string[] = [
  'Be concise.',
  'Keep replies short and friendly.',
  'Answer in the language the user writes in.',
  'Double-check each argument against the user request before calling a tool.',
];

function allText(request: SimRequest): string {
  return [request.system, ...request.messages.map((m) => m.text)].join('\n');
}

/** True when a request without tools carries the meta contract's tags. */
export function isMetaRequest(request: SimRequest): boolean {
  const text = allText(request);
  return /<current_prompt>/.test(text) || (/<parent_a>/.test(text) && /<parent_b>/.test(text));
}

function missingRules(prompt: string): SimRule[] {
  const active = activeRules(prompt);
  return SIM_RULES.filter((r) => !active.has(r.id));
}

function append(prompt: string, sentences: string[]): string {
  const base = prompt.trimEnd();
  if (sentences.length === 0) return base;
  return base.length === 0 ? sentences.join('\n') : `${base}\n${sentences.join('\n')}`;
}

/** Words in a strategy's name that point at the aspect one rule fixes (a real model follows the strategy too). */
const STRATEGY_TOPICS: ReadonlyArray<{ rule: SimRule['id']; words: RegExp }> = [
  { rule: 'abstain', words: /\b(not to call|small talk|thanks|greeting)/i },
  { rule: 'iso_dates', words: /\bdates?\b/i },
  { rule: 'json_types', words: /\b(types?|numbers?)\b/i },
  { rule: 'schema_only', words: /\b(schema|extra arguments?|outside)\b/i },
  { rule: 'all_calls', words: /\b(several|multiple|multi-step)\b/i },
];

/**
 * A variant that adds one missing rule: the one the strategy's name is about when it names one (and is not a
 * retry), else one picked by hash; a rewording when none is missing.
 */
export function strategyVariant(prompt: string, strategy: string, retry = false): string {
  const missing = missingRules(prompt);
  const h = stableHash(`${strategy}\n${prompt}${retry ? '\nretry' : ''}`);
  const topical = retry
    ? undefined
    : missing.find((r) => STRATEGY_TOPICS.some((t) => t.rule === r.id && t.words.test(strategy)));
  if (topical) return append(prompt, [topical.sentence]);
  if (missing.length > 0) return append(prompt, [missing[h % missing.length]!.sentence]);
  return reword(prompt, h);
}

function reword(prompt: string, h: number): string {
  const unused = SIM_REWORDINGS.filter((s) => !prompt.includes(s));
  if (unused.length === 0) return prompt.trimEnd();
  return append(prompt, [unused[h % unused.length]!]);
}

/** Failure reasons named in a <failures> block, in order of first mention. */
export function failureReasons(failures: string): SimFailureReason[] {
  const out: SimFailureReason[] = [];
  for (const m of failures.matchAll(/\b[a-z_]+\b/g)) {
    const r = m[0] as SimFailureReason;
    if (FAILURE_REASONS.includes(r) && !out.includes(r)) out.push(r);
  }
  return out;
}

/**
 * Reflective mutation: add the rule that fixes the first listed reason not fixed yet (on a retry, the
 * second such rule); else as a strategy.
 */
export function reflectiveVariant(
  prompt: string,
  reasons: SimFailureReason[],
  strategy: string,
  retry = false,
): string {
  const missing = missingRules(prompt);
  const candidates: SimRule[] = [];
  for (const reason of reasons) {
    const rule = missing.find((r) => r.fixes.includes(reason));
    if (rule && !candidates.includes(rule)) candidates.push(rule);
  }
  const rule = candidates[retry ? 1 : 0];
  if (rule) return append(prompt, [rule.sentence]);
  return strategyVariant(prompt, strategy || 'reflective', retry);
}

/** Crossover: parent A plus the rules parent B states that A lacks. */
export function crossoverVariant(parentA: string, parentB: string, retry = false): string {
  const inA = activeRules(parentA);
  const inB = activeRules(parentB);
  const added = SIM_RULES.filter((r) => inB.has(r.id) && !inA.has(r.id)).map((r) => r.sentence);
  if (added.length > 0) return append(parentA, added);
  return reword(parentA, stableHash(`${parentA}\n${parentB}${retry ? '\nretry' : ''}`));
}

/** A request that says the previous answer was empty or a duplicate: the model makes its next choice. */
export const RETRY_HINT = /\b(previous answer|already have|write a different)\b/i;

/** The meta model's whole answer text. */
export function metaReply(request: SimRequest): string {
  const text = allText(request);
  const parentA = lastTag(text, 'parent_a');
  const parentB = lastTag(text, 'parent_b');
  const current = lastTag(text, 'current_prompt');
  const strategy = lastTag(text, 'strategy') ?? '';
  const retry = RETRY_HINT.test(text);
  let prompt: string;
  let how: string;
  if (current === null && parentA !== null && parentB !== null) {
    prompt = crossoverVariant(parentA, parentB, retry);
    how = 'I combined the instructions of both parents.';
  } else {
    const failures = lastTag(text, 'failures');
    const reasons = failures ? failureReasons(failures) : [];
    const base = current ?? parentA ?? '';
    prompt =
      reasons.length > 0 ? reflectiveVariant(base, reasons, strategy, retry) : strategyVariant(base, strategy, retry);
    how =
      reasons.length > 0
        ? `I addressed the failures (${reasons.join(', ')}).`
        : `I applied the strategy "${strategy || 'default'}".`;
  }
  return `${how}\n<prompt>${prompt}</prompt>`;
}
