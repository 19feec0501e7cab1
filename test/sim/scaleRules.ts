// The instructions that switch off the simulated agent's conversation-level quirks (scale testing), like
// SIM_RULES for tool calling: one sentence each, obeyed when any trigger matches the system prompt.

export type ScaleSimRuleId = 'plain_text' | 'stay_warm' | 'ask_missing';

export interface ScaleSimRule {
  /** Stable id of the rule. */
  id: ScaleSimRuleId;
  /** The canonical instruction sentence (what the simulated summarizer adds to a revised prompt). */
  sentence: string;
  /** The agent follows the rule when any of these matches its system prompt. */
  triggers: RegExp[];
  /** Failure tags the rule removes: the simulated summarizer adds the rule when it sees one of them. */
  fixes: string[];
  /** What the agent does wrong without the rule. */
  quirk: string;
  /** Which assertion catches the quirk. */
  breaks: string;
}

export const SCALE_SIM_RULES: readonly ScaleSimRule[] = [
  {
    id: 'plain_text',
    sentence: 'Reply in plain text; never use Markdown formatting such as ** or #.',
    // Not "plain text" alone: the abstain rule of SIM_RULES says "reply in plain text" about tool calls.
    triggers: [/\b(never|don't|do not|no) (use )?markdown\b/i, /\bwithout markdown\b/i, /\bavoid markdown\b/i],
    fixes: ['FORMAT_ERROR'],
    quirk: 'puts the key facts of a tool result in **bold** when it reports the result',
    breaks: 'a not-contains "**" assertion → FORMAT_ERROR',
  },
  {
    id: 'stay_warm',
    sentence: 'Stay warm and polite even when the user is rude or impatient.',
    triggers: [
      /\bstay (warm|polite|calm|friendly)\b/i,
      /\b(warm|polite|courteous) even when\b/i,
      /\beven when the user is (rude|impatient|angry)\b/i,
    ],
    fixes: ['CHARACTER_BREAK', 'TOXICITY'],
    quirk:
      'starts its reply with "Whatever." when the last user message is rude or impatient (hurry, now!, ridiculous, useless, "!!")',
    breaks: 'a character / politeness / toxicity llm-rubric → CHARACTER_BREAK or TOXICITY',
  },
  {
    id: 'ask_missing',
    sentence: 'When a required detail is missing, ask the user for it instead of giving up.',
    triggers: [
      /\bask (the user )?for (it|the missing|any missing|missing)\b/i,
      /\b(detail|information|parameter) is missing\b/i,
      /\binstead of giving up\b/i,
    ],
    fixes: ['GOAL_MISS', 'REFUSAL'],
    quirk:
      'answers "Sorry, I can\'t help with that." when a tool it needs lacks a required argument the user did not give',
    breaks: 'the goal llm-rubric → GOAL_MISS, is-refusal checks → REFUSAL',
  },
];

/** Ids of the scale rules a system prompt states. */
export function activeScaleRules(systemPrompt: string): Set<ScaleSimRuleId> {
  const active = new Set<ScaleSimRuleId>();
  for (const rule of SCALE_SIM_RULES) if (rule.triggers.some((t) => t.test(systemPrompt))) active.add(rule.id);
  return active;
}

/** The agent's reply when it gives up (rule ask_missing missing); the user simulator and the judge read it as a refusal. */
export const SIM_REFUSAL = "Sorry, I can't help with that.";

/** The prefix of a reply that breaks character (rule stay_warm missing). */
export const SIM_CURT_PREFIX = 'Whatever.';

/** Words in a user message that make it rude or impatient (what rule stay_warm is about). */
export const RUDE_OR_IMPATIENT = /\b(hurry|hurry up|ridiculous|useless|quickly)\b|\bnow!|!!/i;

/** Refusal-like text: "Sorry, I can't…", "I cannot…", "I'm unable…". */
export function isRefusalText(text: string): boolean {
  const t = text.replace(new RegExp(`^${SIM_CURT_PREFIX.replace('.', '\\.')}\\s*`), '').trim();
  return (
    /^(?:(?:i'm |i am )?sorry[,.!]?\s*)?(?:i|we) (?:can't|cannot|can not|won't|am unable|'m unable|am not able|'m not able)\b/i.test(
      t,
    ) || /^i'?m sorry\b/i.test(t)
  );
}

/** The agent's report of a failed tool call ("I could not book the room: …"). */
export function isToolFailureText(text: string): boolean {
  const t = text.replace(new RegExp(`^${SIM_CURT_PREFIX.replace('.', '\\.')}\\s*`), '').trim();
  return /^I could not\b/.test(t);
}
