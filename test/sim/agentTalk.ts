// What the simulated agent says in a conversation (scale testing): the report of a tool result, the question
// for a missing detail, and the curt opener of a reply to a rude user. Which of them shows depends on the
// rules of scaleRules.ts the system prompt states. See README.md, "Agent in a conversation".
import type { SchemaLike } from './argExtraction';
import { SIM_CURT_PREFIX } from './scaleRules';
import { unitDraw } from './simText';

/** Share of conversations (by seed) in which the agent writes **bold** facts when rule plain_text is missing. */
export const BOLD_SHARE = 0.5;

/** Whether the agent of this conversation bolds the key facts it reports (rule plain_text missing). */
export function boldsFacts(seed: number): boolean {
  return unitDraw(seed, 'bold') < BOLD_SHARE;
}

/** Past tenses the agent uses for a tool's first word; other verbs get -ed / -d. */
const IRREGULAR_PAST: Record<string, string> = {
  get: 'got',
  find: 'found',
  make: 'made',
  send: 'sent',
  set: 'set',
  buy: 'bought',
  pay: 'paid',
  take: 'took',
  give: 'gave',
  run: 'ran',
  put: 'put',
  read: 'read',
  cancel: 'cancelled',
  stop: 'stopped',
  plan: 'planned',
  ship: 'shipped',
  show: 'showed',
  tell: 'told',
  see: 'saw',
};

/** First words of tool names that are verbs (the agent reports "I <past> <rest of the name>"). */
const TOOL_VERBS = new Set([
  ...Object.keys(IRREGULAR_PAST),
  'book',
  'reserve',
  'check',
  'convert',
  'create',
  'update',
  'delete',
  'remove',
  'add',
  'change',
  'order',
  'schedule',
  'search',
  'look',
  'lookup',
  'list',
  'fetch',
  'turn',
  'start',
  'open',
  'close',
  'refund',
  'transfer',
  'modify',
  'confirm',
  'track',
  'submit',
  'reset',
  'rebook',
  'upgrade',
  'return',
  'compute',
  'calculate',
  'query',
  'retrieve',
]);

/** "booked", "cancelled", "got", … */
export function pastTense(verb: string): string {
  const v = verb.toLowerCase();
  if (IRREGULAR_PAST[v]) return IRREGULAR_PAST[v];
  if (v === 'lookup') return 'looked up';
  if (v.endsWith('e')) return `${v}d`;
  if (/[^aeiou]y$/.test(v)) return `${v.slice(0, -1)}ied`;
  return `${v}ed`;
}

/** A tool name read as an action: book_room → { verb: "book", object: "the room" }. */
export function toolAction(toolName: string): { verb: string | null; object: string } {
  const words = toolName
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .split(/[_\-\s]+/)
    .map((w) => w.toLowerCase())
    .filter((w) => w.length > 0);
  const first = words[0] ?? '';
  if (TOOL_VERBS.has(first))
    return { verb: first, object: words.length > 1 ? `the ${words.slice(1).join(' ')}` : 'it' };
  return { verb: null, object: `the ${words.join(' ')}` };
}

const PLACE_PARAM = /\b(city|destination|origin|location|place|airport|town)\b/;

/** " in Oslo" (or " to …" / " from …") from a call's place argument, or "". */
function placePhrase(args: Record<string, unknown>, parameters: SchemaLike | undefined): string {
  const props =
    parameters?.properties && typeof parameters.properties === 'object'
      ? (parameters.properties as Record<string, SchemaLike>)
      : {};
  for (const [name, value] of Object.entries(args)) {
    if (typeof value !== 'string' || value.length === 0) continue;
    const schema = props[name];
    const hint =
      `${name.replace(/_/g, ' ')} ${typeof schema?.description === 'string' ? schema.description : ''}`.toLowerCase();
    if (!PLACE_PARAM.test(hint)) continue;
    const prep = /\b(from|origin|departure)\b/.test(hint)
      ? 'from'
      : /\b(to|destination|arrival)\b/.test(hint)
        ? 'to'
        : 'in';
    return ` ${prep} ${value}`;
  }
  return '';
}

/** The error a tool result reports ("…" of {"error": "…"}, or text starting "Error"), or null when it succeeded. */
export function toolResultError(resultText: string): string | null {
  const t = resultText.trim();
  try {
    const v: unknown = JSON.parse(t);
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const o = v as Record<string, unknown>;
      if (o.error !== undefined && o.error !== null && o.error !== false)
        return typeof o.error === 'string' ? o.error : JSON.stringify(o.error);
      if (o.ok === false) return typeof o.message === 'string' ? o.message : 'the tool reported a failure';
    }
    return null;
  } catch {
    const m = t.match(/^(?:tool\s+)?error\b[:\s-]*(.*)$/i);
    return m ? m[1]?.trim() || 'the tool reported an error' : null;
  }
}

function factValue(v: unknown): string | null {
  if (typeof v === 'string') return v.length > 80 ? `${v.slice(0, 77)}…` : v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return null;
}

/** The key facts of a tool result: "room 12", "confirmation HX-1234"; the text itself when it is not JSON. */
export function resultFacts(resultText: string): string[] {
  const t = resultText.trim();
  let v: unknown;
  try {
    v = JSON.parse(t);
  } catch {
    return t.length > 0 ? [t.length > 120 ? `${t.slice(0, 117)}…` : t] : [];
  }
  if (Array.isArray(v)) {
    const first = v[0];
    const inner = first && typeof first === 'object' && !Array.isArray(first) ? resultFacts(JSON.stringify(first)) : [];
    return [`${v.length} result${v.length === 1 ? '' : 's'}`, ...inner.slice(0, 2)];
  }
  if (v && typeof v === 'object') {
    const facts: string[] = [];
    for (const [k, val] of Object.entries(v as Record<string, unknown>)) {
      if (k === 'ok' || k === 'success') continue;
      const key = k.replace(/[_-]+/g, ' ');
      const s = factValue(val);
      if (s !== null) facts.push(`${key} ${s}`);
      else if (Array.isArray(val)) {
        // A list ("rooms": [...]): how many, then the first one's facts.
        facts.push(`${val.length} ${val.length === 1 ? key.replace(/s$/, '') : key}`);
        const first: unknown = val[0];
        if (first && typeof first === 'object' && !Array.isArray(first))
          facts.push(...resultFacts(JSON.stringify(first)).slice(0, 3));
      }
      if (facts.length >= 4) break;
    }
    return facts.slice(0, 4);
  }
  const s = factValue(v);
  return s === null ? [] : [s];
}

/**
 * What the agent says after a tool result: "I booked the room in Oslo for you: room 12, confirmation HX-1234."
 * With `bold`, each fact (or the error) is **bold** (rule plain_text missing). A failed call: "I could not book the room: …".
 */
export function resultStatement(
  call: { name: string; arguments: Record<string, unknown> } | undefined,
  parameters: SchemaLike | undefined,
  resultText: string,
  bold: boolean,
): string {
  const action = toolAction(call?.name ?? 'request');
  const error = toolResultError(resultText);
  if (error !== null) {
    const what = action.verb ? `${action.verb} ${action.object}` : `complete ${action.object}`;
    const shown = error.length > 160 ? `${error.slice(0, 157)}…` : error.replace(/\.$/, '');
    return `I could not ${what}: ${bold ? `**${shown}**` : shown}.`;
  }
  const facts = resultFacts(resultText).map((f) => (bold ? `**${f}**` : f));
  const did = action.verb ? `${pastTense(action.verb)} ${action.object}` : `completed ${action.object}`;
  const where = placePhrase(call?.arguments ?? {}, parameters);
  const tail = facts.length > 0 ? `: ${facts.join(', ')}` : '';
  return `I ${did}${where} for you${tail}.`.replace(/\.\.$/, '.');
}

const DATE_PARAM = /\b(date|day|check ?in|check ?out)\b/;

/** The agent's question for a missing required argument: "Which city should I use to book the room? (City of the hotel)". */
export function askForDetail(toolName: string, param: string, schema: SchemaLike | undefined): string {
  let label = param
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .replace(/[_-]+/g, ' ')
    .toLowerCase();
  const description = typeof schema?.description === 'string' ? schema.description.trim() : '';
  if ((schema?.format === 'date' || DATE_PARAM.test(label)) && !/\bdate\b/.test(label)) label = `${label} date`;
  const action = toolAction(toolName);
  const purpose = action.verb ? `${action.verb} ${action.object}` : `use ${action.object}`;
  const note = description.length > 0 && description.length <= 80 ? ` (${description.replace(/\.$/, '')})` : '';
  return `Which ${label} should I use to ${purpose}?${note}`;
}

/** The agent's own question for a missing detail (what askForDetail writes). */
export const ASK_PATTERN = /\bWhich [^?]* should I use to [^?]*\?/;

/** A reply to a rude or impatient user when rule stay_warm is missing. */
export function curt(text: string): string {
  return text.startsWith(SIM_CURT_PREFIX) ? text : `${SIM_CURT_PREFIX} ${text}`;
}
