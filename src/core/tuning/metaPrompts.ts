// Every prompt the meta model receives, in one place. The tags follow the simulator contract
// (TEAM.md): <current_prompt>, <failures>, <strategy>, <parent_a>/<parent_b>; the reply comes in <prompt>.
import type { ModelRequest } from '../models/types';

/**
 * One named way to rewrite a prompt; variants of one generation each get a different one so they differ.
 * The first ones each address a different aspect of tool calling (when to call, argument formats and types,
 * the schema, several calls), so even a small population explores distinct fixes.
 */
export const STRATEGIES: readonly string[] = [
  'say when not to call a tool',
  'normalise dates and numbers',
  'emphasise correct argument types',
  'forbid arguments outside the schema',
  'handle multi-step requests with several calls',
  'clarify tool selection',
  'be explicit about argument formats',
  'add constraints',
  'restructure as rules',
  'add examples of edge cases',
  'require every required argument',
  'ask for missing information instead of guessing',
  'state the assistant role and scope',
  'prefer the most specific tool',
  'be concise and direct',
  'add a checklist before each call',
  'use exact names from the user message',
  'describe each tool in one line',
  'handle ambiguous requests',
  'add a short worked example',
  'rewrite for a smaller model',
  'remove redundancy',
  'put the most important rule first',
  'cover small talk and thanks',
] as const;

const SYSTEM = [
  'You improve system prompts for an assistant that answers users by calling tools.',
  'Keep what already works, change what the task asks for, and keep the prompt short and general:',
  'never copy test cases or their exact values into it.',
  'Answer with the complete new system prompt only, wrapped in <prompt> and </prompt>, with nothing else.',
].join(' ');

/** The meta model never sees tools, so the simulator (and any model) treats it as a writing task. */
function request(model: string, user: string): ModelRequest {
  return { model, system: SYSTEM, messages: [{ role: 'user', content: user }], maxTokens: 2000 };
}

/** A variant of `prompt` written with one named strategy (Quick, generation 1, and retries). */
export function variantRequest(model: string, prompt: string, strategy: string, retryNote?: string): ModelRequest {
  return request(
    model,
    [
      'Rewrite this system prompt using the strategy named below.',
      `<current_prompt>\n${prompt}\n</current_prompt>`,
      `<strategy>${strategy}</strategy>`,
      retryNote ?? '',
    ]
      .filter(Boolean)
      .join('\n\n'),
  );
}

/** One failing case of the parent, as the reflective mutation sees it (typed reason + detail). */
export interface FailureLine {
  caseId: string;
  model: string;
  reason: string;
  detail: string | null;
  /** What the user said (shortened). */
  input: string;
}

/** How many failures a reflective mutation shows at most (keeps the meta prompt small). */
export const MAX_FAILURE_LINES = 12;

export function formatFailures(failures: FailureLine[]): string {
  return failures
    .slice(0, MAX_FAILURE_LINES)
    .map(
      (f) => `- ${f.reason}: case ${f.caseId} on ${f.model}; user said "${f.input}"${f.detail ? `; ${f.detail}` : ''}`,
    )
    .join('\n');
}

/** Reflective mutation (as GEPA does): fix what the parent got wrong, from typed failure reasons. */
export function reflectiveRequest(
  model: string,
  prompt: string,
  failures: FailureLine[],
  retryNote?: string,
): ModelRequest {
  return request(
    model,
    [
      'The system prompt below was tested. These cases failed, each with its typed failure reason and detail.',
      'Write an improved prompt that fixes the cause of these failures in general terms.',
      `<current_prompt>\n${prompt}\n</current_prompt>`,
      `<failures>\n${formatFailures(failures)}\n</failures>`,
      retryNote ?? '',
    ]
      .filter(Boolean)
      .join('\n\n'),
  );
}

/** Crossover of two survivors: one prompt that keeps the strengths of both. */
export function crossoverRequest(model: string, parentA: string, parentB: string): ModelRequest {
  return request(
    model,
    [
      'Combine these two system prompts into one that keeps every useful instruction of both, without repeating itself.',
      `<parent_a>\n${parentA}\n</parent_a>`,
      `<parent_b>\n${parentB}\n</parent_b>`,
    ].join('\n\n'),
  );
}

/** Added on the one retry after an empty or duplicate reply. */
export const RETRY_NOTE =
  'Your previous answer was empty or identical to a prompt we already have. Write a different prompt.';
