// The simulated model's behaviour: pure, deterministic functions of the request, so tests can call
// them directly and the HTTP server only translates wire formats around them. See README.md.
import { ASK_PATTERN, askForDetail, boldsFacts, curt, resultStatement } from './agentTalk';
import { contentWords, extractArgs, findPreference, wordsMatch, type SchemaLike } from './argExtraction';
import { metaReply, isMetaRequest } from './metaBehaviour';
import { answerReply, isAnswerRequest } from './answerBehaviour';
import { critiqueReply, editReply, isCritiqueRequest, isEditRequest } from './apoBehaviour';
import { activeRules, type SimRuleId } from './rules';
import { RUDE_OR_IMPATIENT, SIM_REFUSAL, activeScaleRules, type ScaleSimRuleId } from './scaleRules';
import { isJudgeRequest, judgeReply } from './judgeBehaviour';
import { isSummarizerRequest, summarizerReply, type SummarizerFault } from './summarizerBehaviour';
import { isUserSimRequest, userReply } from './userBehaviour';
import { seedOf } from './simText';

export { SIM_RULES, activeRules, FAILURE_REASONS } from './rules';
export type { SimRule, SimRuleId, SimFailureReason } from './rules';
export { SCALE_SIM_RULES, activeScaleRules } from './scaleRules';
export type { ScaleSimRule, ScaleSimRuleId } from './scaleRules';
export { ANSWER_SIM_RULES, activeAnswerRules } from './answerBehaviour';
export type { AnswerSimRule, AnswerSimRuleId } from './answerBehaviour';

/** A tool as the simulator sees it (either wire format). */
export interface SimTool {
  name: string;
  description: string;
  parameters: SchemaLike;
}

/** A tool call made by the simulated model; arguments are a JSON object. */
export interface SimToolCall {
  name: string;
  arguments: Record<string, unknown>;
}

/** One message after the system prompt, with text flattened. */
export type SimMessage =
  | { role: 'user'; text: string }
  | { role: 'assistant'; text: string; toolCalls: SimToolCall[] }
  | { role: 'tool'; text: string };

/** A provider-neutral request. */
export interface SimRequest {
  /** Model name as sent (no provider prefix). */
  model: string;
  system: string;
  messages: SimMessage[];
  tools: SimTool[];
  /** Wire tool_choice, normalised; 'auto' when absent. */
  toolChoice?: 'auto' | 'none' | 'required' | { name: string };
  /** False when the client disabled parallel tool calls. */
  parallelToolCalls?: boolean;
  /** The wire `seed` (OpenAI); absent on Anthropic, where choices use a seed derived from the content (simText.seedOf). */
  seed?: number;
}

/** The behaviours, in the order they are tried for a request without tools (target answers requests with tools). */
export type SimMode = 'target' | 'meta' | 'chat' | 'user' | 'judge' | 'summarizer' | 'answer' | 'critique' | 'edit';

export interface SimReply {
  /** Which behaviour answered. */
  mode: SimMode;
  text: string;
  toolCalls: SimToolCall[];
}

/** Settings of faults.ts the behaviour itself reads (bad judge and summarizer replies). */
export interface SimBehaviourOptions {
  /** Share (0–1) of judge replies written as free text instead of JSON, drawn from request + seed. */
  judgeBadJsonRate?: number;
  /** How the summarizer misbehaves; 'none' by default. */
  summarizerFault?: SummarizerFault;
}

/** Year assumed for dates written without one. */
export const SIM_DEFAULT_YEAR = 2026;
/** Name of the argument the model invents when rule schema_only is missing. */
export const SIM_EXTRA_ARG = 'notes';

/** Everything the simulated model answers, as a function of the request (and the behaviour's fault settings). */
export function simulate(request: SimRequest, options: SimBehaviourOptions = {}): SimReply {
  if (request.tools.length > 0) return targetReply(request);
  // APO's critique and edit carry <current_prompt> too: their system prompts pick them before the meta model.
  if (isCritiqueRequest(request)) return { mode: 'critique', text: critiqueReply(request), toolCalls: [] };
  if (isEditRequest(request)) return { mode: 'edit', text: editReply(request), toolCalls: [] };
  if (isSummarizerRequest(request))
    return { mode: 'summarizer', text: summarizerReply(request, options.summarizerFault ?? 'none'), toolCalls: [] };
  if (isJudgeRequest(request))
    return { mode: 'judge', text: judgeReply(request, options.judgeBadJsonRate ?? 0), toolCalls: [] };
  if (isUserSimRequest(request)) return { mode: 'user', text: userReply(request), toolCalls: [] };
  if (isMetaRequest(request)) return { mode: 'meta', text: metaReply(request), toolCalls: [] };
  const last = lastUserText(request.messages);
  if (isAnswerRequest(request, last)) return { mode: 'answer', text: answerReply(request, last), toolCalls: [] };
  return { mode: 'chat', text: chatText(request), toolCalls: [] };
}

function chatText(request: SimRequest): string {
  const last = lastUserText(request.messages);
  return last ? `(simulator) You said: ${last.slice(0, 200)}` : '(simulator) Hello.';
}

export function lastUserText(messages: SimMessage[]): string {
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i];
    if (m?.role === 'user') return m.text;
  }
  return '';
}

/** Splits a user message into the requests it makes: sentences, and "and then" / "and also" / "then" joins. */
export function splitClauses(text: string): string[] {
  return text
    .split(/(?<=[.!?])\s+(?=[A-Z])/)
    .flatMap((s) => s.split(/\s*[,;]?\s*\b(?:and then|and also|then also|then)\b\s*/i))
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

const weightCache = new Map<string, Map<string, number>>();

/** Word weights of a tool, cached by its name, description and parameter names. */
function toolWeights(tool: SimTool): Map<string, number> {
  const props =
    tool.parameters.properties && typeof tool.parameters.properties === 'object'
      ? Object.keys(tool.parameters.properties)
      : [];
  const key = `${tool.name}\u0000${tool.description}\u0000${props.join(',')}`;
  const hit = weightCache.get(key);
  if (hit) return hit;
  const weights = new Map<string, number>();
  const put = (words: string[], w: number): void => {
    for (const word of words) weights.set(word, Math.max(weights.get(word) ?? 0, w));
  };
  put(contentWords(tool.description), 1);
  put(contentWords(props.join(' ').replace(/_/g, ' ')), 1);
  put(contentWords(tool.name.replace(/[_-]/g, ' ')), 2);
  if (weightCache.size > 1000) weightCache.clear();
  weightCache.set(key, weights);
  return weights;
}

/** Keyword overlap between a text and a tool: name words count 2, description and parameter words 1. */
export function toolScore(text: string, tool: SimTool): number {
  const weights = toolWeights(tool);
  let score = 0;
  for (const word of new Set(contentWords(text))) {
    let best = 0;
    for (const [k, w] of weights) if (w > best && wordsMatch(word, k)) best = w;
    score += best;
  }
  return score;
}

/** The best tool for a text (first wins ties) and its score. */
export function chooseTool(text: string, tools: SimTool[]): { tool: SimTool; score: number } | null {
  let best: { tool: SimTool; score: number } | null = null;
  for (const tool of tools) {
    const score = toolScore(text, tool);
    if (!best || score > best.score) best = { tool, score };
  }
  return best;
}

/** Score from which a text clearly asks for a tool (one word of its name). */
export const CALL_THRESHOLD = 2;

interface Planned {
  tool: SimTool;
  args: Record<string, unknown>;
}

function requiredOf(tool: SimTool): string[] {
  return Array.isArray(tool.parameters.required)
    ? tool.parameters.required.filter((r): r is string => typeof r === 'string')
    : [];
}

/** The tool the conversation was about before the last user message, with its last arguments. */
function previousTool(request: SimRequest, rules: Set<SimRuleId>): Planned | null {
  const msgs = request.messages;
  let lastUser = -1;
  for (let i = msgs.length - 1; i >= 0; i--)
    if (msgs[i]?.role === 'user') {
      lastUser = i;
      break;
    }
  for (let i = lastUser - 1; i >= 0; i--) {
    const m = msgs[i];
    if (m?.role === 'assistant' && m.toolCalls.length > 0) {
      const call = m.toolCalls[m.toolCalls.length - 1]!;
      const tool = request.tools.find((t) => t.name === call.name);
      if (tool) return { tool, args: call.arguments };
    }
    if (m?.role === 'user') {
      const chosen = chooseTool(m.text, request.tools);
      if (chosen && chosen.score >= CALL_THRESHOLD)
        return { tool: chosen.tool, args: argsFor(chosen.tool, m.text, rules) };
    }
  }
  return null;
}

function argsFor(tool: SimTool, text: string, rules: Set<SimRuleId>): Record<string, unknown> {
  const args = extractArgs(tool.parameters, text, {
    isoDates: rules.has('iso_dates'),
    jsonTypes: rules.has('json_types'),
    defaultYear: SIM_DEFAULT_YEAR,
  });
  if (!rules.has('schema_only')) {
    const pref = findPreference(text);
    const props =
      tool.parameters.properties && typeof tool.parameters.properties === 'object' ? tool.parameters.properties : {};
    if (pref && !(SIM_EXTRA_ARG in props)) args[SIM_EXTRA_ARG] = pref;
  }
  return args;
}

/**
 * The simulated target model (the agent under test): tool calls whose quality depends on the rules the system
 * prompt states, and in a conversation the text quirks of SCALE_SIM_RULES. A text reply to a rude or impatient
 * last user message starts "Whatever." unless rule stay_warm is stated.
 */
export function targetReply(input: SimRequest): SimReply {
  const scale = activeScaleRules(input.system);
  const reply = targetCore(input, scale);
  if (reply.text.length > 0 && !scale.has('stay_warm') && RUDE_OR_IMPATIENT.test(lastUserText(input.messages)))
    return { ...reply, text: curt(reply.text) };
  return reply;
}

/** The agent's report of the tool results that end the conversation (the calls of the assistant message before them). */
function reportResults(request: SimRequest, scale: Set<ScaleSimRuleId>): string {
  const msgs = request.messages;
  let start = msgs.length;
  while (start > 0 && msgs[start - 1]?.role === 'tool') start--;
  const before = msgs[start - 1];
  const calls = before?.role === 'assistant' ? before.toolCalls : [];
  const parts: string[] = [];
  const bold = !scale.has('plain_text') && boldsFacts(seedOf(request));
  for (let i = start; i < msgs.length; i++) {
    const call = calls[i - start];
    const tool = call ? request.tools.find((t) => t.name === call.name) : undefined;
    parts.push(resultStatement(call, tool?.parameters, msgs[i]!.text, bold));
  }
  return parts.join(' ');
}

/**
 * When the agent's last message asked for a missing detail (askForDetail), the tool of the request it asked about
 * with arguments from every user message since that request, the answer included; else null.
 */
function answeredAsk(request: SimRequest, rules: Set<SimRuleId>): Planned | null {
  const msgs = request.messages;
  const lastIdx = msgs.length - 1;
  const asked = msgs[lastIdx - 1];
  if (
    msgs[lastIdx]?.role !== 'user' ||
    asked?.role !== 'assistant' ||
    asked.toolCalls.length > 0 ||
    !ASK_PATTERN.test(asked.text)
  )
    return null;
  const texts: string[] = [msgs[lastIdx].text];
  for (let i = lastIdx - 1; i >= 0; i--) {
    const m = msgs[i]!;
    if (m.role === 'tool' || (m.role === 'assistant' && (m.toolCalls.length > 0 || !ASK_PATTERN.test(m.text))))
      return null;
    if (m.role !== 'user') continue;
    texts.unshift(m.text);
    const chosen = chooseTool(m.text, request.tools);
    if (chosen && chosen.score >= CALL_THRESHOLD)
      return { tool: chosen.tool, args: argsFor(chosen.tool, texts.map(lowerLeadingPreposition).join('\n'), rules) };
  }
  return null;
}

/** "In Oslo." → "in Oslo.": a short answer starts with its preposition, which place extraction expects in lower case. */
function lowerLeadingPreposition(text: string): string {
  return text.replace(
    /(^|[.!?]\s+)(In|To|From|At|For)(?=\s+[A-Z])/g,
    (_m, start: string, prep: string) => `${start}${prep.toLowerCase()}`,
  );
}

function targetCore(input: SimRequest, scale: Set<ScaleSimRuleId>): SimReply {
  const choice = input.toolChoice ?? 'auto';
  if (choice === 'none') return { mode: 'target', text: smallTalkText(lastUserText(input.messages)), toolCalls: [] };
  const forced = typeof choice === 'object' ? input.tools.filter((t) => t.name === choice.name) : input.tools;
  const request = { ...input, tools: forced.length > 0 ? forced : input.tools };
  const mustCall = choice === 'required' || typeof choice === 'object';
  const rules = activeRules(request.system);
  const last = request.messages[request.messages.length - 1];
  if (!last || last.role !== 'user') {
    // After tool results the model reports them instead of calling again.
    return {
      mode: 'target',
      text: last?.role === 'tool' ? reportResults(request, scale) : 'How can I help?',
      toolCalls: [],
    };
  }
  const clauses = splitClauses(last.text);
  const prev = previousTool(request, rules);
  const planned: Planned[] = [];
  const answered = answeredAsk(request, rules);
  const otherTool = clauses.some((c) => {
    const chosen = chooseTool(c, request.tools);
    return chosen !== null && chosen.score >= CALL_THRESHOLD && chosen.tool !== answered?.tool;
  });
  if (answered && !otherTool) {
    // The user answered the agent's question: complete the request it was about.
    planned.push(answered);
  } else {
    for (const clause of clauses) {
      const chosen = chooseTool(clause, request.tools);
      if (chosen && chosen.score >= CALL_THRESHOLD) {
        planned.push({ tool: chosen.tool, args: argsFor(chosen.tool, clause, rules) });
        continue;
      }
      if (prev) {
        // A follow-up ("And in Porto?") reuses the previous tool when it names something for it.
        const own = argsFor(prev.tool, clause, rules);
        const ownKeys = Object.keys(own).filter((k) => k !== SIM_EXTRA_ARG);
        if (ownKeys.length > 0)
          planned.push({ tool: prev.tool, args: { ...pick(prev.args, requiredOf(prev.tool)), ...own } });
      }
    }
  }
  if (planned.length === 0) {
    if (rules.has('abstain') && !mustCall) return { mode: 'target', text: smallTalkText(last.text), toolCalls: [] };
    // Without the abstain rule the model always reaches for a tool.
    const fallback = prev ?? { tool: request.tools[0]!, args: argsFor(request.tools[0]!, last.text, rules) };
    return { mode: 'target', text: '', toolCalls: [{ name: fallback.tool.name, arguments: fallback.args }] };
  }
  // Models named *lite* never make parallel calls, whatever the prompt says (per-model differences).
  const multi = rules.has('all_calls') && !/lite/i.test(request.model) && request.parallelToolCalls !== false;
  const calls = multi ? planned : planned.slice(0, 1);
  if (!mustCall) {
    // A request a tool can do, but a required detail is not in the user's words: ask for it, or give up.
    for (const p of calls) {
      const missing = requiredOf(p.tool).find((r) => !(r in p.args));
      if (missing === undefined) continue;
      const props =
        p.tool.parameters.properties && typeof p.tool.parameters.properties === 'object'
          ? (p.tool.parameters.properties as Record<string, SchemaLike>)
          : {};
      const text = scale.has('ask_missing') ? askForDetail(p.tool.name, missing, props[missing]) : SIM_REFUSAL;
      return { mode: 'target', text, toolCalls: [] };
    }
  }
  return { mode: 'target', text: '', toolCalls: calls.map((p) => ({ name: p.tool.name, arguments: p.args })) };
}

function pick(obj: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of keys) if (k in obj) out[k] = obj[k];
  return out;
}

function smallTalkText(text: string): string {
  if (/\b(thanks|thank you|cheers)\b/i.test(text)) return "You're welcome! Let me know if you need anything else.";
  if (/\b(hi|hello|hey|good (morning|afternoon|evening))\b/i.test(text)) return 'Hello! How can I help?';
  return 'Happy to help whenever you need something done.';
}
