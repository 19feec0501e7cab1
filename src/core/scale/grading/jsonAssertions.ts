// is-json and contains-json, with promptfoo's semantics: is-json parses the whole reply (any JSON value),
// contains-json finds JSON objects inside it; with a JSON Schema value the JSON must conform (for
// contains-json: one object that conforms). The schema subset is the one tool schemas use (argsCheck.ts).
import { checkArgs } from '../../agents/argsCheck';
import type { JsonSchema } from '../../models/types';
import { isPlainObject } from '../../suites/matchers';
import type { CheckResult } from './transcriptParts';

/** Problems of `value` against `schema`, each naming its path from `output`. */
function schemaProblems(schema: JsonSchema, value: unknown): string[] {
  return checkArgs(schema, value).map((p) => p.replace(/^arguments/, 'output'));
}

function schemaOf(value: unknown): JsonSchema | undefined | { problem: string } {
  if (value === undefined || value === null) return undefined;
  if (isPlainObject(value)) return value;
  if (typeof value === 'string') {
    try {
      const parsed: unknown = JSON.parse(value);
      if (isPlainObject(parsed)) return parsed;
    } catch {
      // reported below
    }
  }
  return { problem: 'the value must be a JSON Schema object' };
}

export function isJson(output: string, value: unknown): CheckResult {
  const schema = schemaOf(value);
  if (schema !== undefined && 'problem' in schema)
    return { pass: null, score: null, details: `is-json: ${String(schema.problem)}` };
  let parsed: unknown;
  try {
    parsed = JSON.parse(output);
  } catch (e) {
    return { pass: false, score: 0, details: `expected the reply to be valid JSON (${(e as Error).message})` };
  }
  if (schema !== undefined) {
    const problems = schemaProblems(schema, parsed);
    if (problems.length > 0)
      return {
        pass: false,
        score: 0,
        details: `JSON does not conform to the schema: ${problems.slice(0, 3).join('; ')}`,
      };
  }
  return { pass: true, score: 1, details: schema !== undefined ? 'valid JSON, conforms to the schema' : 'valid JSON' };
}

export function containsJson(output: string, value: unknown): CheckResult {
  const schema = schemaOf(value);
  if (schema !== undefined && 'problem' in schema)
    return { pass: null, score: null, details: `contains-json: ${String(schema.problem)}` };
  const objects = extractJsonObjects(output);
  if (objects.length === 0) return { pass: false, score: 0, details: 'expected the reply to contain a JSON object' };
  if (schema === undefined) return { pass: true, score: 1, details: `contains ${objects.length} JSON object(s)` };
  let firstProblems: string[] = [];
  for (const o of objects) {
    const problems = schemaProblems(schema, o);
    if (problems.length === 0)
      return { pass: true, score: 1, details: 'contains a JSON object that conforms to the schema' };
    if (firstProblems.length === 0) firstProblems = problems;
  }
  return {
    pass: false,
    score: 0,
    details: `no JSON object in the reply conforms to the schema: ${firstProblems.slice(0, 3).join('; ')}`,
  };
}

/**
 * Every JSON object embedded in `text`, in order (nested ones are part of their parent). Scans for a
 * balanced `{…}` outside strings, then parses it; what does not parse is skipped.
 */
export function extractJsonObjects(text: string): Record<string, unknown>[] {
  const found: Record<string, unknown>[] = [];
  for (let i = text.indexOf('{'); i >= 0 && i < text.length;) {
    const end = balancedEnd(text, i);
    if (end > 0) {
      try {
        const parsed: unknown = JSON.parse(text.slice(i, end));
        if (isPlainObject(parsed)) {
          found.push(parsed);
          i = text.indexOf('{', end);
          continue;
        }
      } catch {
        // not JSON: try the next brace
      }
    }
    i = text.indexOf('{', i + 1);
  }
  return found;
}

/** Index just past the `}` closing the `{` at `start`, or -1. */
function balancedEnd(text: string, start: number): number {
  let depth = 0;
  let inString = false;
  for (let j = start; j < text.length; j++) {
    const c = text[j];
    if (inString) {
      if (c === '\\') j++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return j + 1;
  }
  return -1;
}
