// Checks a tool call's arguments against the tool's JSON Schema, so a mock can answer a bad call the way a
// real tool would: with an error naming the argument. Only the subset tool schemas use: type, required,
// properties, enum, additionalProperties: false, items, minimum/maximum, pattern. Anything else is accepted.
import type { JsonSchema } from '../models/types';
import { formatPath, typeName } from '../suites/loadSuite';
import { isPlainObject, showValue } from '../suites/matchers';
import { hasJsonType } from '../suites/scoreCase';

/** Every problem of `value` against `schema`, each naming its path (`arguments.nights: …`); empty when it conforms. */
export function checkArgs(schema: JsonSchema, value: unknown): string[] {
  const problems: string[] = [];
  check(schema, value, ['arguments'], problems);
  return problems;
}

function check(schema: unknown, value: unknown, path: PropertyKey[], problems: string[]): void {
  if (!isPlainObject(schema)) return;
  const at = formatPath(path);
  const types = (Array.isArray(schema.type) ? schema.type : schema.type === undefined ? [] : [schema.type]).filter(
    (t): t is string => typeof t === 'string',
  );
  if (types.length > 0 && !types.some((t) => hasJsonType(value, t))) {
    problems.push(`${at}: expected ${types.join(' or ')}, got ${typeName(value)}`);
    return;
  }
  if (Array.isArray(schema.enum) && !schema.enum.some((option) => sameJson(option, value))) {
    problems.push(`${at}: expected one of ${schema.enum.map(showValue).join(', ')}, got ${showValue(value)}`);
  }
  if (typeof value === 'number') {
    if (typeof schema.minimum === 'number' && value < schema.minimum)
      problems.push(`${at}: must be ≥ ${schema.minimum}, got ${value}`);
    if (typeof schema.maximum === 'number' && value > schema.maximum)
      problems.push(`${at}: must be ≤ ${schema.maximum}, got ${value}`);
  }
  if (typeof value === 'string' && typeof schema.pattern === 'string' && !matchesPattern(schema.pattern, value)) {
    problems.push(`${at}: must match ${schema.pattern}, got ${showValue(value)}`);
  }
  if (Array.isArray(value) && isPlainObject(schema.items)) {
    value.forEach((item, i) => check(schema.items, item, [...path, i], problems));
  }
  if (isPlainObject(value)) {
    const props = isPlainObject(schema.properties) ? schema.properties : {};
    if (Array.isArray(schema.required)) {
      for (const name of schema.required) {
        if (typeof name === 'string' && !(name in value))
          problems.push(`${formatPath([...path, name])}: required, but missing`);
      }
    }
    for (const [name, item] of Object.entries(value)) {
      if (name in props) check(props[name], item, [...path, name], problems);
      else if (schema.additionalProperties === false)
        problems.push(
          `${formatPath([...path, name])}: not a parameter (allowed: ${Object.keys(props).join(', ') || 'none'})`,
        );
      else if (isPlainObject(schema.additionalProperties))
        check(schema.additionalProperties, item, [...path, name], problems);
    }
  }
}

/** A pattern that does not compile constrains nothing (the tool's author would see it fail elsewhere). */
function matchesPattern(pattern: string, value: string): boolean {
  try {
    return new RegExp(pattern, 'u').test(value);
  } catch {
    return true;
  }
}

function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  return JSON.stringify(a) === JSON.stringify(b);
}
