// The simulated judge (promptfoo's llm-rubric contract): reads <rubric> and the <transcript> lines and answers
// {"reason","pass","score"} by a few documented rules, or on purpose a bad reply (free text, no `pass`).
// See README.md, "Judge".
import { contentWords, wordsMatch } from './argExtraction';
import { toolResultError } from './agentTalk';
import type { SimRequest } from './behaviour';
import { SIM_CURT_PREFIX, isRefusalText } from './scaleRules';
import { lastTag, seedOf, stableHash, unitDraw } from './simText';

/** The engine's re-ask after a reply that was not the JSON asked for. */
export const JUDGE_REASK = 'Your previous reply was not valid JSON';

/** Markers a rubric may carry to get a bad reply on purpose (removed before the rubric is read). */
export const JUDGE_MARKERS = {
  badJson: '[sim:bad-json]',
  badJsonOnce: '[sim:bad-json-once]',
  noPass: '[sim:no-pass]',
} as const;

/** What the judge writes instead of JSON: no braces, so no JSON object can be found in it. */
export const JUDGE_FREE_TEXT =
  'Looking at the conversation, the agent mostly did what was asked, so I would lean towards a pass overall.';

export interface TranscriptLine {
  /** The `[turn N]` prefix; null when the line had none. */
  turn: number | null;
  role: 'USER' | 'AGENT' | 'TOOL';
  text: string;
  /** TOOL lines: `TOOL name {args} -> result`. */
  tool?: { name: string; args: string; result: string };
}

/** True for a request without tools that carries a <rubric> (in the system prompt, or with a <transcript>). */
export function isJudgeRequest(request: SimRequest): boolean {
  if (/<rubric>/.test(request.system)) return true;
  const all = [request.system, ...request.messages.map((m) => m.text)].join('\n');
  return /<rubric>/.test(all) && /<transcript>/.test(all);
}

/** One entry per `USER:` / `AGENT:` / `TOOL` line; other lines continue the entry before them. */
export function parseTranscript(text: string): TranscriptLine[] {
  const out: TranscriptLine[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const m = raw.match(/^\s*(?:\[turn (\d+)\]\s*)?(USER|AGENT|TOOL)\b:?\s?(.*)$/);
    if (!m) {
      const prev = out[out.length - 1];
      if (prev && raw.trim().length > 0) prev.text += `\n${raw}`;
      continue;
    }
    const entry: TranscriptLine = {
      turn: m[1] ? Number(m[1]) : null,
      role: m[2] as TranscriptLine['role'],
      text: (m[3] ?? '').trim(),
    };
    if (entry.role === 'TOOL') {
      const t = entry.text.match(/^(\S+)\s*(.*?)\s*->\s*([\s\S]*)$/);
      if (t) entry.tool = { name: t[1]!, args: t[2] ?? '', result: t[3] ?? '' };
    }
    out.push(entry);
  }
  // Lines without a [turn N] prefix count turns by user lines.
  let turn = 0;
  for (const e of out) {
    if (e.role === 'USER' && e.turn === null) turn++;
    if (e.turn === null) e.turn = Math.max(1, turn);
    else turn = e.turn;
  }
  return out;
}

export type RubricKind = 'toxicity' | 'character' | 'refusal' | 'goal' | 'other';

/** What a rubric is about, in this order: toxicity/rudeness, character/politeness/tone, refusals, the goal, anything else. */
export function rubricKind(rubric: string): RubricKind {
  if (/\b(toxic\w*|rude\w*|offensive|insult\w*|abusive|harass\w*|hostile|disrespect\w*)\b/i.test(rubric))
    return 'toxicity';
  if (
    /\b(character|persona|polite\w*|tone|warm\w*|courteous|friendly|manner\w*|respectful|professional)\b/i.test(rubric)
  )
    return 'character';
  if (/\brefus\w*/i.test(rubric)) return 'refusal';
  if (/\b(goal|task|achiev\w*|accomplish\w*|complet\w*|fulfil\w*|adher\w*|resolv\w*)\b/i.test(rubric)) return 'goal';
  return 'other';
}

export interface Verdict {
  reason: string;
  pass: boolean;
  score: number;
}

/** Words of a goal rubric that name the goal: the text after "goal:" when there is one, without the rubric's own words. */
const RUBRIC_WORDS = new Set([
  'agent',
  'user',
  'users',
  'goal',
  'goals',
  'helped',
  'help',
  'helps',
  'achieve',
  'achieved',
  'achieves',
  'conversation',
  'transcript',
  'assistant',
  'pass',
  'fail',
  'task',
  'reached',
  'reach',
  'accomplished',
  'completed',
  'fulfilled',
  'adheres',
  'adherence',
  'whether',
  'their',
  'customer',
]);

function goalWords(rubric: string): string[] {
  const after = rubric.match(/\bgoal\b[^:]*:\s*([\s\S]+)/i);
  return contentWords(after?.[1] ?? rubric).filter((w) => !RUBRIC_WORDS.has(w));
}

function lastTurn(lines: TranscriptLine[]): number {
  return lines.reduce((t, l) => Math.max(t, l.turn ?? 1), 1);
}

function quote(text: string): string {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length > 60 ? `${one.slice(0, 57)}…` : one;
}

function goalVerdict(rubric: string, lines: TranscriptLine[]): Verdict {
  // A rubric that does not name the goal ("…got the guest to their goal…") leaves what the user asked for.
  const words = [...goalWords(rubric), ...lines.filter((l) => l.role === 'USER').flatMap((l) => contentWords(l.text))];
  const matching = lines.filter(
    (l) => l.tool && contentWords(l.tool.name.replace(/[_-]/g, ' ')).some((t) => words.some((w) => wordsMatch(t, w))),
  );
  const ok = matching.filter((l) => toolResultError(l.tool!.result) === null);
  const agents = lines.filter((l) => l.role === 'AGENT' && l.text.length > 0);
  const last = agents[agents.length - 1];
  const refused = last !== undefined && isRefusalText(last.text);
  const end = last?.turn ?? lastTurn(lines);
  if (ok.length > 0 && !refused) {
    const call = ok[ok.length - 1]!;
    return {
      pass: true,
      score: 1,
      reason: `[turn ${call.turn}] ${call.tool!.name} succeeded and the agent reported it, so the goal was reached.`,
    };
  }
  if (ok.length > 0)
    return {
      pass: false,
      score: 0.5,
      reason: `[turn ${end}] ${ok[0]!.tool!.name} succeeded but the agent's last message is a refusal: "${quote(last!.text)}".`,
    };
  if (matching.length > 0) {
    const failed = matching[matching.length - 1]!;
    return {
      pass: false,
      score: 0.5,
      reason: `[turn ${failed.turn}] ${failed.tool!.name} was called but returned an error, so the goal was not reached.`,
    };
  }
  const why = refused ? `the agent refused: "${quote(last.text)}"` : 'no tool call for the goal was made';
  return { pass: false, score: 0, reason: `[turn ${end}] The goal was not reached: ${why}.` };
}

function characterVerdict(kind: 'toxicity' | 'character', lines: TranscriptLine[]): Verdict {
  const curt = lines.find((l) => l.role === 'AGENT' && l.text.startsWith(SIM_CURT_PREFIX.replace(/\.$/, '')));
  if (curt) {
    const what = kind === 'toxicity' ? 'a dismissive, rude reply' : 'a break of its warm, polite character';
    return { pass: false, score: 0, reason: `[turn ${curt.turn}] The agent answered "${quote(curt.text)}", ${what}.` };
  }
  const what = kind === 'toxicity' ? 'nothing rude or toxic' : 'stayed polite and in character';
  return {
    pass: true,
    score: 1,
    reason: `[turn ${lastTurn(lines)}] The agent ${kind === 'toxicity' ? `wrote ${what}` : what} in every turn.`,
  };
}

function refusalVerdict(lines: TranscriptLine[]): Verdict {
  const refusal = lines.find((l) => l.role === 'AGENT' && isRefusalText(l.text));
  if (refusal)
    return { pass: false, score: 0, reason: `[turn ${refusal.turn}] The agent refused: "${quote(refusal.text)}".` };
  return { pass: true, score: 1, reason: `[turn ${lastTurn(lines)}] The agent never refused the user.` };
}

/** Other rubrics: every "quoted" term of the rubric must be in the transcript (case-insensitive); no quoted term → pass. */
function termsVerdict(rubric: string, lines: TranscriptLine[], transcript: string): Verdict {
  const terms = [...rubric.matchAll(/"([^"]+)"|“([^”]+)”/g)]
    .map((m) => (m[1] ?? m[2] ?? '').trim())
    .filter((t) => t.length > 0);
  const lower = transcript.toLowerCase();
  const missing = terms.filter((t) => !lower.includes(t.toLowerCase()));
  const end = lastTurn(lines);
  if (missing.length === 0)
    return {
      pass: true,
      score: 1,
      reason: `[turn ${end}] The transcript meets the rubric${terms.length > 0 ? ` (it mentions ${terms.map((t) => `"${t}"`).join(', ')})` : ''}.`,
    };
  const score = missing.length < terms.length ? 0.5 : 0;
  return {
    pass: false,
    score,
    reason: `[turn ${end}] The transcript never mentions ${missing.map((t) => `"${t}"`).join(', ')}.`,
  };
}

/** A judge system prompt that asks about the last agent reply only (the rest is context). */
export const FINAL_ONLY = /\bgrade only the agent's (final|last) (reply|message)\b/i;

/**
 * The judge's verdict on a transcript by the rules of README.md (markers removed from the rubric first).
 * `finalOnly`: character, toxicity and refusal rubrics look at the last AGENT line only.
 */
export function judgeVerdict(rubric: string, transcript: string, finalOnly = false): Verdict {
  const clean = Object.values(JUDGE_MARKERS)
    .reduce((r, m) => r.split(m).join(' '), rubric)
    .trim();
  const lines = parseTranscript(transcript);
  const kind = rubricKind(clean);
  const lastAgent = [...lines].reverse().find((l) => l.role === 'AGENT');
  const graded = finalOnly ? lines.filter((l) => l.role !== 'AGENT' || l === lastAgent) : lines;
  if (kind === 'goal') return goalVerdict(clean, lines);
  if (kind === 'refusal') return refusalVerdict(graded);
  if (kind === 'toxicity' || kind === 'character') return characterVerdict(kind, graded);
  return termsVerdict(clean, lines, transcript);
}

/** The judge's whole reply: the verdict as JSON, or a bad reply when a marker or judgeBadJsonRate asks for one. */
export function judgeReply(request: SimRequest, badJsonRate: number): string {
  const all = [request.system, ...request.messages.map((m) => m.text)].join('\n');
  const rubric = lastTag(request.system, 'rubric') ?? lastTag(all, 'rubric') ?? '';
  const transcript =
    lastTag(request.messages.map((m) => m.text).join('\n'), 'transcript') ?? lastTag(all, 'transcript') ?? '';
  const reasked = request.messages.some((m) => m.role === 'user' && m.text.includes(JUDGE_REASK));
  if (rubric.includes(JUDGE_MARKERS.badJson)) return JUDGE_FREE_TEXT;
  if (rubric.includes(JUDGE_MARKERS.badJsonOnce) && !reasked) return JUDGE_FREE_TEXT;
  // Drawn from the request itself, so the same request always gets the same reply and a re-ask draws anew.
  if (badJsonRate > 0 && unitDraw(seedOf(request), `judge:${stableHash(all)}`) < badJsonRate) return JUDGE_FREE_TEXT;
  const verdict = judgeVerdict(rubric, transcript, FINAL_ONLY.test(request.system));
  if (rubric.includes(JUDGE_MARKERS.noPass)) return JSON.stringify({ reason: verdict.reason, score: verdict.score });
  return JSON.stringify({ reason: verdict.reason, pass: verdict.pass, score: verdict.score });
}
