// Reading an agent file: JSON with a line:column on syntax errors, the zod structure, then what the
// structure cannot say (one prompt source, tool schemas, mock matchers, unique names, assertion values
// and scopes). Every problem names the file, the JSON path and what is wrong, e.g.
// `hotel.agent.json: tools[1].mock.responses[0].when.city: not a parameter of book_room …`.
import { readFile } from 'node:fs/promises';
import { LibraryError } from '../library/libraryError';
import { parseVersionRef } from '../library/versionRef';
import {
  checkArgValue,
  checkJsonSchema,
  formatIssues,
  formatPath,
  parseJsonText,
  readProblem,
  typeName,
  zodIssue,
  type SuiteIssue,
} from '../suites/loadSuite';
import { isPlainObject } from '../suites/matchers';
import {
  ASSERTION_SCOPES_BY_TYPE,
  AgentFileSchema,
  DEFAULT_MAX_TURNS,
  type Agent,
  type AgentAssertion,
  type AgentFile,
  type AgentTool,
} from './agentSchema';

/** One problem in an agent file: `path` like `tools[1].parameters.type` (empty for the whole file). */
export type AgentIssue = SuiteIssue;

/** An agent file that cannot be used; `message` lists every problem as `FILE: PATH: PROBLEM`, one a line. */
export class AgentError extends Error {
  constructor(
    readonly file: string,
    readonly issues: AgentIssue[],
  ) {
    super(formatIssues(file, issues));
    this.name = 'AgentError';
  }
}

/** Reads and validates an agent file; errors name `label` (default: `file` as given), and so does `Agent.file`. */
export async function loadAgent(file: string, label: string = file): Promise<Agent> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new AgentError(label, [{ path: '', message: readProblem(e) }]);
  }
  return parseAgent(text, label);
}

export function parseAgent(text: string, file: string): Agent {
  const json = parseJsonText(text.replace(/^\uFEFF/, ''));
  if ('issue' in json) throw new AgentError(file, [json.issue]);
  const parsed = AgentFileSchema.safeParse(json.data);
  if (!parsed.success)
    throw new AgentError(
      file,
      parsed.error.issues.map((i) => zodIssue(i, json.data)),
    );
  const issues = checkAgent(parsed.data);
  if (issues.length > 0) throw new AgentError(file, issues);
  const { $schema: _schema, maxTurns, tools, ...rest } = parsed.data;
  return { ...rest, file, maxTurns: maxTurns ?? DEFAULT_MAX_TURNS, tools };
}

/** Everything the zod structure cannot express. */
function checkAgent(file: AgentFile): AgentIssue[] {
  const issues: AgentIssue[] = [];
  if (file.systemPrompt !== undefined && file.promptRef !== undefined) {
    issues.push({ path: 'promptRef', message: 'give systemPrompt or promptRef, not both (both are set)' });
  } else if (file.promptRef !== undefined) {
    try {
      parseVersionRef(file.promptRef);
    } catch (e) {
      if (!(e instanceof LibraryError)) throw e;
      issues.push({ path: 'promptRef', message: `not a library reference NAME or NAME@VERSION (${e.message})` });
    }
  }
  const firstTool = new Map<string, number>();
  file.tools.forEach((tool, i) => {
    const seen = firstTool.get(tool.name);
    if (seen !== undefined)
      issues.push({
        path: formatPath(['tools', i, 'name']),
        message: `duplicate tool name "${tool.name}" (first used at tools[${seen}])`,
      });
    else firstTool.set(tool.name, i);
    const schemaIssues = checkJsonSchema(tool.parameters, ['tools', i, 'parameters'], true);
    issues.push(...schemaIssues);
    if (schemaIssues.length === 0)
      issues.push(...checkPatterns(tool.parameters, ['tools', i, 'parameters']), ...checkMock(tool, i));
  });
  const firstScenario = new Map<string, number>();
  file.scenarios?.forEach((s, i) => {
    const seen = firstScenario.get(s.id);
    if (seen !== undefined)
      issues.push({
        path: formatPath(['scenarios', i, 'id']),
        message: `duplicate scenario id "${s.id}" (first used at scenarios[${seen}])`,
      });
    else firstScenario.set(s.id, i);
  });
  file.assertions?.forEach((a, i) => issues.push(...checkAssertion(a, ['assertions', i])));
  return issues;
}

/** A `pattern` the mock's argument check (argsCheck.ts) would apply must compile. */
function checkPatterns(schema: unknown, path: PropertyKey[]): AgentIssue[] {
  if (!isPlainObject(schema)) return [];
  const issues: AgentIssue[] = [];
  if (schema.pattern !== undefined) {
    if (typeof schema.pattern !== 'string')
      issues.push({
        path: formatPath([...path, 'pattern']),
        message: `must be a regular expression as a string, got ${typeName(schema.pattern)}`,
      });
    else {
      try {
        new RegExp(schema.pattern, 'u');
      } catch (e) {
        issues.push({
          path: formatPath([...path, 'pattern']),
          message: `invalid regular expression: ${(e as Error).message}`,
        });
      }
    }
  }
  if (isPlainObject(schema.properties))
    for (const [name, sub] of Object.entries(schema.properties))
      issues.push(...checkPatterns(sub, [...path, 'properties', name]));
  if (isPlainObject(schema.items)) issues.push(...checkPatterns(schema.items, [...path, 'items']));
  return issues;
}

/** `when` keys must be parameters of the tool; values are literals or well-formed matchers (as in suites). */
function checkMock(tool: AgentTool, toolIndex: number): AgentIssue[] {
  const issues: AgentIssue[] = [];
  const schema = tool.parameters;
  const props = isPlainObject(schema.properties) ? schema.properties : {};
  const required = Array.isArray(schema.required) ? schema.required : [];
  const open = schema.additionalProperties === true || isPlainObject(schema.additionalProperties);
  tool.mock?.responses?.forEach((response, ri) => {
    for (const [name, value] of Object.entries(response.when)) {
      const path: PropertyKey[] = ['tools', toolIndex, 'mock', 'responses', ri, 'when', name];
      if (!(name in props) && !open) {
        const known = Object.keys(props);
        issues.push({
          path: formatPath(path),
          message: `not a parameter of ${tool.name} (parameters: ${known.length ? known.join(', ') : 'none'})`,
        });
        continue;
      }
      if (isPlainObject(value) && value.absent === true && required.includes(name)) {
        issues.push({
          path: formatPath(path),
          message: `${name} is required by ${tool.name}, so { "absent": true } can never match`,
        });
      }
      issues.push(...checkArgValue(value, path));
    }
  });
  return issues;
}

const TEXT_VALUE: Partial<Record<AgentAssertion['type'], string>> = {
  'llm-rubric': 'the rubric the judge grades against',
  contains: 'the text that must appear',
  icontains: 'the text that must appear (any case)',
  'not-contains': 'the text that must not appear',
};

function checkAssertion(a: AgentAssertion, base: PropertyKey[]): AgentIssue[] {
  const issues: AgentIssue[] = [];
  const at = (key: string) => formatPath([...base, key]);
  const what = TEXT_VALUE[a.type];
  if (what !== undefined) {
    if (a.value === undefined) issues.push({ path: at('value'), message: `required for ${a.type} (${what})` });
    else if (typeof a.value !== 'string' || a.value.trim() === '')
      issues.push({
        path: at('value'),
        message: `must be a non-empty string for ${a.type} (${what}), got ${typeName(a.value)}`,
      });
  } else if (a.type === 'regex') {
    if (a.value === undefined) issues.push({ path: at('value'), message: 'required for regex (a regular expression)' });
    else if (typeof a.value !== 'string' || a.value === '')
      issues.push({
        path: at('value'),
        message: `must be a regular expression as a non-empty string, got ${typeName(a.value)}`,
      });
    else {
      try {
        new RegExp(a.value);
      } catch (e) {
        issues.push({ path: at('value'), message: `invalid regular expression: ${(e as Error).message}` });
      }
    }
  } else if (a.type === 'is-json' || a.type === 'contains-json') {
    if (a.value !== undefined) {
      if (!isPlainObject(a.value))
        issues.push({
          path: at('value'),
          message: `must be a JSON Schema object (or left out), got ${typeName(a.value)}`,
        });
      else issues.push(...checkJsonSchema(a.value, [...base, 'value'], false));
    }
  } else if (a.value !== undefined) {
    issues.push({ path: at('value'), message: `${a.type} takes no value (got ${typeName(a.value)})` });
  }
  const scopes = ASSERTION_SCOPES_BY_TYPE[a.type];
  if (a.scope !== undefined && !scopes.includes(a.scope)) {
    issues.push({
      path: at('scope'),
      message: `"${a.scope}" is not a scope of ${a.type} (allowed: ${scopes.join(', ')})`,
    });
  }
  if (a.threshold !== undefined && a.type !== 'llm-rubric') {
    issues.push({ path: at('threshold'), message: `only llm-rubric takes a threshold, not ${a.type}` });
  }
  return issues;
}
