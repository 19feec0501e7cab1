// The suite file format: one zod schema for its structure (load time) and the JSON Schema the editor
// registers for `*.suite.json`, generated from it. What JSON Schema cannot say well (matchers, the
// tool parameter schemas, cross references) is checked after parsing, in loadSuite.ts.
import { z } from 'zod';
import type { ChatMessage, ToolSpec } from '../models/types';

/** Keys that make an object in `args` a matcher instead of a literal value. */
export const MATCHER_KEYS = ['oneOf', 'regex', 'flags', 'min', 'max', 'any', 'absent'] as const;

/** An expected argument value: a literal or a matcher; its shape is checked by checkArgValue (loadSuite.ts). */
const ArgValueSchema = z.unknown().meta({
  description:
    'Expected value: a literal (strings trimmed and case-insensitive, numbers by value) or a matcher: ' +
    '{ "oneOf": [...] }, { "regex": "..." }, { "min": n, "max": n }, { "any": true }, { "absent": true }.',
});

const ArgsSchema = z.record(z.string(), ArgValueSchema).meta({
  description: 'Expected arguments by parameter name. Parameters not named here may be given or omitted.',
});

const ExpectedCallSchema = z.strictObject({
  tool: z.string().min(1).meta({ description: 'Name of the tool that must be called (one of the suite tools).' }),
  args: ArgsSchema.optional(),
});

const ExpectSchema = z
  .strictObject({
    tool: z.string().min(1).optional().meta({ description: 'One call: the tool that must be called.' }),
    args: ArgsSchema.optional(),
    calls: z
      .array(ExpectedCallSchema)
      .min(1)
      .optional()
      .meta({ description: 'Several calls, matched one-to-one in any order.' }),
    noToolCall: z.literal(true).optional().meta({ description: 'The model must not call any tool.' }),
  })
  .meta({ description: 'Exactly one of: `tool` (+ `args`), `calls`, or `noToolCall: true`.' });

const ToolCallInMessageSchema = z.strictObject({
  id: z.string().min(1).optional().meta({ description: 'Call id, referenced by a later tool message.' }),
  name: z.string().min(1).meta({ description: 'Called tool.' }),
  arguments: z.record(z.string(), z.unknown()).meta({ description: 'Arguments of the call.' }),
});

const MessageSchema = z.discriminatedUnion('role', [
  z.strictObject({ role: z.literal('user'), content: z.string() }),
  z.strictObject({
    role: z.literal('assistant'),
    content: z.string(),
    toolCalls: z.array(ToolCallInMessageSchema).optional(),
  }),
  z.strictObject({
    role: z.literal('tool'),
    toolCallId: z.string().min(1),
    name: z.string().min(1),
    content: z.string(),
  }),
]);

const CaseSchema = z
  .strictObject({
    id: z.string().min(1).meta({ description: 'Unique id of the case within the suite.' }),
    description: z.string().optional(),
    prompt: z.string().min(1).optional().meta({ description: 'The user message (use this or `messages`).' }),
    messages: z
      .array(MessageSchema)
      .min(1)
      .optional()
      .meta({ description: 'The conversation after the system prompt (use this or `prompt`).' }),
    expect: ExpectSchema,
  })
  .meta({ description: 'One test case: an input and the tool call(s) expected.' });

const ToolSchema = z.strictObject({
  name: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, 'tool names are 1–64 letters, digits, _ or -')
    .meta({ description: 'Function name offered to the model.' }),
  description: z.string().optional().meta({ description: 'What the tool does, shown to the model.' }),
  parameters: z.record(z.string(), z.unknown()).meta({
    description: 'JSON Schema of the arguments: { "type": "object", "properties": {...}, "required": [...] }.',
  }),
});

export const SuiteFileSchema = z
  .strictObject({
    $schema: z.string().optional(),
    name: z.string().min(1).meta({ description: 'Name of the suite.' }),
    description: z.string().optional(),
    tools: z.array(ToolSchema).min(1).meta({ description: 'Tools offered to the model in every case.' }),
    cases: z.array(CaseSchema).min(1).meta({ description: 'The test cases.' }),
  })
  .meta({
    title: 'Prompt Tuner test suite',
    description: 'A tool-calling test suite for Prompt Tuner (*.suite.json).',
  });

/** The file as written, after structural validation. */
export type SuiteFile = z.infer<typeof SuiteFileSchema>;
export type SuiteFileCase = z.infer<typeof CaseSchema>;
export type SuiteFileExpect = z.infer<typeof ExpectSchema>;

/** One expected tool call after loading. `args` values are literals or matchers (matchers.ts). */
export interface ExpectedCall {
  /** Tool that must be called. */
  tool: string;
  /** Expected arguments by name; parameters not named here are not checked beyond the schema. */
  args: Record<string, unknown>;
}

/** What a case expects: some calls (matched in any order) or none at all. */
export type Expectation = { kind: 'calls'; calls: ExpectedCall[] } | { kind: 'noToolCall' };

/** One loaded case: its input as messages, ready for a ModelRequest. */
export interface SuiteCase {
  /** Unique within the suite. */
  id: string;
  description?: string;
  /** Conversation after the system prompt (a `prompt` becomes one user message). */
  messages: ChatMessage[];
  expect: Expectation;
}

/** A validated suite: every case refers to known tools and every matcher is well formed. */
export interface Suite {
  name: string;
  description?: string;
  /** Tools offered to the model in every case. */
  tools: ToolSpec[];
  cases: SuiteCase[];
  /** Path the suite was loaded from (as given), used in messages. */
  file: string;
}

/** JSON Schema of an expected value (literal or matcher), for editors; shared with the agent file's mock `when`. */
export const MATCHER_JSON_SCHEMA = {
  anyOf: [
    { type: ['string', 'number', 'boolean', 'null'] },
    { type: 'array' },
    {
      type: 'object',
      properties: { oneOf: { type: 'array', minItems: 1, description: 'Any of these literal values.' } },
      required: ['oneOf'],
      additionalProperties: false,
    },
    {
      type: 'object',
      properties: {
        regex: { type: 'string', description: 'A JavaScript regular expression tested on the trimmed string.' },
        flags: { type: 'string', pattern: '^[imsu]*$', description: 'Regular expression flags, e.g. "i".' },
      },
      required: ['regex'],
      additionalProperties: false,
    },
    {
      type: 'object',
      properties: {
        min: { type: 'number', description: 'Smallest accepted number (inclusive).' },
        max: { type: 'number', description: 'Largest accepted number (inclusive).' },
      },
      minProperties: 1,
      additionalProperties: false,
    },
    {
      type: 'object',
      properties: { any: { const: true, description: 'The argument must be present, with any value.' } },
      required: ['any'],
      additionalProperties: false,
    },
    {
      type: 'object',
      properties: { absent: { const: true, description: 'The argument must not be given.' } },
      required: ['absent'],
      additionalProperties: false,
    },
    {
      type: 'object',
      description: 'A literal object, compared key by key.',
      not: { anyOf: MATCHER_KEYS.map((k) => ({ required: [k] })) },
    },
  ],
};

/** JSON Schema of a tool's `parameters` top level, for editors; shared with the agent file. */
export const PARAMETERS_JSON_SCHEMA = {
  type: 'object',
  required: ['type'],
  properties: {
    type: { const: 'object' },
    properties: { type: 'object', additionalProperties: { $ref: 'http://json-schema.org/draft-07/schema#' } },
    required: { type: 'array', items: { type: 'string' } },
  },
};

/** The JSON Schema of `*.suite.json` (draft-07, what VS Code's JSON validation reads best). */
export function suiteJsonSchema(): Record<string, unknown> {
  const extras = new Map<unknown, Record<string, unknown>>([
    [ArgValueSchema, MATCHER_JSON_SCHEMA],
    [ExpectSchema, { oneOf: [{ required: ['tool'] }, { required: ['calls'] }, { required: ['noToolCall'] }] }],
    [CaseSchema, { oneOf: [{ required: ['prompt'] }, { required: ['messages'] }] }],
  ]);
  const schema = z.toJSONSchema(SuiteFileSchema, {
    target: 'draft-07',
    io: 'input',
    override: (ctx) => {
      const extra = extras.get(ctx.zodSchema);
      if (extra) Object.assign(ctx.jsonSchema, extra);
      // Tool parameters are JSON Schema themselves: describe their top level for IntelliSense.
      if (ctx.path.at(-1) === 'parameters') Object.assign(ctx.jsonSchema, PARAMETERS_JSON_SCHEMA);
    },
  });
  return schema;
}

/** The committed file's exact text (schemas/suite.schema.json), so a test can tell when it is stale. */
export function suiteJsonSchemaText(): string {
  return `${JSON.stringify(suiteJsonSchema(), null, 2)}\n`;
}
