// The simulated summarizer ("You are Prompt Tuner Analyst"): reads the <conversations> JSON digest and answers
// the strict JSON of the contract: findings that cite conversation ids and turns, and a revised prompt that adds
// the rule sentences fixing the failures it saw. Bad replies on purpose via `summarizerFault`.
// See README.md, "Summarizer".
import type { SimRequest } from './behaviour';
import { SIM_RULES, activeRules, type SimRuleId } from './rules';
import { SCALE_SIM_RULES, activeScaleRules, type ScaleSimRuleId } from './scaleRules';
import { lastTag } from './simText';

/** The summarizer's system prompt begins with this. */
export const ANALYST_OPENING = 'You are Prompt Tuner Analyst';
/** The engine's re-ask after a rejected reply. */
export const SUMMARIZER_REASK = 'Your previous reply was rejected:';
export const INFORMATION_UNAVAILABLE = 'information unavailable';

export const SUMMARIZER_FAULTS = [
  'none',
  'free-text-once',
  'long-rationale-once',
  'missing-field-once',
  'always-bad',
] as const;
/** none: good JSON; *-once: the first reply is bad in that way, the re-ask gets good JSON; always-bad: prose before the JSON every time. */
export type SummarizerFault = (typeof SUMMARIZER_FAULTS)[number];

/** What the summarizer reads of one conversation in the digest. */
export interface DigestConversationFacts {
  id: string;
  /** User turns; citations without a better turn cite the last one. */
  turns: number;
  failureTags: string[];
  failedAssertions: { assertion: string; tag: string; details: string; turn?: number }[];
  toolErrors: { turn: number; tool: string; error: string }[];
}

export interface SimFinding {
  text: string;
  citations: { conversationId: string; turn: number }[];
}
export type SimSection = SimFinding[] | typeof INFORMATION_UNAVAILABLE;

export interface SummarizerAnswer {
  failureModes: SimSection;
  hallucinations: SimSection;
  goalFailures: SimSection;
  characterInconsistency: SimSection;
  revisedPrompt: string;
  revisedPromptRationale: string;
}

export function isSummarizerRequest(request: SimRequest): boolean {
  return request.system.trimStart().startsWith(ANALYST_OPENING);
}

function record(v: unknown): Record<string, unknown> | null {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
}
function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}
function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** The conversations of a digest (the JSON of summarizer/digest.ts: `{conversations: [{id, turns, failureTags, failedAssertions, toolErrors, messages}]}`); [] when it is not JSON. */
export function readDigest(text: string): DigestConversationFacts[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return [];
  }
  const list = Array.isArray(data)
    ? data
    : Array.isArray(record(data)?.conversations)
      ? (record(data)!.conversations as unknown[])
      : [];
  const out: DigestConversationFacts[] = [];
  for (const item of list) {
    const c = record(item);
    const id = str(c?.conversationId) || str(c?.id);
    if (!c || !id) continue;
    const messages = Array.isArray(c.messages)
      ? c.messages.map(record).filter((m): m is Record<string, unknown> => m !== null)
      : [];
    const maxTurn = messages.reduce((t, m) => Math.max(t, num(m.turn) ?? 0), 0);
    const tags = Array.isArray(c.failureTags) ? c.failureTags : Array.isArray(c.tags) ? c.tags : [];
    const rawFailed = Array.isArray(c.failedAssertions)
      ? c.failedAssertions
      : Array.isArray(c.assertionResults)
        ? c.assertionResults.filter((r) => record(r)?.pass === false)
        : [];
    const failedAssertions = rawFailed
      .map(record)
      .filter((r): r is Record<string, unknown> => r !== null)
      .map((r) => {
        // A judge's reason names its turn ("[turn 3] …") when the result itself carries none.
        const turn = num(r.turn) ?? turnInText(str(r.details));
        return {
          assertion: str(r.assertion),
          tag: str(r.tag),
          details: str(r.details),
          ...(turn !== undefined ? { turn } : {}),
        };
      });
    let toolErrors = Array.isArray(c.toolErrors)
      ? c.toolErrors
          .map(record)
          .filter((r): r is Record<string, unknown> => r !== null)
          .map((r) => ({ turn: num(r.turn) ?? 1, tool: str(r.tool) || str(r.name), error: str(r.error) }))
      : [];
    if (!Array.isArray(c.toolErrors)) {
      toolErrors = messages.flatMap((m) =>
        (Array.isArray(m.toolCalls) ? m.toolCalls.map(record) : []).flatMap((call) =>
          call && str(call.error) ? [{ turn: num(m.turn) ?? 1, tool: str(call.name), error: str(call.error) }] : [],
        ),
      );
    }
    out.push({
      id,
      turns: num(c.turns) ?? (maxTurn || 1),
      failureTags: tags.filter((t): t is string => typeof t === 'string'),
      failedAssertions,
      toolErrors,
    });
  }
  return out;
}

function turnInText(text: string): number | undefined {
  const m = text.match(/\[turn (\d+)\]|\bturn (\d+):/);
  return m ? Number(m[1] ?? m[2]) : undefined;
}

function turnOf(n: number | undefined, fallback: number): number {
  return Math.max(1, Math.round(n ?? fallback));
}

function short(text: string, max = 140): string {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** One finding per tag among `tags` (most conversations first), citing each conversation at the failing turn. */
function tagFindings(
  convs: DigestConversationFacts[],
  tags: string[] | null,
  describe: (tag: string) => string,
): SimFinding[] {
  const order: string[] = [];
  for (const c of convs)
    for (const t of c.failureTags) if ((tags === null || tags.includes(t)) && !order.includes(t)) order.push(t);
  const withTag = (t: string): DigestConversationFacts[] => convs.filter((c) => c.failureTags.includes(t));
  order.sort((a, b) => withTag(b).length - withTag(a).length);
  return order.map((tag) => {
    const hits = withTag(tag);
    const example = hits.flatMap((c) => c.failedAssertions.filter((f) => f.tag === tag))[0];
    const detail = example ? `: ${short(`${example.assertion}${example.details ? ` — ${example.details}` : ''}`)}` : '';
    return {
      text: `${describe(tag)} in ${plural(hits.length, 'conversation')} of ${convs.length}${detail}`,
      citations: hits.map((c) => ({
        conversationId: c.id,
        turn: turnOf(c.failedAssertions.find((f) => f.tag === tag && f.turn !== undefined)?.turn, c.turns),
      })),
    };
  });
}

function hallucinationFindings(convs: DigestConversationFacts[]): SimFinding[] {
  const byTool = new Map<string, { error: string; cites: { conversationId: string; turn: number }[] }>();
  for (const c of convs) {
    for (const e of c.toolErrors) {
      const entry = byTool.get(e.tool) ?? { error: e.error, cites: [] };
      if (!entry.cites.some((x) => x.conversationId === c.id))
        entry.cites.push({ conversationId: c.id, turn: turnOf(e.turn, c.turns) });
      byTool.set(e.tool, entry);
    }
  }
  const findings: SimFinding[] = [...byTool].map(([tool, e]) => ({
    text: `The agent called ${tool || 'a tool'} with arguments its schema rejects (or a tool that does not exist) in ${plural(e.cites.length, 'conversation')}: ${short(e.error)}`,
    citations: e.cites,
  }));
  return [
    ...findings,
    ...tagFindings(convs, ['HALLUCINATION'], () => 'Claims not backed by a tool result (HALLUCINATION)'),
  ];
}

function section(findings: SimFinding[]): SimSection {
  return findings.length > 0 ? findings : INFORMATION_UNAVAILABLE;
}

/** Tool-error texts → the tuning rule (SIM_RULES) or scale rule that removes them. */
const TOOL_ERROR_RULES: readonly { rule: SimRuleId | ScaleSimRuleId; pattern: RegExp }[] = [
  {
    rule: 'schema_only',
    pattern:
      /\bnot a parameter\b|\badditional propert|\bunexpected (argument|property|parameter)|\bunknown (argument|property|parameter)|\bnot allowed\b/i,
  },
  {
    rule: 'json_types',
    pattern: /\bexpected (an? )?(integer|number|boolean)\b|\bmust be (an? )?(integer|number|boolean)\b|\btype\b/i,
  },
  {
    rule: 'iso_dates',
    pattern: /\bYYYY-MM-DD\b|\bISO[- ]?8601\b|\bdate\b[^;]*\bformat\b|\bformat\b[^;]*\bdate\b|\\d\{4\}-/i,
  },
  { rule: 'ask_missing', pattern: /\bmissing\b|\brequired\b/i },
];

interface AddedRule {
  id: string;
  sentence: string;
  because: string;
}

/** The rules the revised prompt adds: scale rules for the failure tags seen, tuning rules for the tool errors seen. */
export function rulesToAdd(agentPrompt: string, convs: DigestConversationFacts[]): AddedRule[] {
  const scaleActive = activeScaleRules(agentPrompt);
  const toolActive = activeRules(agentPrompt);
  const added: AddedRule[] = [];
  for (const rule of SCALE_SIM_RULES) {
    if (scaleActive.has(rule.id)) continue;
    const tags = rule.fixes.filter((t) => convs.some((c) => c.failureTags.includes(t)));
    if (tags.length === 0) continue;
    const n = convs.filter((c) => c.failureTags.some((t) => tags.includes(t))).length;
    added.push({ id: rule.id, sentence: rule.sentence, because: `${tags.join('/')} in ${plural(n, 'conversation')}` });
  }
  const errors = convs.flatMap((c) => c.toolErrors.map((e) => ({ conversationId: c.id, error: e.error })));
  for (const { rule: id, pattern } of TOOL_ERROR_RULES) {
    if (added.some((a) => a.id === id) || toolActive.has(id as SimRuleId) || scaleActive.has(id as ScaleSimRuleId))
      continue;
    const hits = errors.filter((e) => pattern.test(e.error));
    if (hits.length === 0) continue;
    const rule = SIM_RULES.find((r) => r.id === id) ?? SCALE_SIM_RULES.find((r) => r.id === id)!;
    added.push({
      id,
      sentence: rule.sentence,
      because: `tool errors in ${plural(new Set(hits.map((h) => h.conversationId)).size, 'conversation')}`,
    });
  }
  return added;
}

/** The summarizer's answer for a prompt and a digest (always valid for the contract). */
export function summarizerAnswer(agentPrompt: string, convs: DigestConversationFacts[]): SummarizerAnswer {
  const added = rulesToAdd(agentPrompt, convs);
  const base = agentPrompt.trimEnd();
  const revisedPrompt =
    added.length === 0 ? base : [base, ...added.map((a) => a.sentence)].filter((s) => s.length > 0).join('\n');
  const rationale =
    added.length === 0
      ? 'No failure in the conversations points to a missing instruction, so the prompt is kept as it is.'
      : `Added ${plural(added.length, 'rule')}: ${added.map((a) => `${a.id.replace(/_/g, ' ')} for ${a.because}`).join('; ')}.`;
  return {
    failureModes: section(tagFindings(convs, null, (tag) => tag)),
    hallucinations: section(hallucinationFindings(convs)),
    goalFailures: section(
      tagFindings(convs, ['GOAL_MISS', 'REFUSAL'], (tag) => `The user did not reach the goal (${tag})`),
    ),
    characterInconsistency: section(
      tagFindings(
        convs,
        ['CHARACTER_BREAK', 'TOXICITY'],
        (tag) => `The agent left its warm, polite character (${tag})`,
      ),
    ),
    revisedPrompt: revisedPrompt.length > 0 ? revisedPrompt : 'You are a helpful assistant.',
    revisedPromptRationale: rationale.split(/\s+/).slice(0, 100).join(' '),
  };
}

const PROSE = 'Here is my analysis of the conversations. I looked at every failure before writing the JSON below.\n\n';
const PADDING =
  'I reviewed every conversation in the digest carefully, comparing what the user asked for with what the agent did at each turn, ' +
  'looking at the tool calls, their arguments and their results, and at the tone of every reply, before deciding which instructions ' +
  'were missing from the prompt and how to phrase them so that the agent follows them without losing what already works well.';

/** The summarizer's whole reply, with the configured fault applied. */
export function summarizerReply(request: SimRequest, fault: SummarizerFault): string {
  const userText = request.messages
    .filter((m) => m.role === 'user')
    .map((m) => m.text)
    .join('\n');
  const agentPrompt = lastTag(userText, 'agent_prompt') ?? '';
  const digest = lastTag(userText, 'conversations') ?? '';
  const answer: Partial<SummarizerAnswer> = summarizerAnswer(agentPrompt, readDigest(digest));
  const reasked = request.messages.some((m) => m.role === 'user' && m.text.includes(SUMMARIZER_REASK));
  const first = !reasked;
  if (fault === 'long-rationale-once' && first)
    answer.revisedPromptRationale = `${answer.revisedPromptRationale} ${PADDING} ${PADDING}`;
  if (fault === 'missing-field-once' && first) delete answer.hallucinations;
  const json = JSON.stringify(answer);
  if (fault === 'always-bad' || (fault === 'free-text-once' && first)) return `${PROSE}${json}`;
  return json;
}
