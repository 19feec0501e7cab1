// The summarizer's view of a run: a JSON digest of the conversations kept under a token cap measured with a
// real tokenizer. To fit, long texts are trimmed first (head and tail kept), then conversations are sampled
// (failing and unscored first, at least one passing kept when any), and `note` says what was left out.
import { countTokens } from 'gpt-tokenizer';
import type { ConversationSummary, Outcome, TranscriptMessage } from '../types';

export const DEFAULT_MAX_DIGEST_TOKENS = 6000;

/** Longest text (chars) kept whole at each step; the first step trims nothing. */
const TRIM_LIMITS = [Number.POSITIVE_INFINITY, 4000, 2000, 1000, 600, 300, 160] as const;
/** A text is trimmed only when that saves more than the marker costs. */
const TRIM_SLACK = 40;

export interface DigestConversation {
  summary: ConversationSummary;
  messages: TranscriptMessage[];
}

export interface DigestOptions {
  /** Cap on the digest's tokens (o200k_base); default DEFAULT_MAX_DIGEST_TOKENS. */
  maxTokens?: number;
  /** The form's goal, for conversations that played no scenario. */
  goal?: string;
}

export interface Digest {
  /** The JSON text sent inside <conversations>. */
  text: string;
  /** Tokens of `text`; above the cap only when one conversation's header alone exceeds it. */
  tokens: number;
  /** Conversations in the digest, by index; findings may cite only these. */
  includedIds: string[];
  /** Conversations left out to fit, with their outcomes. */
  leftOut: { conversationId: string; outcome: Outcome | null }[];
  /** Messages of included conversations whose text was shortened. */
  trimmedMessages: number;
  /** What was left out, for the report ("3 of 10 conversations left out (passing); 12 messages trimmed"); absent when nothing was. */
  note?: string;
}

/** Token count of digest text; special-token strings in model output are counted as plain text, never thrown on. */
export function countDigestTokens(text: string): number {
  return countTokens(text, { disallowedSpecial: new Set() });
}

/** `text` with its middle replaced by a marker when it is longer than `limit` (plus slack). */
export function trimText(text: string, limit: number): { text: string; trimmed: boolean } {
  if (!Number.isFinite(limit) || text.length <= limit + TRIM_SLACK) return { text, trimmed: false };
  const head = Math.ceil(limit * 0.6);
  const tail = limit - head;
  const cut = text.length - head - tail;
  return { text: `${text.slice(0, head)}… [${cut} chars trimmed] …${text.slice(text.length - tail)}`, trimmed: true };
}

interface Rendering {
  text: string;
  tokens: number;
  trimmedMessages: number;
  trimmedDetails: number;
  /** Middle messages dropped per conversation (last resort when one conversation alone is over the cap). */
  droppedMessages: number;
}

/** How much a conversation is cut: its texts' length limit and how many middle messages are dropped. */
interface Cut {
  limit: number;
  drop: number;
}

function outcomeWord(o: Outcome | null): string {
  return o === 'pass' ? 'passing' : o === 'fail' ? 'failing' : 'unscored';
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function entryOf(
  c: DigestConversation,
  goal: string | undefined,
  cut: Cut,
): { entry: unknown; trimmedMessages: number; trimmedDetails: number } {
  const s = c.summary;
  let trimmedMessages = 0;
  let trimmedDetails = 0;
  const trim = (t: string): { text: string; trimmed: boolean } => trimText(t, cut.limit);

  const toolErrors: { turn: number; tool: string; error: string }[] = [];
  for (const m of c.messages)
    for (const call of m.toolCalls ?? [])
      if (call.error) toolErrors.push({ turn: m.turn, tool: call.name, error: call.error });

  let messages = c.messages;
  if (cut.drop > 0 && messages.length > 0) {
    // Keep the opening and the end of the conversation: where goals are stated and where they are missed.
    const drop = Math.min(cut.drop, messages.length);
    const start = Math.floor((messages.length - drop) / 2);
    messages = [...messages.slice(0, start), ...messages.slice(start + drop)];
  }

  const digestMessages = messages.map((m) => {
    let trimmed = false;
    const content = trim(m.content);
    trimmed ||= content.trimmed;
    const toolCalls = m.toolCalls?.map((call) => {
      const args = call.arguments === null ? null : JSON.stringify(call.arguments);
      const argsCut = args === null ? null : trim(args);
      const result = trim(call.result);
      trimmed ||= result.trimmed || (argsCut?.trimmed ?? false);
      return {
        name: call.name,
        arguments: argsCut === null ? null : argsCut.trimmed ? argsCut.text : call.arguments,
        result: result.text,
        ...(call.error ? { error: call.error } : {}),
      };
    });
    if (trimmed) trimmedMessages += 1;
    return {
      turn: m.turn,
      role: m.role === 'assistant' ? 'agent' : m.role,
      content: content.text,
      ...(toolCalls?.length ? { toolCalls } : {}),
    };
  });

  const failedAssertions = s.assertionResults
    .filter((r) => r.pass !== true)
    .map((r) => {
      const details = trim(r.details);
      if (details.trimmed) trimmedDetails += 1;
      return {
        assertion: r.assertion,
        tag: r.tag,
        result: r.pass === false ? 'fail' : 'not graded',
        details: details.text,
        ...(r.turn !== undefined ? { turn: r.turn } : {}),
      };
    });

  const entry = {
    id: s.conversationId,
    index: s.index,
    scenarioId: s.scenario?.id ?? null,
    persona: s.scenario?.persona ?? null,
    goal: s.scenario?.goal ?? goal ?? null,
    outcome: s.outcome ?? 'unscored',
    endedReason: s.endedReason,
    turns: s.turns,
    failureTags: s.failureTags,
    failedAssertions,
    toolErrors,
    ...(s.error ? { error: trim(s.error).text } : {}),
    ...(cut.drop > 0 ? { messagesLeftOut: Math.min(cut.drop, c.messages.length) } : {}),
    messages: digestMessages,
  };
  return { entry, trimmedMessages, trimmedDetails };
}

/** The digest of `conversations` under the token cap. */
export function buildDigest(conversations: DigestConversation[], options: DigestOptions = {}): Digest {
  const cap = options.maxTokens ?? DEFAULT_MAX_DIGEST_TOKENS;
  const byIndex = [...conversations].sort((a, b) => a.summary.index - b.summary.index);
  const total = byIndex.length;

  const render = (
    selected: ReadonlySet<DigestConversation>,
    cuts: (c: DigestConversation) => Cut,
  ): Rendering & { note?: string } => {
    let trimmedMessages = 0;
    let trimmedDetails = 0;
    let droppedMessages = 0;
    const entries: unknown[] = [];
    for (const c of byIndex) {
      if (!selected.has(c)) continue;
      const cut = cuts(c);
      const e = entryOf(c, options.goal, cut);
      entries.push(e.entry);
      trimmedMessages += e.trimmedMessages;
      trimmedDetails += e.trimmedDetails;
      droppedMessages += Math.min(cut.drop, c.messages.length);
    }
    const left = byIndex.filter((c) => !selected.has(c));
    const parts: string[] = [];
    if (left.length) {
      const counts = new Map<string, number>();
      for (const c of left)
        counts.set(outcomeWord(c.summary.outcome), (counts.get(outcomeWord(c.summary.outcome)) ?? 0) + 1);
      const kinds = counts.size === 1 ? [...counts.keys()][0]! : [...counts].map(([w, n]) => `${n} ${w}`).join(', ');
      parts.push(`${left.length} of ${total} conversations left out (${kinds})`);
    }
    if (droppedMessages) parts.push(`${plural(droppedMessages, 'message')} left out of long conversations`);
    if (trimmedMessages) parts.push(`${plural(trimmedMessages, 'message')} trimmed`);
    if (trimmedDetails) parts.push(`${plural(trimmedDetails, 'assertion detail')} trimmed`);
    const note = parts.length ? parts.join('; ') : undefined;
    const text = JSON.stringify({ total, included: entries.length, ...(note ? { note } : {}), conversations: entries });
    return {
      text,
      tokens: countDigestTokens(text),
      trimmedMessages,
      trimmedDetails,
      droppedMessages,
      ...(note ? { note } : {}),
    };
  };

  const done = (selected: ReadonlySet<DigestConversation>, r: Rendering & { note?: string }): Digest => ({
    text: r.text,
    tokens: r.tokens,
    includedIds: byIndex.filter((c) => selected.has(c)).map((c) => c.summary.conversationId),
    leftOut: byIndex
      .filter((c) => !selected.has(c))
      .map((c) => ({ conversationId: c.summary.conversationId, outcome: c.summary.outcome })),
    trimmedMessages: r.trimmedMessages,
    ...(r.note ? { note: r.note } : {}),
  });

  // 1. Everything, trimming long texts harder and harder.
  const all = new Set(byIndex);
  for (const limit of TRIM_LIMITS) {
    const r = render(all, () => ({ limit, drop: 0 }));
    if (r.tokens <= cap || total === 0) return done(all, r);
  }

  // 2. Sample at the hardest trim: failing and unscored first, one passing kept (the shortest) when any.
  const limit = TRIM_LIMITS[TRIM_LIMITS.length - 1]!;
  const size = (c: DigestConversation): number => JSON.stringify(c.messages).length;
  const passing = byIndex.filter((c) => c.summary.outcome === 'pass');
  const others = byIndex.filter((c) => c.summary.outcome !== 'pass');
  const keptPassing = passing.length
    ? [...passing].sort((a, b) => size(a) - size(b) || a.summary.index - b.summary.index)[0]!
    : undefined;
  const seed = [others[0], keptPassing].filter((c): c is DigestConversation => c !== undefined);
  const selected = new Set(seed);

  // A seed conversation too long on its own loses messages from its middle until the seed fits.
  const drops = new Map<DigestConversation, number>();
  const cuts = (c: DigestConversation): Cut => ({ limit, drop: drops.get(c) ?? 0 });
  let r = render(selected, cuts);
  while (r.tokens > cap) {
    const left = (c: DigestConversation): number => c.messages.length - (drops.get(c) ?? 0);
    const target = seed.filter((c) => left(c) > 0).sort((a, b) => left(b) - left(a))[0];
    if (!target) break; // headers alone exceed the cap: best effort
    drops.set(target, (drops.get(target) ?? 0) + 1);
    r = render(selected, cuts);
  }

  for (const c of [...others.slice(1), ...passing.filter((p) => p !== keptPassing)]) {
    selected.add(c);
    const tried = render(selected, cuts);
    if (tried.tokens <= cap) r = tried;
    else selected.delete(c);
  }
  return done(selected, r);
}
