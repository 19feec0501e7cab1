// The simulated user's side of a conversation: its system prompt (τ-bench's rules, with the <persona>,
// <goal> and ###STOP### markers the model-role contract names), the conversation turned around to its
// point of view, and the reading of its reply.
import type { ChatMessage, ModelRequest } from '../models/types';
import type { TranscriptMessage } from '../scale/types';

/** τ-bench's token: a reply containing it ends the conversation (the text around it is not sent). */
export const STOP_TOKEN = '###STOP###';

/** The first message the simulated user sees, as if from the agent, so its own turns always answer one. */
export const USER_KICKOFF = 'Hi! How can I help you today?';

/** Shown to the simulated user for an agent turn that had no text. */
const EMPTY_AGENT_REPLY = '(no reply)';

export function userSystemPrompt(scenario: { persona: string; goal: string }): string {
  return [
    'You are playing a user who talks to a customer-facing AI agent, so the agent can be tested. You are the user, never the agent.',
    '',
    `<persona>\n${scenario.persona.trim()}\n</persona>`,
    '',
    `<goal>\n${scenario.goal.trim()}\n</goal>`,
    '',
    'Rules:',
    '- Write one message at a time: only the text the user would type, with no labels, quotes, or notes about yourself.',
    '- Reveal only what the current step needs; do not give every detail of the goal at once.',
    '- Never invent details the goal does not give (names, dates, numbers, codes). If the agent asks for one you do not have, say you do not know it.',
    '- Keep the persona, its tone and its patience for the whole conversation.',
    '- Do not end the conversation before the agent has actually done what the goal needs; an offer or a question to confirm is not done yet.',
    `- When the goal is met, reply with ${STOP_TOKEN} alone, and nothing else. Reply with ${STOP_TOKEN} alone too when the agent has clearly said it cannot help and there is nothing left to try.`,
  ].join('\n');
}

/** The request for the simulated user's next message (or its opening, when `transcript` is empty). */
export function userRequest(input: {
  model: string;
  scenario: { persona: string; goal: string };
  transcript: readonly TranscriptMessage[];
  seed: number;
  temperature: number;
}): ModelRequest {
  return {
    model: input.model,
    system: userSystemPrompt(input.scenario),
    messages: userView(input.transcript),
    seed: input.seed,
    temperature: input.temperature,
  };
}

/**
 * The conversation from the user's side: the agent's text as `user`, the simulated user's own turns as
 * `assistant`; tool calls are not shown. Several agent messages of one turn become one message.
 */
export function userView(transcript: readonly TranscriptMessage[]): ChatMessage[] {
  const out: ChatMessage[] = [{ role: 'user', content: USER_KICKOFF }];
  let agentTexts: string[] | null = null;
  const flushAgent = () => {
    if (agentTexts === null) return;
    const text = agentTexts.filter((t) => t.trim() !== '').join('\n\n');
    out.push({ role: 'user', content: text === '' ? EMPTY_AGENT_REPLY : text });
    agentTexts = null;
  };
  for (const m of transcript) {
    if (m.role === 'user') {
      flushAgent();
      out.push({ role: 'assistant', content: m.content });
    } else if (m.role === 'assistant') {
      (agentTexts ??= []).push(m.content);
    }
  }
  flushAgent();
  return out;
}

export type UserReply = { kind: 'message'; text: string } | { kind: 'stop' } | { kind: 'empty' };

/** A reply containing ###STOP### ends the conversation (τ-bench); an empty one cannot be sent. */
export function parseUserReply(text: string): UserReply {
  if (text.includes(STOP_TOKEN)) return { kind: 'stop' };
  const trimmed = text.trim();
  return trimmed === '' ? { kind: 'empty' } : { kind: 'message', text: trimmed };
}
