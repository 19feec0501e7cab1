// The simulated answering model (prompt optimization): short questions it can answer (arithmetic, capitals,
// letter counts, spelling a number), with formatting quirks that rule sentences in the system prompt switch
// off (ANSWER_SIM_RULES, like SIM_RULES for tool calling). See README.md, "Answer".
import type { SimRequest } from './behaviour';
import { stableHash } from './simText';

export type AnswerSimRuleId = 'final_only' | 'digits' | 'no_period';

export interface AnswerSimRule {
  /** Stable id of the rule. */
  id: AnswerSimRuleId;
  /** The canonical instruction sentence (what the simulated critique names and the edit adds). */
  sentence: string;
  /** The model follows the rule when any of these matches its system prompt. */
  triggers: RegExp[];
  /** What the model does wrong without the rule. */
  quirk: string;
}

export const ANSWER_SIM_RULES: readonly AnswerSimRule[] = [
  {
    id: 'final_only',
    sentence: 'Reply with only the final answer, with no other words.',
    triggers: [
      /\bonly the final answer\b/i,
      /\bno other words\b/i,
      /\bjust the (final )?answer\b/i,
      /\bwithout (any )?(explanation|extra words)\b/i,
    ],
    quirk: 'wraps the answer in a sentence ("The answer is 19.", "The capital of France is Paris.")',
  },
  {
    id: 'digits',
    sentence: 'Write numbers as digits, never as words.',
    triggers: [/\bnumbers as digits\b/i, /\bnever as words\b/i, /\b(in|as|using) (numerals|digits)\b/i],
    quirk:
      'writes about half the numbers as words ("nineteen"), by a hash of the question; with the rule even a number the question asks to spell out comes as digits',
  },
  {
    id: 'no_period',
    sentence: 'Do not end the answer with a period.',
    triggers: [
      /\b(do not|don't|never) end (the answer |answers |your answer |it )?with a (period|full stop)\b/i,
      /\bno (trailing|final) (period|full stop)\b/i,
      /\bwithout a (trailing |final )?(period|full stop)\b/i,
    ],
    quirk: 'ends a bare answer with "."',
  },
];

/** Ids of the answer rules a system prompt states. */
export function activeAnswerRules(systemPrompt: string): Set<AnswerSimRuleId> {
  const active = new Set<AnswerSimRuleId>();
  for (const rule of ANSWER_SIM_RULES) if (rule.triggers.some((t) => t.test(systemPrompt))) active.add(rule.id);
  return active;
}

/** Capitals the model knows (country → capital). */
export const SIM_CAPITALS: Readonly<Record<string, string>> = {
  france: 'Paris',
  germany: 'Berlin',
  italy: 'Rome',
  spain: 'Madrid',
  portugal: 'Lisbon',
  norway: 'Oslo',
  poland: 'Warsaw',
  japan: 'Tokyo',
  canada: 'Ottawa',
  australia: 'Canberra',
  egypt: 'Cairo',
  kenya: 'Nairobi',
  peru: 'Lima',
};

/** A question the model can answer: the bare answer, and how it says it in a sentence. */
export interface SimQuestion {
  kind: 'arithmetic' | 'capital' | 'letters' | 'spell';
  /** A number (arithmetic, letters, spell) or a capital's name. */
  value: number | string;
  /** The sentence around the answer without final_only; `{}` is where the answer goes. */
  sentence: string;
}

const OPS: ReadonlyArray<{ words: RegExp; apply: (a: number, b: number) => number | null }> = [
  { words: /^(\+|plus)$/i, apply: (a, b) => a + b },
  { words: /^(-|minus)$/i, apply: (a, b) => a - b },
  { words: /^(\*|x|times|multiplied by)$/i, apply: (a, b) => a * b },
  { words: /^(\/|divided by)$/i, apply: (a, b) => (b === 0 ? null : a / b) },
];

/** The question of a last user message, or null when the model cannot answer it (the request is then chat). */
export function parseQuestion(text: string): SimQuestion | null {
  const t = text.trim();
  const arith = t.match(/^what is (\d+) (\+|-|\*|x|\/|plus|minus|times|multiplied by|divided by) (\d+)\s*\?$/i);
  if (arith) {
    const op = OPS.find((o) => o.words.test(arith[2]!));
    const value = op?.apply(Number(arith[1]), Number(arith[3])) ?? null;
    return value === null ? null : { kind: 'arithmetic', value, sentence: 'The answer is {}.' };
  }
  const capital = t.match(/^what is the capital (?:city )?of ([a-z]+)\s*\?$/i);
  if (capital) {
    const country = capital[1]!;
    const city = SIM_CAPITALS[country.toLowerCase()];
    return city
      ? {
          kind: 'capital',
          value: city,
          sentence: `The capital of ${country[0]!.toUpperCase()}${country.slice(1).toLowerCase()} is {}.`,
        }
      : null;
  }
  const letters = t.match(/^how many letters are (?:there )?in (?:the word )?['"‘“]?([a-z]+)['"’”]?\s*\?$/i);
  if (letters)
    return { kind: 'letters', value: letters[1]!.length, sentence: `There are {} letters in '${letters[1]!}'.` };
  const spell = t.match(/^(?:spell out|write) the number (\d{1,3}) in words\s*[.?]?$/i);
  if (spell) return { kind: 'spell', value: Number(spell[1]), sentence: `${spell[1]!} in words is {}.` };
  return null;
}

const ONES = [
  'zero',
  'one',
  'two',
  'three',
  'four',
  'five',
  'six',
  'seven',
  'eight',
  'nine',
  'ten',
  'eleven',
  'twelve',
  'thirteen',
  'fourteen',
  'fifteen',
  'sixteen',
  'seventeen',
  'eighteen',
  'nineteen',
];
const TENS = ['', '', 'twenty', 'thirty', 'forty', 'fifty', 'sixty', 'seventy', 'eighty', 'ninety'];

/** An integer written in words ("forty-two", "minus three", "one hundred and five"); null beyond 999 or for a fraction. */
export function numberWords(n: number): string | null {
  if (!Number.isInteger(n) || Math.abs(n) > 999) return null;
  if (n < 0) return `minus ${numberWords(-n)!}`;
  if (n < 20) return ONES[n]!;
  if (n < 100) return TENS[Math.floor(n / 10)]! + (n % 10 ? `-${ONES[n % 10]!}` : '');
  const rest = n % 100;
  return `${ONES[Math.floor(n / 100)]!} hundred${rest ? ` and ${numberWords(rest)!}` : ''}`;
}

/** True when the model writes this question's number as words without the digits rule (about half, by hash). */
export function wordsByHash(question: string): boolean {
  // The top bit: FNV-1a's low bit is only the parity of the characters.
  return stableHash(`words\n${question.trim()}`) >= 0x80000000;
}

function formatNumber(n: number): string {
  return Number.isInteger(n) ? String(n) : String(Math.round(n * 1000) / 1000);
}

/** The model's answer to a question under the rules of a system prompt. */
export function answerText(question: string, parsed: SimQuestion, rules: Set<AnswerSimRuleId>): string {
  let bare: string;
  if (typeof parsed.value === 'string') bare = parsed.value;
  else if (rules.has('digits')) bare = formatNumber(parsed.value);
  else if (parsed.kind === 'spell' || wordsByHash(question))
    bare = numberWords(parsed.value) ?? formatNumber(parsed.value);
  else bare = formatNumber(parsed.value);
  const text = rules.has('final_only') ? `${bare}.` : parsed.sentence.replace('{}', bare);
  return rules.has('no_period') ? text.replace(/\.$/, '') : text;
}

/** True for a request without tools whose last user message is a question the model can answer. */
export function isAnswerRequest(request: SimRequest, lastUser: string): boolean {
  return request.tools.length === 0 && parseQuestion(lastUser) !== null;
}

/** The answer role's reply text for the last user message (call only when isAnswerRequest). */
export function answerReply(request: SimRequest, lastUser: string): string {
  const parsed = parseQuestion(lastUser);
  if (!parsed) return '';
  return answerText(lastUser, parsed, activeAnswerRules(request.system));
}
