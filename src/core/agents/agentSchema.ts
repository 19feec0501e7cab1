// The agent file format (`*.agent.json`): a system prompt (or a library reference), tools with mock results,
// the character the agent keeps, scenarios for the simulated user, and assertions graded on every transcript.
// One zod schema for load time; the JSON Schema the editor registers is generated from it (scripts/genSchema.ts).
import { z } from 'zod';

/** Failure tags the built-in checks use; an assertion may name any tag matching TAG_PATTERN. */
export const BUILTIN_FAILURE_TAGS = [
  'GOAL_MISS',
  'TOXICITY',
  'REFUSAL',
  'FORMAT_ERROR',
  'HALLUCINATION',
  'CHARACTER_BREAK',
  'TOOL_ERROR',
] as const;
export type BuiltinFailureTag = (typeof BUILTIN_FAILURE_TAGS)[number];
/** Upper snake case, like the built-ins: GOAL_MISS, PRICE_LEAK. */
export const TAG_PATTERN = /^[A-Z][A-Z0-9_]{1,39}$/;

/** promptfoo's assertion names, with promptfoo's semantics. */
export const ASSERTION_TYPES = [
  'llm-rubric',
  'contains',
  'not-contains',
  'icontains',
  'regex',
  'is-json',
  'contains-json',
  'is-refusal',
  'not-is-refusal',
] as const;
export type AssertionType = (typeof ASSERTION_TYPES)[number];

/** What part of the transcript an assertion looks at. */
export const ASSERTION_SCOPES = ['transcript', 'each', 'any', 'final'] as const;
export type AssertionScope = (typeof ASSERTION_SCOPES)[number];

/** Scopes each assertion type may use (checked at load); the first is its default. */
export const ASSERTION_SCOPES_BY_TYPE: Record<AssertionType, readonly AssertionScope[]> = {
  'llm-rubric': ['transcript', 'final'],
  contains: ['any', 'each', 'final', 'transcript'],
  icontains: ['any', 'each', 'final', 'transcript'],
  'not-contains': ['each', 'any', 'final', 'transcript'],
  regex: ['each', 'any', 'final', 'transcript'],
  'is-json': ['each', 'any', 'final'],
  'contains-json': ['any', 'each', 'final'],
  'is-refusal': ['any', 'each', 'final'],
  'not-is-refusal': ['each', 'any', 'final'],
};

/** The scope an assertion uses when it names none. */
export function defaultScope(type: AssertionType): AssertionScope {
  return ASSERTION_SCOPES_BY_TYPE[type][0]!;
}

/** Output formats an agent file may state; only then is formatting checked (FORMAT_ERROR). */
export const AGENT_FORMATS = ['plain', 'markdown', 'json'] as const;

export const MAX_TURNS_LIMIT = 30;
export const DEFAULT_MAX_TURNS = 8;

const ToolMockSchema = z
  .strictObject({
    responses: z
      .array(
        z.strictObject({
          when: z.record(z.string(), z.unknown()).meta({
            description:
              'Arguments to match, as in a suite case: literals (strings trimmed, case-insensitive) or matchers { "oneOf" }, { "regex" }, { "min", "max" }, { "any" }, { "absent" }.',
          }),
          result: z.unknown().meta({ description: 'The tool result returned when `when` matches (any JSON).' }),
        }),
      )
      .optional()
      .meta({ description: 'Tried in order; the first whose `when` matches answers.' }),
    result: z.unknown().optional().meta({ description: 'The result when no `when` matches (default: {"ok": true}).' }),
  })
  .meta({ description: 'How the tool answers during a scale test (no real tool is called).' });

const AgentToolSchema = z.strictObject({
  name: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, 'tool names are 1–64 letters, digits, _ or -')
    .meta({ description: 'Function name offered to the agent model.' }),
  description: z.string().optional().meta({ description: 'What the tool does, shown to the model.' }),
  parameters: z.record(z.string(), z.unknown()).meta({
    description: 'JSON Schema of the arguments: { "type": "object", "properties": {...}, "required": [...] }.',
  }),
  mock: ToolMockSchema.optional(),
});

const ScenarioSchema = z
  .strictObject({
    id: z
      .string()
      .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'scenario ids are 1–64 letters, digits, _, . or -')
      .meta({ description: 'Unique id of the scenario.' }),
    persona: z.string().min(1).meta({ description: 'Who the simulated user is and how they talk.' }),
    goal: z.string().min(1).meta({ description: 'What the simulated user wants; the goal-adherence check grades it.' }),
    openingMessage: z.string().min(1).optional().meta({ description: 'Sent verbatim as the first user turn.' }),
  })
  .meta({ description: 'One simulated user. Run i plays scenario i mod (number of scenarios).' });

const AssertionSchema = z
  .strictObject({
    type: z.enum(ASSERTION_TYPES).meta({ description: 'promptfoo assertion type.' }),
    value: z.unknown().optional().meta({
      description:
        'The rubric (llm-rubric), text (contains…), pattern (regex) or optional JSON Schema (is-json, contains-json).',
    }),
    tag: z.string().regex(TAG_PATTERN, 'tags are UPPER_SNAKE_CASE, 2–40 characters').optional().meta({
      description:
        'Failure tag recorded when the assertion fails (GOAL_MISS, TOXICITY, REFUSAL, FORMAT_ERROR, … or your own).',
    }),
    scope: z.enum(ASSERTION_SCOPES).optional().meta({
      description:
        'transcript: the whole conversation (default for llm-rubric); each: every agent message (default for not-*, is-json, regex); any: at least one agent message; final: the last agent message.',
    }),
    threshold: z
      .number()
      .min(0)
      .max(1)
      .optional()
      .meta({ description: 'llm-rubric: pass needs score ≥ threshold as well (as in promptfoo).' }),
  })
  .meta({ description: 'A check graded on every conversation.' });

export const AgentFileSchema = z
  .strictObject({
    $schema: z.string().optional(),
    name: z.string().min(1).meta({ description: 'Name of the agent.' }),
    description: z.string().optional(),
    systemPrompt: z.string().min(1).optional().meta({ description: 'The agent system prompt (or use promptRef).' }),
    promptRef: z
      .string()
      .min(1)
      .optional()
      .meta({ description: 'A Prompt Library version as NAME or NAME@VERSION, used as the system prompt.' }),
    character: z
      .string()
      .min(1)
      .optional()
      .meta({ description: 'The character the agent keeps; character consistency is judged against it.' }),
    format: z
      .enum(AGENT_FORMATS)
      .optional()
      .meta({ description: 'Output format the agent must keep; only then is formatting checked (FORMAT_ERROR).' }),
    maxTurns: z
      .number()
      .int()
      .min(1)
      .max(MAX_TURNS_LIMIT)
      .optional()
      .meta({ description: `User turns per conversation (default ${DEFAULT_MAX_TURNS}).` }),
    tools: z
      .array(AgentToolSchema)
      .default([])
      .meta({ description: 'Tools offered to the agent, answered from their mocks.' }),
    scenarios: z
      .array(ScenarioSchema)
      .optional()
      .meta({ description: 'Simulated users; without them every run uses the form goal and message.' }),
    assertions: z
      .array(AssertionSchema)
      .optional()
      .meta({ description: 'Checks per conversation; without them the built-in checks run.' }),
    failureTags: z
      .array(z.string().regex(TAG_PATTERN, 'tags are UPPER_SNAKE_CASE, 2–40 characters'))
      .optional()
      .meta({ description: 'Additional failure tags this agent uses (shown as badges even at zero).' }),
  })
  .meta({ title: 'Prompt Tuner agent', description: 'An agent to scale-test with Prompt Tuner (*.agent.json).' });

export type AgentFile = z.infer<typeof AgentFileSchema>;
export type AgentTool = z.infer<typeof AgentToolSchema>;
export type AgentScenario = z.infer<typeof ScenarioSchema>;
export type AgentAssertion = z.infer<typeof AssertionSchema>;

/** An agent after loading: file fields resolved (defaults applied), plus where it came from. */
export interface Agent extends Omit<AgentFile, '$schema' | 'maxTurns' | 'tools'> {
  /** The file as given (relative to the workspace when it is inside it). */
  file: string;
  maxTurns: number;
  tools: AgentTool[];
}
