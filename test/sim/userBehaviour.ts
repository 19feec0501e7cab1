// The simulated user of scale testing (τ-bench's contract): one short line at a time in the persona's tone,
// details only from the goal, `###STOP###` once the agent reports the goal's action done (or refused twice).
// Deterministic per seed: the seed picks the phrasing and whether the opening holds back one detail.
// See README.md, "Simulated user".
import { ASK_PATTERN, pastTense } from './agentTalk';
import { findDates, findPlaces, wordsMatch } from './argExtraction';
import type { SimRequest } from './behaviour';
import { isRefusalText, isToolFailureText } from './scaleRules';
import { capitalise, lastTag, pickSeeded, seedOf, unitDraw } from './simText';

/** τ-bench's token: the simulated user's whole reply once the goal is met. */
export const STOP_TOKEN = '###STOP###';

/** Share of seeds whose opening message leaves out one detail of the goal (so the agent has to ask). */
export const WITHHOLD_SHARE = 1 / 3;

/** True for a request without tools whose system prompt carries <persona>, <goal> and ###STOP###. */
export function isUserSimRequest(request: SimRequest): boolean {
  const s = request.system;
  return /<persona>/.test(s) && /<goal>/.test(s) && s.includes(STOP_TOKEN);
}

export type Tone = 'impatient' | 'rude' | 'polite' | 'neutral';

/** The persona's tone, from its words. */
export function toneOf(persona: string): Tone {
  if (/\b(rude|angry|annoyed|grumpy|hostile|frustrated|irritated|furious|aggressive)\b/i.test(persona)) return 'rude';
  if (/\b(impatient|hurried|in a hurry|rushed|in a rush|busy|short on time)\b/i.test(persona)) return 'impatient';
  if (/\b(polite|friendly|kind|warm|courteous|cheerful|patient)\b/i.test(persona)) return 'polite';
  return 'neutral';
}

const SUFFIXES: Record<Tone, readonly string[]> = {
  impatient: ['Hurry up!', 'I need this now!', 'Quickly, please!'],
  rude: ['This is ridiculous!!', 'Your service is useless!!', 'Come on!!'],
  polite: ['Thank you!', 'Thanks so much.', ''],
  neutral: ['', 'Thanks.', ''],
};
const GREETINGS: Record<Tone, readonly string[]> = {
  impatient: [''],
  rude: [''],
  polite: ['Hello!', 'Good morning!', 'Hi there!'],
  neutral: ['Hi.', 'Hello.', ''],
};

/** A detail of the goal the user can give: "in Oslo", "June 5", "3 nights", "AB12345". */
export interface GoalDetail {
  kind: 'place' | 'date' | 'number' | 'code';
  /** The words to send ("in Oslo", "3 nights"). */
  text: string;
  /** The span to cut when the opening holds the detail back (with its preposition). */
  start: number;
  end: number;
  /** place: the preposition (in/to/from/at/for); number: the word after it (nights). */
  word: string;
}

/** The goal as something the user asks for: "You want to book a room in Oslo." → "book a room in Oslo". */
export function requestForm(goal: string): string {
  let t = goal.trim().split(/(?<=[.!?])\s+/)[0] ?? goal.trim();
  t = t.replace(
    /^(?:the user|the customer|the guest|you|user|they|he|she)\s+(?:wants?|needs?|would like|is trying|are trying|tries|try)\s+to\s+/i,
    '',
  );
  t = t.replace(/^(?:i want to|i need to|i'd like to|i would like to|goal:)\s*/i, '');
  t = t.replace(/[.!?]+$/, '').trim();
  return t.length > 0 && /^[A-Z][a-z]/.test(t) ? t[0]!.toLowerCase() + t.slice(1) : t;
}

/** The details of a request form, in order. */
export function goalDetails(form: string): GoalDetail[] {
  const out: GoalDetail[] = [];
  const taken = (s: number, e: number): boolean => out.some((d) => s < d.end && e > d.start);
  for (const p of findPlaces(form)) {
    const text = `${p.prep} ${p.place}`;
    const start = form.indexOf(text, p.index);
    if (start >= 0) out.push({ kind: 'place', text, start, end: start + text.length, word: p.prep });
  }
  for (const d of findDates(form, 2026)) {
    const before = form.slice(0, d.index).match(/\b(on|from|for|starting|until|by)\s+$/i);
    const start = before ? d.index - before[0].length : d.index;
    if (!taken(start, d.index + d.text.length))
      out.push({ kind: 'date', text: d.text, start, end: d.index + d.text.length, word: '' });
  }
  for (const m of form.matchAll(/\b(\d+(?:\.\d+)?)\s+([a-z]+)/gi)) {
    const before = form.slice(0, m.index).match(/\b(for|with)\s+$/i);
    const start = before ? m.index - before[0].length : m.index;
    if (!taken(m.index, m.index + m[0].length))
      out.push({ kind: 'number', text: m[0], start, end: m.index + m[0].length, word: (m[2] ?? '').toLowerCase() });
  }
  for (const m of form.matchAll(/\b(?=[A-Z0-9-]*\d)(?=[A-Z0-9-]*[A-Z])[A-Z0-9][A-Z0-9-]{3,11}[A-Z0-9]\b/g)) {
    if (!taken(m.index, m.index + m[0].length))
      out.push({ kind: 'code', text: m[0], start: m.index, end: m.index + m[0].length, word: '' });
  }
  return out.sort((a, b) => a.start - b.start);
}

/** The detail the opening leaves out for this seed (place first, then date, number, code), or null. */
export function withheldDetail(form: string, seed: number): GoalDetail | null {
  if (unitDraw(seed, 'withhold') >= WITHHOLD_SHARE) return null;
  const details = goalDetails(form);
  for (const kind of ['place', 'date', 'number', 'code'] as const) {
    const d = details.find((x) => x.kind === kind);
    if (d) return d;
  }
  return null;
}

function without(form: string, held: GoalDetail | GoalDetail[] | null): string {
  const list = (Array.isArray(held) ? held : held ? [held] : []).sort((a, b) => b.start - a.start);
  let out = form;
  for (const d of list) out = `${out.slice(0, d.start)}${out.slice(d.end)}`;
  return out
    .replace(/\s{2,}/g, ' ')
    .replace(/\s+([,.])/g, '$1')
    .trim();
}

/** A detail's value, comparable across wordings: "2026-11-20" for "November 20", "3 nights", "oslo", the code. */
function detailKey(d: GoalDetail): string {
  if (d.kind === 'date') return findDates(d.text, 2026)[0]?.iso ?? d.text;
  if (d.kind === 'place') return d.text.replace(/^\S+\s+/, '').toLowerCase();
  return d.text.toLowerCase();
}

const WORD_NUMBERS = ['one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten'];

/** The goal's details none of the user's own messages gave yet (what it keeps holding back when asked again). */
export function notYetGiven(form: string, own: string[]): GoalDetail[] {
  const digits = (t: string): string =>
    t.replace(/\b(one|two|three|four|five|six|seven|eight|nine|ten)\b/gi, (w) =>
      String(WORD_NUMBERS.indexOf(w.toLowerCase()) + 1),
    );
  const given = new Set(own.flatMap((t) => goalDetails(digits(t)).map(detailKey)));
  return goalDetails(form).filter((d) => !given.has(detailKey(d)));
}

/** Verbs that report the same action: a goal "find …" is done by "I got the weather …" too. */
const VERB_GROUPS: readonly (readonly string[])[] = [
  ['book', 'reserve', 'rebook', 'schedule', 'arrange'],
  ['cancel', 'delete', 'remove', 'refund'],
  [
    'find',
    'search',
    'look',
    'lookup',
    'get',
    'check',
    'show',
    'tell',
    'list',
    'fetch',
    'retrieve',
    'query',
    'see',
    'know',
    'learn',
    'track',
  ],
  ['change', 'update', 'modify', 'set', 'turn', 'adjust', 'upgrade'],
  ['convert', 'calculate', 'compute'],
  ['order', 'buy', 'purchase'],
  ['send', 'submit', 'transfer', 'pay'],
];

/** Past tenses that report the goal's action: "booked", "reserved", … for a goal that starts with "book". */
export function donePhrases(form: string): string[] {
  const verb = (form.toLowerCase().match(/[a-z]+/) ?? [''])[0];
  const group = VERB_GROUPS.find((g) => g.includes(verb)) ?? [verb];
  return group.map(pastTense);
}

/** Whether the agent's message reports the goal's action as done. */
export function reportsDone(agentText: string, form: string): boolean {
  if (isRefusalText(agentText) || isToolFailureText(agentText) || ASK_PATTERN.test(agentText)) return false;
  const lower = agentText.toLowerCase();
  return [...donePhrases(form), 'completed'].some((p) => new RegExp(`\\b${p}\\b`).test(lower));
}

/** The goal's detail the agent asks for in `question`, or null when the goal does not hold it. */
export function answerFor(question: string, form: string): GoalDetail | null {
  const sim = question.match(/Which ([^?]*?) should I use to [^?]*\?\s*(?:\(([^)]*)\))?/);
  const about = (sim ? `${sim[1]} ${sim[2] ?? ''}` : question).toLowerCase();
  const details = goalDetails(form);
  const words = about.match(/[a-z]+/g) ?? [];
  const of = (kind: GoalDetail['kind']): GoalDetail[] => details.filter((d) => d.kind === kind);
  if (/\b(reference|code|confirmation|locator|pnr|id|number of the booking)\b/.test(about) && of('code').length > 0)
    return of('code')[0]!;
  if (/\b(date|day|when|check ?in|check ?out|yyyy)\b/.test(about) && of('date').length > 0) {
    const dates = of('date');
    return /\b(out|return|end|until|departure date)\b/.test(about) && dates.length > 1 ? dates[1]! : dates[0]!;
  }
  const counted = of('number').find((d) => words.some((w) => wordsMatch(w, d.word)));
  if (counted) return counted;
  if (/\b(city|destination|origin|location|place|airport|town|where)\b/.test(about)) {
    const places = of('place');
    const side = /\b(from|origin|departure|depart|leaving)\b/.test(about)
      ? 'from'
      : /\b(to|destination|arrival|arriving)\b/.test(about)
        ? 'to'
        : null;
    const byPrep = (preps: string[]): GoalDetail | undefined =>
      preps.map((p) => places.find((d) => d.word === p)).find((d) => d !== undefined);
    const hit = side ? byPrep([side]) : byPrep(['in', 'at', 'to', 'for', 'from']);
    if (hit) return hit;
  }
  if (/\b(how many|number|amount|count|quantity)\b/.test(about) && of('number').length > 0) return of('number')[0]!;
  return null;
}

/** A question that asks for a detail (the agent's own "Which … should I use to …?", or which/what + a kind of detail). */
const DETAIL_QUESTION = new RegExp(
  `${ASK_PATTERN.source}|\\b(which|what|how many)\\b[^?]*\\b(name|date|day|number|code|reference|city|time|email|phone|address|nights|guests|room)\\b`,
  'i',
);

function line(parts: string[]): string {
  return parts.filter((p) => p.length > 0).join(' ');
}

/** The simulated user's next message (or ###STOP###), from its system prompt and the conversation so far. */
export function userReply(request: SimRequest): string {
  const persona = lastTag(request.system, 'persona') ?? '';
  const goal = lastTag(request.system, 'goal') ?? '';
  const form = requestForm(goal);
  const seed = seedOf(request);
  const tone = toneOf(persona);
  const neverSatisfied = /\bnever satisfied\b/i.test(persona);
  // Roles are from the user's side: the agent's replies come as `user`, this user's earlier turns as `assistant`.
  const ownTexts = request.messages.filter((m) => m.role === 'assistant').map((m) => m.text);
  const own = ownTexts.length;
  const agentTurns = request.messages.filter((m) => m.role === 'user').map((m) => m.text);
  const turn = own + 1;
  const suffix = pickSeeded(SUFFIXES[tone], seed, `suffix:${turn}`);
  const held = withheldDetail(form, seed);

  if (own === 0) {
    const frame = pickSeeded(["I'd like to {x}.", 'Can you {x}?', 'Please {x}.', 'I need to {x}.'], seed, 'open');
    return line([pickSeeded(GREETINGS[tone], seed, 'greet'), frame.replace('{x}', without(form, held)), suffix]);
  }
  const agent = agentTurns[agentTurns.length - 1] ?? '';
  if (reportsDone(agent, form)) {
    if (!neverSatisfied) return STOP_TOKEN;
    const complaint = pickSeeded(
      [
        "That's not what I wanted. Can you do better?",
        "No, that's still not right. Try again.",
        "I'm not happy with that. What else can you do?",
      ],
      seed,
      `complain:${turn}`,
    );
    return line([complaint, suffix]);
  }
  const failures = agentTurns.filter((t) => isRefusalText(t) || isToolFailureText(t)).length;
  if (failures >= 2 && !neverSatisfied) return STOP_TOKEN;
  if (isRefusalText(agent) || isToolFailureText(agent)) {
    // Asked again, the user does not volunteer a detail it held back: the agent has to ask for it.
    const frame = pickSeeded(
      ['Please, I just want to {x}.', 'Let me try again: {x}.', 'Can you just {x}?'],
      seed,
      `retry:${turn}`,
    );
    return line([frame.replace('{x}', without(form, notYetGiven(form, ownTexts))), suffix]);
  }
  if (agent.includes('?')) {
    const detail = answerFor(agent, form);
    // A question about a detail the goal does not hold is answered honestly; "How can I help?" gets the request.
    if (!detail && !DETAIL_QUESTION.test(agent)) return line([`I'd like to ${without(form, held)}.`, suffix]);
    if (!detail) return line([`I don't know that. I just want to ${form}.`, suffix]);
    const frame = pickSeeded(['{x}.', "It's {x}.", '{x}, please.'], seed, `answer:${turn}`);
    return line([capitalise(frame.replace('{x}', detail.text)), suffix]);
  }
  return line([`I want to ${form}.`, suffix]);
}
