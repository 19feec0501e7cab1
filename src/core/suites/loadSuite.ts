// Reading a suite file: JSON with a line:column on syntax errors, the zod structure, then what the
// structure cannot say (tool schemas, cross references, matcher shapes). Every problem names the
// file, the JSON path and what is wrong, e.g. `travel.suite.json: cases[3].expect.args.date: …`.
import { readFile } from 'node:fs/promises';
import type { z } from 'zod';
import type { ChatMessage, ToolSpec } from '../models/types';
import { jsonErrorOffset } from './jsonErrorOffset';
import { isPlainObject, MATCHER_KEY_SET } from './matchers';
import {
  SuiteFileSchema,
  type Expectation,
  type Suite,
  type SuiteCase,
  type SuiteFile,
  type SuiteFileCase,
} from './suiteSchema';

/** One problem in a suite file. */
export interface SuiteIssue {
  /** JSON path like `cases[3].expect.args.date`; empty for the whole file. */
  path: string;
  /** What is wrong there. */
  message: string;
}

/** A suite that cannot be used; `message` lists every problem as `FILE: PATH: PROBLEM`, one a line. */
export class SuiteError extends Error {
  constructor(
    readonly file: string,
    readonly issues: SuiteIssue[],
  ) {
    super(formatIssues(file, issues));
    this.name = 'SuiteError';
  }
}

const MAX_LISTED = 20;

/** `FILE: PATH: PROBLEM`, one a line (at most 20, then a count); shared with the agent loader. */
export function formatIssues(file: string, issues: SuiteIssue[]): string {
  const lines = issues.slice(0, MAX_LISTED).map((i) => `${file}: ${i.path ? `${i.path}: ` : ''}${i.message}`);
  if (issues.length > MAX_LISTED) lines.push(`${file}: … and ${issues.length - MAX_LISTED} more problems`);
  return lines.join('\n');
}

/** `cases[3].expect.args["arrival date"]` from path segments. */
export function formatPath(segments: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else {
      const key = String(s);
      if (/^[A-Za-z_$][\w$]*$/.test(key)) out += out ? `.${key}` : key;
      else out += `[${JSON.stringify(key)}]`;
    }
  }
  return out;
}

export const JSON_TYPES = ['string', 'number', 'integer', 'boolean', 'object', 'array', 'null'] as const;

/** Reads and validates a suite; errors name `label` (default: `file` as given). */
export async function loadSuite(file: string, label: string = file): Promise<Suite> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new SuiteError(label, [{ path: '', message: readProblem(e) }]);
  }
  return parseSuite(text, label);
}

/** Why a file could not be read, in words. */
export function readProblem(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'is a folder, not a file' : (e as Error).message;
}

export function parseSuite(text: string, file: string): Suite {
  const checked = checkSuiteText(text, file);
  if (!checked.suite) throw new SuiteError(file, checked.issues);
  return checked.suite;
}

/** The checks a suite text goes through, in order: JSON syntax, the structure, then what the structure cannot say. */
export type SuiteCheckStage = 'json' | 'structure' | 'references';

/**
 * Every problem of a suite text, without throwing (the editor's diagnostics); the suite when there are none.
 * The checks stop at the first stage that fails; `stage` says which.
 */
export function checkSuiteText(
  text: string,
  file: string,
): { suite: Suite; issues: [] } | { suite?: undefined; stage: SuiteCheckStage; issues: SuiteIssue[] } {
  const json = parseJsonText(text.replace(/^\uFEFF/, ''));
  if ('issue' in json) return { stage: 'json', issues: [json.issue] };
  const data = json.data;
  const parsed = SuiteFileSchema.safeParse(data);
  if (!parsed.success) return { stage: 'structure', issues: parsed.error.issues.map((i) => zodIssue(i, data)) };
  const issues = checkSuite(parsed.data);
  if (issues.length > 0) return { stage: 'references', issues };
  return { suite: toSuite(parsed.data, file), issues: [] };
}

/** JSON.parse with a syntax error turned into one issue naming its line:column. */
export function parseJsonText(text: string): { data: unknown } | { issue: SuiteIssue } {
  try {
    return { data: JSON.parse(text) as unknown };
  } catch (e) {
    const message = (e as Error).message;
    // Our own scan is the authority on where the text goes wrong: V8's message may carry no position, and the
    // excerpt it quotes from the text can itself contain "position N" (then the wrong line was named).
    const located = jsonErrorOffset(text);
    const m = / in JSON at position (\d+)/.exec(message);
    const offset = located >= 0 ? located : m ? Number(m[1]) : text.length;
    const before = text.slice(0, offset).split('\n');
    const line = before.length;
    const column = (before.at(-1)?.length ?? 0) + 1;
    const reason = message
      .replace(/ in JSON at position \d+.*$/s, '')
      .replace(/, (?:\.\.\.)?".*(?:"|\.\.\.) is not valid JSON$/s, '')
      .replace(/^JSON\.parse: /, '');
    return { issue: { path: '', message: `invalid JSON at line ${line}:${column}: ${reason}` } };
  }
}

/** A value as a problem names it: `a string ("x")`, `an array`, `nothing`. */
export function typeName(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string')
    return `a string (${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)})`;
  return `${typeof value === 'number' ? 'a number' : `a ${typeof value}`} (${String(value)})`;
}

function valueAt(data: unknown, path: ReadonlyArray<PropertyKey>): { found: boolean; value: unknown } {
  let cur: unknown = data;
  for (const s of path) {
    if (cur === null || typeof cur !== 'object' || !(String(s) in cur)) return { found: false, value: undefined };
    cur = (cur as Record<string, unknown>)[String(s)];
  }
  return { found: true, value: cur };
}

const EXPECTED_NAMES: Record<string, string> = {
  record: 'an object',
  object: 'an object',
  array: 'an array',
  nonoptional: 'a value',
};

/** One zod issue as a problem with a JSON path and plain words (`data` is the parsed file, for what was given). */
export function zodIssue(issue: z.core.$ZodIssue, data: unknown): SuiteIssue {
  const path = formatPath(issue.path);
  switch (issue.code) {
    case 'unrecognized_keys':
      return {
        path: formatPath([...issue.path, issue.keys[0] ?? '']),
        message: issue.keys.length > 1 ? `unknown keys ${issue.keys.map((k) => `"${k}"`).join(', ')}` : 'unknown key',
      };
    case 'invalid_type': {
      const at = valueAt(data, issue.path);
      const expected = EXPECTED_NAMES[issue.expected] ?? `a ${issue.expected}`;
      if (!at.found) return { path, message: `required (${expected})` };
      return { path, message: `expected ${expected}, got ${typeName(at.value)}` };
    }
    case 'too_small':
      if (issue.origin === 'string') return { path, message: 'must not be empty' };
      if (issue.origin === 'array') return { path, message: `must have at least ${String(issue.minimum)} item(s)` };
      return { path, message: issue.message };
    case 'invalid_value':
      return {
        path,
        message: `expected ${issue.values.map((v) => JSON.stringify(v)).join(' or ')}, got ${typeName(valueAt(data, issue.path).value)}`,
      };
    case 'invalid_union':
      if ('options' in issue && Array.isArray(issue.options)) {
        return {
          path,
          message: `expected one of ${(issue.options as unknown[]).map((o) => JSON.stringify(o)).join(', ')}, got ${typeName(valueAt(data, issue.path).value)}`,
        };
      }
      return { path, message: issue.message };
    default:
      return { path, message: issue.message };
  }
}

/** Checks a tool's `parameters` (and nested property schemas); returns problems with their paths. */
export function checkJsonSchema(schema: unknown, path: PropertyKey[], topLevel: boolean): SuiteIssue[] {
  const issues: SuiteIssue[] = [];
  const at = (...more: PropertyKey[]) => formatPath([...path, ...more]);
  if (!isPlainObject(schema))
    return [{ path: at(), message: `a JSON Schema must be an object, got ${typeName(schema)}` }];
  const type = schema.type;
  if (topLevel && type !== 'object') {
    issues.push({
      path: at('type'),
      message: `must be "object" (the arguments are an object), got ${type === undefined ? 'nothing' : JSON.stringify(type)}`,
    });
  } else if (type !== undefined) {
    const types = Array.isArray(type) ? type : [type];
    types.forEach((t, i) => {
      if (typeof t !== 'string' || !(JSON_TYPES as readonly string[]).includes(t)) {
        issues.push({
          path: Array.isArray(type) ? at('type', i) : at('type'),
          message: `unknown JSON Schema type ${JSON.stringify(t)} (expected one of ${JSON_TYPES.join(', ')})`,
        });
      }
    });
  }
  const props = schema.properties;
  if (props !== undefined) {
    if (!isPlainObject(props))
      issues.push({ path: at('properties'), message: `must be an object of property schemas, got ${typeName(props)}` });
    else
      for (const [name, sub] of Object.entries(props))
        issues.push(...checkJsonSchema(sub, [...path, 'properties', name], false));
  }
  const required = schema.required;
  if (required !== undefined) {
    if (!Array.isArray(required))
      issues.push({ path: at('required'), message: `must be an array of property names, got ${typeName(required)}` });
    else {
      required.forEach((r, i) => {
        if (typeof r !== 'string')
          issues.push({ path: at('required', i), message: `must be a property name, got ${typeName(r)}` });
        else if (!isPlainObject(props) || !(r in props))
          issues.push({ path: at('required', i), message: `"${r}" is not in properties` });
      });
    }
  }
  if (schema.items !== undefined && !Array.isArray(schema.items))
    issues.push(...checkJsonSchema(schema.items, [...path, 'items'], false));
  if (schema.enum !== undefined && !Array.isArray(schema.enum))
    issues.push({ path: at('enum'), message: `must be an array, got ${typeName(schema.enum)}` });
  return issues;
}

/** Checks one expected value: a literal (recursively) or a well-formed matcher. */
export function checkArgValue(value: unknown, path: PropertyKey[], inOneOf = false): SuiteIssue[] {
  const at = (...more: PropertyKey[]) => formatPath([...path, ...more]);
  if (Array.isArray(value)) return value.flatMap((v, i) => checkArgValue(v, [...path, i], inOneOf));
  if (!isPlainObject(value)) return [];
  const keys = Object.keys(value);
  const matcherKeys = keys.filter((k) => MATCHER_KEY_SET.has(k));
  if (matcherKeys.length === 0) return keys.flatMap((k) => checkArgValue(value[k], [...path, k], inOneOf));
  if (inOneOf) return [{ path: at(), message: 'oneOf takes literal values, not matchers' }];
  const others = keys.filter((k) => !MATCHER_KEY_SET.has(k));
  if (others.length > 0) {
    return [
      {
        path: at(others[0]!),
        message: `a matcher (${matcherKeys.join(', ')}) cannot have other keys; a literal object cannot use the keys ${[...MATCHER_KEY_SET].join(', ')}`,
      },
    ];
  }
  const issues: SuiteIssue[] = [];
  const only = (allowed: string[], what: string) => {
    for (const k of matcherKeys)
      if (!allowed.includes(k)) issues.push({ path: at(k), message: `cannot be combined with ${what}` });
  };
  if ('oneOf' in value) {
    only(['oneOf'], 'oneOf');
    const list = value.oneOf;
    if (!Array.isArray(list) || list.length === 0)
      issues.push({ path: at('oneOf'), message: `must be a non-empty array of values, got ${typeName(list)}` });
    else issues.push(...list.flatMap((v, i) => checkArgValue(v, [...path, 'oneOf', i], true)));
  } else if ('regex' in value || 'flags' in value) {
    only(['regex', 'flags'], 'regex');
    const { regex, flags } = value;
    if (typeof regex !== 'string')
      issues.push({ path: at('regex'), message: `must be a string (a regular expression), got ${typeName(regex)}` });
    if (flags !== undefined && (typeof flags !== 'string' || !/^[imsu]*$/.test(flags))) {
      issues.push({
        path: at('flags'),
        message: `must be a string of regular expression flags (i, m, s, u), got ${typeName(flags)}`,
      });
    }
    if (typeof regex === 'string' && issues.length === 0) {
      try {
        new RegExp(regex, typeof flags === 'string' ? flags : undefined);
      } catch (e) {
        issues.push({ path: at('regex'), message: `invalid regular expression: ${(e as Error).message}` });
      }
    }
  } else if ('min' in value || 'max' in value) {
    only(['min', 'max'], 'min/max');
    for (const k of ['min', 'max'] as const) {
      if (k in value && (typeof value[k] !== 'number' || !Number.isFinite(value[k]))) {
        issues.push({ path: at(k), message: `must be a number, got ${typeName(value[k])}` });
      }
    }
    if (typeof value.min === 'number' && typeof value.max === 'number' && value.min > value.max) {
      issues.push({ path: at(), message: `min (${value.min}) is greater than max (${value.max})` });
    }
  } else if ('any' in value) {
    only(['any'], 'any');
    if (value.any !== true) issues.push({ path: at('any'), message: `must be true, got ${typeName(value.any)}` });
  } else if ('absent' in value) {
    only(['absent'], 'absent');
    if (value.absent !== true)
      issues.push({ path: at('absent'), message: `must be true, got ${typeName(value.absent)}` });
  }
  return issues;
}

function expectedCallsOf(c: SuiteFileCase): { tool: string; args: Record<string, unknown>; path: PropertyKey[] }[] {
  const e = c.expect;
  if (e.calls)
    return e.calls.map((call, i) => ({ tool: call.tool, args: call.args ?? {}, path: ['expect', 'calls', i] }));
  if (e.tool !== undefined) return [{ tool: e.tool, args: e.args ?? {}, path: ['expect'] }];
  return [];
}

/** Everything the zod structure cannot express. */
function checkSuite(file: SuiteFile): SuiteIssue[] {
  const issues: SuiteIssue[] = [];
  const tools = new Map<string, Record<string, unknown>>();
  file.tools.forEach((t, i) => {
    if (tools.has(t.name))
      issues.push({ path: formatPath(['tools', i, 'name']), message: `duplicate tool name "${t.name}"` });
    tools.set(t.name, t.parameters);
    issues.push(...checkJsonSchema(t.parameters, ['tools', i, 'parameters'], true));
  });
  const firstIndex = new Map<string, number>();
  file.cases.forEach((c, ci) => {
    const base: PropertyKey[] = ['cases', ci];
    const seen = firstIndex.get(c.id);
    if (seen !== undefined)
      issues.push({
        path: formatPath([...base, 'id']),
        message: `duplicate case id "${c.id}" (first used at cases[${seen}])`,
      });
    else firstIndex.set(c.id, ci);
    if (c.prompt !== undefined && c.messages !== undefined)
      issues.push({ path: formatPath(base), message: 'has both prompt and messages; give one' });
    if (c.prompt === undefined && c.messages === undefined)
      issues.push({ path: formatPath(base), message: 'needs a prompt or messages' });
    const e = c.expect;
    const forms = [e.tool !== undefined, e.calls !== undefined, e.noToolCall !== undefined].filter(Boolean).length;
    if (forms !== 1) {
      issues.push({
        path: formatPath([...base, 'expect']),
        message: `needs exactly one of tool (with args), calls or noToolCall; got ${forms === 0 ? 'none' : 'several'}`,
      });
    } else if (e.args !== undefined && e.tool === undefined) {
      issues.push({ path: formatPath([...base, 'expect', 'args']), message: 'args belongs with tool' });
    }
    for (const call of expectedCallsOf(c)) {
      const schema = tools.get(call.tool);
      if (!schema) {
        issues.push({
          path: formatPath([...base, ...call.path, 'tool']),
          message: `unknown tool "${call.tool}" (tools: ${[...tools.keys()].join(', ')})`,
        });
        continue;
      }
      const props = isPlainObject(schema.properties) ? schema.properties : {};
      const required = Array.isArray(schema.required) ? schema.required : [];
      const open = schema.additionalProperties === true || isPlainObject(schema.additionalProperties);
      for (const [name, value] of Object.entries(call.args)) {
        const argPath = [...base, ...call.path, 'args', name];
        if (!(name in props) && !open) {
          const known = Object.keys(props);
          issues.push({
            path: formatPath(argPath),
            message: `not a parameter of ${call.tool} (parameters: ${known.length ? known.join(', ') : 'none'})`,
          });
          continue;
        }
        if (isPlainObject(value) && value.absent === true && required.includes(name)) {
          issues.push({
            path: formatPath(argPath),
            message: `${name} is required by ${call.tool}, so { "absent": true } can never pass`,
          });
        }
        issues.push(...checkArgValue(value, argPath));
      }
    }
    c.messages?.forEach((m, mi) => {
      if (m.role === 'assistant') {
        m.toolCalls?.forEach((tc, ti) => {
          if (!tools.has(tc.name))
            issues.push({
              path: formatPath([...base, 'messages', mi, 'toolCalls', ti, 'name']),
              message: `unknown tool "${tc.name}"`,
            });
        });
      }
    });
    const last = c.messages?.at(-1);
    if (last?.role === 'assistant')
      issues.push({
        path: formatPath([...base, 'messages', (c.messages?.length ?? 1) - 1]),
        message: 'the last message must be from the user or a tool, not the assistant',
      });
  });
  return issues;
}

function toMessages(c: SuiteFileCase): ChatMessage[] {
  if (c.prompt !== undefined) return [{ role: 'user', content: c.prompt }];
  let n = 0;
  return (c.messages ?? []).map((m): ChatMessage => {
    if (m.role !== 'assistant') return { ...m };
    if (!m.toolCalls) return { role: 'assistant', content: m.content };
    return {
      role: 'assistant',
      content: m.content,
      toolCalls: m.toolCalls.map((tc) => ({
        id: tc.id ?? `call_${(n += 1)}`,
        name: tc.name,
        arguments: tc.arguments,
        rawArguments: JSON.stringify(tc.arguments),
      })),
    };
  });
}

function toSuite(file: SuiteFile, path: string): Suite {
  const tools: ToolSpec[] = file.tools.map((t) => ({
    name: t.name,
    ...(t.description !== undefined ? { description: t.description } : {}),
    parameters: t.parameters,
  }));
  const cases: SuiteCase[] = file.cases.map((c) => {
    const expect: Expectation = c.expect.noToolCall
      ? { kind: 'noToolCall' }
      : { kind: 'calls', calls: expectedCallsOf(c).map(({ tool, args }) => ({ tool, args })) };
    return {
      id: c.id,
      ...(c.description !== undefined ? { description: c.description } : {}),
      messages: toMessages(c),
      expect,
    };
  });
  return {
    name: file.name,
    ...(file.description !== undefined ? { description: file.description } : {}),
    tools,
    cases,
    file: path,
  };
}
