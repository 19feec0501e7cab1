// The summarizer's reply, read strictly: exactly one JSON object (optionally inside one ```json fence), every
// field present and well formed, the rationale within its word limit, citations only of conversations the
// digest held. Problems never quote the reply's free text: they are shown to users and sent back to the model.
import { z } from 'zod';
import type { Finding, ScaleSummary } from '../types';
import { INFORMATION_UNAVAILABLE, MAX_RATIONALE_WORDS, REPLY_FIELDS, SUMMARY_SECTIONS } from './prompt';

export interface SummarizerReply {
  summary: ScaleSummary;
  revisedPrompt: string;
  /** ≤ MAX_RATIONALE_WORDS words. */
  revisedPromptRationale: string;
}

export type ParseResult = { ok: true; value: SummarizerReply } | { ok: false; problem: string };

const FindingSchema = z.object({
  text: z.string().trim().min(1, 'must be a non-empty string'),
  citations: z
    .array(
      z.object({
        conversationId: z.string().min(1, 'must be a non-empty string'),
        turn: z.number().int('must be a whole number').min(1, 'must be 1 or more').optional(),
      }),
    )
    .min(1, 'must cite at least one conversation'),
});
const FindingsSchema = z.array(FindingSchema);

export function countWords(text: string): number {
  const t = text.trim();
  return t ? t.split(/\s+/).length : 0;
}

function pathOf(field: string, path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, k) => (typeof k === 'number' ? `${acc}[${k}]` : `${acc}.${String(k)}`), field);
}

/** The JSON text of the reply, or why the reply is not just one JSON object. */
function jsonBody(reply: string): { ok: true; body: string } | { ok: false; problem: string } {
  let body = reply.trim();
  if (body.startsWith('```')) {
    const fence = /^```(?:json)?[ \t]*\r?\n([\s\S]*?)\r?\n?```$/i.exec(body);
    if (!fence || fence[1]!.includes('```'))
      return { ok: false, problem: 'text outside the JSON object (only one ```json fence around it is allowed)' };
    body = fence[1]!.trim();
  }
  if (!body) return { ok: false, problem: 'the reply is empty; it must be one JSON object' };
  const start = body.indexOf('{');
  if (start < 0) return { ok: false, problem: 'the reply is not a JSON object' };
  if (start > 0) return { ok: false, problem: 'text outside the JSON object' };
  const end = objectEnd(body);
  if (end === -1) return { ok: false, problem: 'the reply is not valid JSON (the object is not closed)' };
  if (end < body.length - 1) return { ok: false, problem: 'text outside the JSON object' };
  return { ok: true, body };
}

/** Index of the brace closing the object that opens `text`, or -1; braces inside strings do not count. */
function objectEnd(text: string): number {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      if (ch === '\\') i += 1;
      else if (ch === '"') inString = false;
    } else if (ch === '"') inString = true;
    else if (ch === '{' || ch === '[') depth += 1;
    else if (ch === '}' || ch === ']') {
      depth -= 1;
      if (depth === 0) return i;
    }
  }
  return -1;
}

function section(
  field: string,
  value: unknown,
): { ok: true; value: Finding[] | typeof INFORMATION_UNAVAILABLE } | { ok: false; problem: string } {
  if (typeof value === 'string') {
    return value === INFORMATION_UNAVAILABLE
      ? { ok: true, value: INFORMATION_UNAVAILABLE }
      : {
          ok: false,
          problem: `${field} is a string other than "${INFORMATION_UNAVAILABLE}"; it must be a list of findings or exactly "${INFORMATION_UNAVAILABLE}"`,
        };
  }
  const parsed = FindingsSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const message =
      issue.path.length === 0 ? `must be a list of findings or "${INFORMATION_UNAVAILABLE}"` : issue.message;
    return { ok: false, problem: `${pathOf(field, issue.path)}: ${message}` };
  }
  return {
    ok: true,
    value: parsed.data.map((f) => ({
      text: f.text,
      citations: f.citations.map((c) =>
        c.turn === undefined
          ? { conversationId: c.conversationId }
          : { conversationId: c.conversationId, turn: c.turn },
      ),
    })),
  };
}

function short(id: string): string {
  return JSON.stringify(id.length > 40 ? `${id.slice(0, 40)}…` : id);
}

/** Reads the summarizer's reply; `knownIds` are the conversation ids the digest held. */
export function parseSummarizerReply(reply: string, knownIds: Iterable<string>): ParseResult {
  const body = jsonBody(reply);
  if (!body.ok) return body;

  let data: unknown;
  try {
    data = JSON.parse(body.body);
  } catch {
    // The parser's message may quote the reply, so it is not passed on.
    return { ok: false, problem: 'the reply is not valid JSON' };
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data))
    return { ok: false, problem: 'the reply is not a JSON object' };
  const obj = data as Record<string, unknown>;

  const missing = REPLY_FIELDS.filter((f) => !(f in obj));
  if (missing.length)
    return { ok: false, problem: `missing field${missing.length > 1 ? 's' : ''} ${missing.join(', ')}` };
  // Extra fields are where free-form reasoning hides; only the contract's fields are accepted.
  const extra = Object.keys(obj).filter((k) => !(REPLY_FIELDS as readonly string[]).includes(k));
  if (extra.length)
    return {
      ok: false,
      problem: `unexpected field${extra.length > 1 ? 's' : ''} ${extra.map(short).join(', ')}; only ${REPLY_FIELDS.join(', ')} are allowed`,
    };

  const summary: Partial<Record<(typeof SUMMARY_SECTIONS)[number], Finding[] | typeof INFORMATION_UNAVAILABLE>> = {};
  for (const field of SUMMARY_SECTIONS) {
    const s = section(field, obj[field]);
    if (!s.ok) return s;
    summary[field] = s.value;
  }

  const revisedPrompt = obj.revisedPrompt;
  if (typeof revisedPrompt !== 'string' || !revisedPrompt.trim())
    return { ok: false, problem: 'revisedPrompt must be a non-empty string' };
  if (revisedPrompt.trim() === INFORMATION_UNAVAILABLE)
    return {
      ok: false,
      problem: `revisedPrompt must be the complete revised prompt, not "${INFORMATION_UNAVAILABLE}"`,
    };

  const rationale = obj.revisedPromptRationale;
  if (typeof rationale !== 'string' || !rationale.trim())
    return { ok: false, problem: 'revisedPromptRationale must be a non-empty string' };
  const words = countWords(rationale);
  if (words > MAX_RATIONALE_WORDS)
    return { ok: false, problem: `revisedPromptRationale has ${words} words; at most ${MAX_RATIONALE_WORDS}` };

  const known = new Set(knownIds);
  const unknown = new Set<string>();
  for (const field of SUMMARY_SECTIONS) {
    const s = summary[field];
    if (Array.isArray(s))
      for (const f of s) for (const c of f.citations) if (!known.has(c.conversationId)) unknown.add(c.conversationId);
  }
  if (unknown.size) {
    const list = [...unknown].slice(0, 5).map(short).join(', ');
    return {
      ok: false,
      problem: `citations name conversation ids that are not in <conversations>: ${list}${unknown.size > 5 ? ` and ${unknown.size - 5} more` : ''}`,
    };
  }

  return {
    ok: true,
    value: {
      summary: summary as ScaleSummary,
      revisedPrompt: revisedPrompt.trim(),
      revisedPromptRationale: rationale.trim(),
    },
  };
}
