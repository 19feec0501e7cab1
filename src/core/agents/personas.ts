// Which simulated user conversation i meets: the agent's scenarios in turn, or, without scenarios, the
// form's goal and message played by a persona that changes with the seed, so N runs are not N copies of
// one cooperative user (simulated users are over-cooperative by default).
import type { Agent } from './agentSchema';
import { AgentError } from './loadAgent';

/** Personas for runs without scenarios; run i gets PERSONAS[(seed + i) mod length]. */
export const PERSONAS: readonly string[] = [
  'An impatient user in a hurry: short, blunt messages; annoyed by questions that seem unnecessary; wants it done now.',
  'A confused user who is not sure what they need: vague at first, mixes up details, needs things explained simply.',
  'A terse user: answers in as few words as possible, gives only what is asked, never volunteers details.',
  'A chatty user: friendly and talkative, drifts into small talk and side stories, but still wants the task done.',
  'A skeptical user: doubts what the agent says, asks for confirmation and reasons before agreeing to anything.',
  'A polite, cooperative user: clear and courteous, answers every question fully.',
  'An indecisive user: changes their mind about one detail partway through, then settles.',
  'A user writing in simple, slightly broken English, with a typo now and then.',
];

/** The simulated user of one conversation; `id` is null when the form's goal and message are used. */
export interface RunScenario {
  id: string | null;
  persona: string;
  goal: string;
  /** Sent verbatim as the first user turn; absent: the simulated user writes it. */
  openingMessage?: string;
}

/** Run `index` (0-based) plays scenario index mod S; without scenarios, the form's goal and message with a varying persona. */
export function scenarioForRun(
  agent: Agent,
  index: number,
  seed: number,
  form: { goal?: string; userMessage?: string },
): RunScenario {
  const scenarios = agent.scenarios ?? [];
  if (scenarios.length > 0) {
    const s = scenarios[index % scenarios.length]!;
    return {
      id: s.id,
      persona: s.persona,
      goal: s.goal,
      ...(s.openingMessage !== undefined ? { openingMessage: s.openingMessage } : {}),
    };
  }
  const goal = form.goal?.trim() ?? '';
  const message = form.userMessage?.trim() ?? '';
  if (goal === '' && message === '') {
    throw new AgentError(agent.file, [
      {
        path: 'scenarios',
        message:
          'the agent has no scenarios and no goal or user message was given: add scenarios to the agent file, or fill in the goal and the user message',
      },
    ]);
  }
  const persona = PERSONAS[mod(seed + index, PERSONAS.length)]!;
  return {
    id: null,
    persona,
    goal: goal !== '' ? goal : `Get what your first message asks for: "${message}"`,
    ...(message !== '' ? { openingMessage: form.userMessage! } : {}),
  };
}

function mod(n: number, m: number): number {
  return ((Math.trunc(n) % m) + m) % m;
}
