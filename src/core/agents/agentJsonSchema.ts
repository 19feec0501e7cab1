// The JSON Schema VS Code validates `*.agent.json` with (schemas/agent.schema.json), generated from the zod
// schema plus what editors can show early: tool parameters and mock matchers described, one prompt
// source, and per assertion type its value, scopes and threshold. loadAgent.ts checks all of it again.
import { z } from 'zod';
import { MATCHER_JSON_SCHEMA, PARAMETERS_JSON_SCHEMA } from '../suites/suiteSchema';
import { ASSERTION_SCOPES_BY_TYPE, ASSERTION_TYPES, AgentFileSchema, type AssertionType } from './agentSchema';

const NON_EMPTY_STRING = { type: 'string', minLength: 1 };

const VALUE_BY_TYPE: Record<AssertionType, Record<string, unknown>> = {
  'llm-rubric': { required: ['value'], properties: { value: NON_EMPTY_STRING } },
  contains: { required: ['value'], properties: { value: NON_EMPTY_STRING } },
  icontains: { required: ['value'], properties: { value: NON_EMPTY_STRING } },
  'not-contains': { required: ['value'], properties: { value: NON_EMPTY_STRING } },
  regex: { required: ['value'], properties: { value: NON_EMPTY_STRING } },
  'is-json': {
    properties: { value: { type: 'object', description: 'Optional JSON Schema the JSON must conform to.' } },
  },
  'contains-json': {
    properties: { value: { type: 'object', description: 'Optional JSON Schema the JSON must conform to.' } },
  },
  'is-refusal': { not: { required: ['value'] } },
  'not-is-refusal': { not: { required: ['value'] } },
};

/** One if/then per assertion type: its value, the scopes it allows, and a threshold only for llm-rubric. */
function assertionRules(): Record<string, unknown>[] {
  return ASSERTION_TYPES.map((type) => {
    const rule = VALUE_BY_TYPE[type];
    const properties = {
      ...(rule.properties as Record<string, unknown> | undefined),
      scope: { enum: [...ASSERTION_SCOPES_BY_TYPE[type]] },
    };
    const then: Record<string, unknown> = { ...rule, properties };
    if (type !== 'llm-rubric') then.allOf = [{ not: { required: ['threshold'] } }];
    return { if: { properties: { type: { const: type } }, required: ['type'] }, then };
  });
}

const at = (...segments: string[]) => JSON.stringify(segments);
const WHEN_VALUES = at(
  'properties',
  'tools',
  'items',
  'properties',
  'mock',
  'properties',
  'responses',
  'items',
  'properties',
  'when',
  'additionalProperties',
);
const PARAMETERS = at('properties', 'tools', 'items', 'properties', 'parameters');
const ASSERTION = at('properties', 'assertions', 'items');
const ROOT = at();

/** The JSON Schema of `*.agent.json` (draft-07, what VS Code's JSON validation reads best). */
export function agentJsonSchema(): Record<string, unknown> {
  const extras = new Map<string, Record<string, unknown>>([
    [WHEN_VALUES, MATCHER_JSON_SCHEMA],
    [PARAMETERS, PARAMETERS_JSON_SCHEMA],
    [ASSERTION, { allOf: assertionRules() }],
    [ROOT, { not: { required: ['systemPrompt', 'promptRef'] } }],
  ]);
  const schema = z.toJSONSchema(AgentFileSchema, {
    target: 'draft-07',
    io: 'input',
    override: (ctx) => {
      const extra = extras.get(JSON.stringify(ctx.path));
      if (extra) Object.assign(ctx.jsonSchema, extra);
    },
  });
  return schema;
}

/** The committed file's exact text (schemas/agent.schema.json), so a test can tell when it is stale. */
export function agentJsonSchemaText(): string {
  return `${JSON.stringify(agentJsonSchema(), null, 2)}\n`;
}
