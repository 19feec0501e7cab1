// The simulated model's behaviour: pure, deterministic functions of the request, so tests can call
// them directly and the HTTP server only translates wire formats around them. See README.md.
import { contentWords, extractArgs, findPreference, wordsMatch, type SchemaLike } from './argExtraction';
import { metaReply, isMetaRequest } from './metaBehaviour';
import { activeRules, type SimRuleId } from './rules';

export { SIM_RULES, activeRules, FAILURE_REASONS } from './rules';
export type { SimRule, SimRuleId, SimFailureReason } from './rules';

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
}

export interface SimReply {
  /** Which behaviour answered. */
  mode: 'target' | 'meta' | 'chat';
  text: string;
  toolCalls: SimToolCall[];
}

/** Year assumed for dates written without one. */
export const SIM_DEFAULT_YEAR = 2026;
/** Name of the argument the model invents when rule schema_only is missing. */
export const SIM_EXTRA_ARG = 'notes';

/** Everything the simulated model answers, as a function of the request. */
export function simulate(request: SimRequest): SimReply {
  if (request.tools.length === 0 && isMetaRequest(request)) return { mode: 'meta', text: metaReply(request), toolCalls: [] };
  if (request.tools.length === 0) return { mode: 'chat', text: chatText(request), toolCalls: [] };
  return targetReply(request);
}

function chatText(request: SimRequest): string {
  const last = lastUserText(request.messages);
  return last ? `(simulator) You said: ${last.slice(0, 200)}` : '(simulator) Hello.';
}

function lastUserText(messages: SimMessage[]): string {
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
  const props = tool.parameters.properties && typeof tool.parameters.properties === 'object' ? Object.keys(tool.parameters.properties) : [];
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
  return Array.isArray(tool.parameters.required) ? tool.parameters.required.filter((r): r is string => typeof r === 'string') : [];
}

/** The tool the conversation was about before the last user message, with its last arguments. */
function previousTool(request: SimRequest, rules: Set<SimRuleId>): Planned | null {
  const msgs = request.messages;
  let lastUser = -1;
  for (let i = msgs.length - 1; i >= 0; i--) if (msgs[i]?.role === 'user') { lastUser = i; break; }
  for (let i = lastUser - 1; i >= 0; i--) {
    const m = msgs[i];
    if (m?.role === 'assistant' && m.toolCalls.length > 0) {
      const call = m.toolCalls[m.toolCalls.length - 1]!;
      const tool = request.tools.find((t) => t.name === call.name);
      if (tool) return { tool, args: call.arguments };
    }
    if (m?.role === 'user') {
      const chosen = chooseTool(m.text, request.tools);
      if (chosen && chosen.score >= CALL_THRESHOLD) return { tool: chosen.tool, args: argsFor(chosen.tool, m.text, rules) };
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
    const props = tool.parameters.properties && typeof tool.parameters.properties === 'object' ? tool.parameters.properties : {};
    if (pref && !(SIM_EXTRA_ARG in props)) args[SIM_EXTRA_ARG] = pref;
  }
  return args;
}

/** The simulated target model: tool calls whose quality depends on the rules the system prompt states. */
export function targetReply(input: SimRequest): SimReply {
  const choice = input.toolChoice ?? 'auto';
  if (choice === 'none') return { mode: 'target', text: smallTalkText(lastUserText(input.messages)), toolCalls: [] };
  const forced = typeof choice === 'object' ? input.tools.filter((t) => t.name === choice.name) : input.tools;
  const request = { ...input, tools: forced.length > 0 ? forced : input.tools };
  const mustCall = choice === 'required' || typeof choice === 'object';
  const rules = activeRules(request.system);
  const last = request.messages[request.messages.length - 1];
  if (!last || last.role !== 'user') {
    // After tool results the model summarises instead of calling again.
    return { mode: 'target', text: last?.role === 'tool' ? `Here is what I found: ${last.text.slice(0, 200)}` : 'How can I help?', toolCalls: [] };
  }
  const clauses = splitClauses(last.text);
  const prev = previousTool(request, rules);
  const planned: Planned[] = [];
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
      if (ownKeys.length > 0) planned.push({ tool: prev.tool, args: { ...pick(prev.args, requiredOf(prev.tool)), ...own } });
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
