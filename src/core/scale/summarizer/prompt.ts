// The summarizer's prompt (the seed's analyst prompt, named for this product) and the request built from it.
// The rules are constants so a test can check that the prompt states every one of them; parse.ts enforces them.
import { countTokens } from 'gpt-tokenizer';
import type { ModelRequest } from '../../models/types';

/** The simulator recognises the summarizer by this opening. */
export const ANALYST_NAME = 'Prompt Tuner Analyst';

/** The exact string a section (or field) takes when the conversations do not show the fact asked for. */
export const INFORMATION_UNAVAILABLE = 'information unavailable';

export const MAX_RATIONALE_WORDS = 100;

/** The reply's fields, in the order the prompt lists them. */
export const SUMMARY_SECTIONS = ['failureModes', 'hallucinations', 'goalFailures', 'characterInconsistency'] as const;
export const REPLY_FIELDS = [...SUMMARY_SECTIONS, 'revisedPrompt', 'revisedPromptRationale'] as const;

export const RULE_JSON_ONLY =
  'Return only the JSON object: no text before or after it, no markdown around it, and no hidden reasoning or chain-of-thought anywhere in it.';
export const RULE_RATIONALE_LENGTH = `revisedPromptRationale is at most ${MAX_RATIONALE_WORDS} words.`;
export const RULE_NO_FABRICATION = `Never fabricate: when a fact or tool result you need is not in the conversations, set the affected field to the exact string "${INFORMATION_UNAVAILABLE}".`;
export const RULE_CITATIONS =
  'Each finding cites the conversation ids and turn numbers where it was seen, using only ids from <conversations>.';
export const RULE_REVISION =
  'revisedPrompt is always given, as the complete new system prompt: keep what works in the current prompt and fix the failures found; do not copy details of these conversations into it.';

/** Every rule the prompt states; the parser enforces the checkable ones. */
export const SUMMARIZER_RULES: readonly string[] = [
  RULE_JSON_ONLY,
  RULE_RATIONALE_LENGTH,
  RULE_NO_FABRICATION,
  RULE_CITATIONS,
  RULE_REVISION,
];

const FINDING_SHAPE = '{"text": string, "citations": [{"conversationId": string, "turn": number}]}';

/** The system prompt; `conversations` is how many the digest holds. */
export function summarizerSystemPrompt(conversations: number): string {
  return [
    `You are ${ANALYST_NAME}. Given ${conversations} conversation${conversations === 1 ? '' : 's'} with outcomes and failure cases, produce: 1) failure modes, 2) hallucinations, 3) goal failures, 4) character inconsistency, 5) a revised prompt with rationale.`,
    '',
    'The agent under test answered a simulated user with the system prompt in <agent_prompt>. <conversations> is a JSON digest: per conversation its id, scenario, outcome, why it ended, failure tags, failed assertions, tool errors and the messages with turn numbers.',
    '',
    'Sections:',
    '- failureModes: recurring ways the agent failed, most frequent first.',
    '- hallucinations: claims not backed by a tool result or the conversation, calls of tools that do not exist, made-up arguments.',
    '- goalFailures: conversations where the user did not reach the goal, and why.',
    '- characterInconsistency: where the agent left its character (given in <character> when the agent states one) or its tone.',
    'A section with nothing found is an empty list; a section the conversations cannot answer is "information unavailable".',
    '',
    'Reply with this JSON object:',
    `{"failureModes": Section, "hallucinations": Section, "goalFailures": Section, "characterInconsistency": Section, "revisedPrompt": string, "revisedPromptRationale": string}`,
    `where Section is a list of Finding or the string "${INFORMATION_UNAVAILABLE}", and Finding is ${FINDING_SHAPE}.`,
    '',
    'Rules:',
    ...SUMMARIZER_RULES.map((r) => `- ${r}`),
  ].join('\n');
}

export interface SummarizerPromptInput {
  model: string;
  /** The system prompt under test. */
  agentPrompt: string;
  /** The digest's JSON text. */
  digest: string;
  /** Conversations in the digest. */
  conversations: number;
  /** The character the agent should keep (the agent file's `character`), for characterInconsistency. */
  character?: string;
}

/** Room for four short sections and the rationale, plus the revised prompt (about as long as the original). */
export function summarizerMaxTokens(agentPrompt: string): number {
  const promptTokens = countTokens(agentPrompt, { disallowedSpecial: new Set() });
  return Math.min(8192, Math.max(2048, 1536 + Math.ceil(promptTokens * 1.5)));
}

export function summarizerRequest(input: SummarizerPromptInput): ModelRequest {
  const character = input.character?.trim() ? `<character>\n${input.character.trim()}\n</character>\n\n` : '';
  const user = `<agent_prompt>\n${input.agentPrompt}\n</agent_prompt>\n\n${character}<conversations>\n${input.digest}\n</conversations>`;
  return {
    model: input.model,
    system: summarizerSystemPrompt(input.conversations),
    messages: [{ role: 'user', content: user }],
    temperature: 0,
    maxTokens: summarizerMaxTokens(input.agentPrompt),
  };
}

/** The re-ask after a rejected reply; the simulator and the tests look for its opening words. */
export function rejectionMessage(problem: string): string {
  return `Your previous reply was rejected: ${problem}. Reply again with only the JSON object described above, following every rule.`;
}
