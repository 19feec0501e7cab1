// The simulated APO meta model (Agent Lightning's textual gradients): the critique role names the rule
// sentence of each answer quirk it sees in the failing <example> blocks, and the edit role adds the rule
// sentences a <critique> names to <current_prompt>, candidate k a different subset. See README.md, "APO".
import { ANSWER_SIM_RULES, activeAnswerRules, type AnswerSimRule, type AnswerSimRuleId } from './answerBehaviour';
import type { SimRequest } from './behaviour';
import { lastTag } from './simText';

/** The critique system prompt's opening (Tau's). */
export const CRITIQUE_MARKER = /You critique system prompts/;
/** The edit system prompt's opening (Tau's). */
export const EDIT_MARKER = /You edit system prompts/;

/** What the critique says when no quirk shows in the examples. */
export const CRITIQUE_NOTHING = 'No formatting problem is visible in these answers; keep the prompt as it is.';

export function isCritiqueRequest(request: SimRequest): boolean {
  return request.tools.length === 0 && CRITIQUE_MARKER.test(request.system);
}

export function isEditRequest(request: SimRequest): boolean {
  return request.tools.length === 0 && EDIT_MARKER.test(request.system);
}

function allText(request: SimRequest): string {
  return [request.system, ...request.messages.map((m) => m.text)].join('\n');
}

/** One <example> block of a critique request. */
export interface CritiqueExample {
  input: string;
  expected: string | null;
  answer: string;
  /** null when absent or not a number. */
  reward: number | null;
}

export function readExamples(text: string): CritiqueExample[] {
  const out: CritiqueExample[] = [];
  for (const m of text.matchAll(/<example>([\s\S]*?)<\/example>/g)) {
    const block = m[1] ?? '';
    const reward = Number(lastTag(block, 'reward'));
    out.push({
      input: lastTag(block, 'input') ?? '',
      expected: lastTag(block, 'expected'),
      answer: lastTag(block, 'answer') ?? '',
      reward: lastTag(block, 'reward') !== null && Number.isFinite(reward) ? reward : null,
    });
  }
  return out;
}

const NUMBER_WORD =
  /\b(zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred)\b/i;
const NUMBER_WORDS_ALL = new RegExp(NUMBER_WORD.source, 'gi');

function words(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[^a-z0-9']+/)
    .filter((w) => w.length > 0);
}

/** The quirks visible in one answer compared with what was expected. */
export function answerQuirks(answer: string, expected: string | null): Set<AnswerSimRuleId> {
  const found = new Set<AnswerSimRuleId>();
  const a = answer.trim();
  const e = (expected ?? '').trim();
  if (a.endsWith('.') && !e.endsWith('.')) found.add('no_period');
  if (NUMBER_WORD.test(a) && !NUMBER_WORD.test(e)) found.add('digits');
  // Extra words: words of the answer that are neither expected nor part of a number written out.
  const expectedWords = new Set(words(e));
  const extra = words(a.replace(NUMBER_WORDS_ALL, ' ')).filter((w) => !expectedWords.has(w) && w !== 'and');
  if (extra.length > 0 && words(a).length > Math.max(1, expectedWords.size)) found.add('final_only');
  return found;
}

/** The critique: one guidance line per quirk seen in the failing examples (reward below 1), in rule order. */
export function critiqueReply(request: SimRequest): string {
  const examples = readExamples(allText(request)).filter((x) => x.reward === null || x.reward < 1);
  const seen = new Map<AnswerSimRuleId, CritiqueExample>();
  for (const x of examples) for (const q of answerQuirks(x.answer, x.expected)) if (!seen.has(q)) seen.set(q, x);
  const lines = ANSWER_SIM_RULES.filter((r) => seen.has(r.id)).map((r) => {
    const x = seen.get(r.id)!;
    return `- ${r.sentence} (For "${x.input}" the answer was "${x.answer}" but "${x.expected ?? ''}" was expected.)`;
  });
  return lines.length > 0
    ? `The answers break rules the prompt does not state:\n${lines.join('\n')}`
    : CRITIQUE_NOTHING;
}

/** `Candidate k of n` in an edit request; k = 1 when absent. */
export function candidateNumber(text: string): { k: number; n: number } {
  const m = [...text.matchAll(/Candidate (\d+) of (\d+)/gi)].pop();
  return m ? { k: Math.max(1, Number(m[1])), n: Math.max(1, Number(m[2])) } : { k: 1, n: 1 };
}

/**
 * The rules candidate k adds out of those the critique names and the prompt lacks: candidate 1 all of them,
 * candidate k ≥ 2 all but the ((k − 2) mod count)-th, so the beam has a spread; with one rule every candidate
 * adds it (duplicates the optimizer must not score twice).
 */
export function rulesForCandidate(named: AnswerSimRule[], k: number): AnswerSimRule[] {
  if (k <= 1 || named.length < 2) return named;
  const drop = (k - 2) % named.length;
  return named.filter((_, i) => i !== drop);
}

/** The edit: the current prompt plus, one a line, the sentences of candidate k's rules. */
export function editReply(request: SimRequest): string {
  const text = allText(request);
  const current = lastTag(text, 'current_prompt') ?? '';
  const critique = lastTag(text, 'critique') ?? '';
  const present = activeAnswerRules(current);
  const named = ANSWER_SIM_RULES.filter((r) => !present.has(r.id) && r.triggers.some((t) => t.test(critique)));
  const add = rulesForCandidate(named, candidateNumber(text).k).map((r) => r.sentence);
  const base = current.trimEnd();
  if (add.length === 0) return base;
  return base.length === 0 ? add.join('\n') : `${base}\n${add.join('\n')}`;
}
