// Every prompt APO's critique (textual gradient) and edit models receive, and the edit reply's parsing.
// Tags: <current_prompt>, <example> blocks (<input>, <expected>, <answer>, <reward>), <critique>, and
// "Candidate k of n" so each edit of one parent tries something different.
import type { ModelRequest } from '../../models/types';

/** Tau's critique system prompt first, then Agent Lightning's ask. */
export const CRITIQUE_SYSTEM = [
  'You critique system prompts for an agent. Return concise actionable guidance.',
  "You see the agent's current system prompt and examples where its answer earned a low reward.",
  'Write a brief critique listing the specific causes of the errors or ways to raise the reward, each as a short general instruction the prompt could state.',
  'Never copy the examples or their exact values into the guidance.',
].join(' ');

/** Tau's edit system prompt first, then Agent Lightning's ask. */
export const EDIT_SYSTEM = [
  'You edit system prompts using critique text. Return only the revised prompt.',
  'Revise the current prompt using the critique as constraints: keep what already works, keep it short and general, and never copy examples into it.',
  'No explanation, no quotes, no code fences.',
].join(' ');

/** One failing rollout of a parent, as the critique sees it. */
export interface ApoFailure {
  input: string;
  /** null when the item has no expected answer. */
  expected: string | null;
  /** The agent's answer; null when the rollout produced none. */
  answer: string | null;
  reward: number;
}

/** How many failures a critique shows at most, and how long each text may be (keeps the prompt small). */
export const MAX_CRITIQUE_EXAMPLES = 8;
export const MAX_EXAMPLE_CHARS = 600;

function clip(text: string): string {
  return text.length > MAX_EXAMPLE_CHARS ? `${text.slice(0, MAX_EXAMPLE_CHARS)}…` : text;
}

/** Rewards printed short: 0, 0.5, 1. */
function rewardText(reward: number): string {
  return String(Math.round(reward * 1000) / 1000);
}

export function formatExample(f: ApoFailure): string {
  return `<example><input>${clip(f.input)}</input><expected>${clip(f.expected ?? '')}</expected><answer>${clip(f.answer ?? '')}</answer><reward>${rewardText(f.reward)}</reward></example>`;
}

/** The textual gradient: why the parent's answers lost reward. */
export function critiqueRequest(model: string, prompt: string, failures: ApoFailure[]): ModelRequest {
  const user = [
    'The system prompt below was run on these inputs; each example shows what was expected, what the agent answered, and the reward (1 is best).',
    `<current_prompt>\n${prompt}\n</current_prompt>`,
    failures.slice(0, MAX_CRITIQUE_EXAMPLES).map(formatExample).join('\n'),
    'List the specific causes of the lost reward as instructions the prompt should state.',
  ].join('\n\n');
  return { model, system: CRITIQUE_SYSTEM, messages: [{ role: 'user', content: user }], maxTokens: 1500 };
}

/** One edit of the parent from the critique; k of n edits of the same parent. */
export function editRequest(model: string, prompt: string, critique: string, k: number, n: number): ModelRequest {
  const user = [
    'Revise the system prompt below using the critique as constraints.',
    `<current_prompt>\n${prompt}\n</current_prompt>`,
    `<critique>\n${critique}\n</critique>`,
    `Candidate ${k} of ${n}.${n > 1 ? ' Each candidate should try a different revision.' : ''} Return only the revised prompt.`,
  ].join('\n\n');
  return { model, system: EDIT_SYSTEM, messages: [{ role: 'user', content: user }], maxTokens: 2000 };
}

export class ApoEditError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ApoEditError';
  }
}

const QUOTES: ReadonlyArray<[string, string]> = [
  ['"', '"'],
  ["'", "'"],
  ['“', '”'],
  ['`', '`'],
];

/**
 * The revised prompt from an edit reply: models add code fences, quotes or <prompt> tags although asked not to;
 * an empty result is an error (the candidate is dropped, not scored).
 */
export function parseEditReply(text: string): string {
  let t = text.trim();
  const tagged = t.match(/<prompt>([\s\S]*?)<\/prompt>/);
  if (tagged) t = tagged[1]!.trim();
  const fenced = t.match(/^```[\w-]*[ \t]*\r?\n([\s\S]*?)\r?\n?```$/);
  if (fenced) t = fenced[1]!.trim();
  for (const [open, close] of QUOTES) {
    if (t.length >= 2 && t.startsWith(open) && t.endsWith(close)) {
      t = t.slice(open.length, t.length - close.length).trim();
      break;
    }
  }
  if (t.length === 0) throw new ApoEditError('the edit model returned an empty prompt');
  return t;
}
