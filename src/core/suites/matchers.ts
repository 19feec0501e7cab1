// Expected argument values: literals compared leniently (strings trimmed and case-insensitive,
// numbers by value) and matchers. Shapes are validated at load (loadSuite.ts), so here they are trusted.
import { MATCHER_KEYS } from './suiteSchema';

export const MATCHER_KEY_SET: ReadonlySet<string> = new Set<string>(MATCHER_KEYS);

export type Matcher =
  | { oneOf: unknown[] }
  | { regex: string; flags?: string }
  | { min?: number; max?: number }
  | { any: true }
  | { absent: true };

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** An object in `args` is a matcher when it uses a matcher key; any other object is a literal. */
export function isMatcher(value: unknown): value is Matcher {
  return isPlainObject(value) && Object.keys(value).some((k) => MATCHER_KEY_SET.has(k));
}

export function isAbsentMatcher(value: unknown): value is { absent: true } {
  return isPlainObject(value) && value.absent === true;
}

/** A value as it appears in a failure detail: JSON, shortened. */
export function showValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  // JSON.stringify gives undefined for a function or a symbol, though typed string.
  const text = (JSON.stringify(value) as string | undefined) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}…` : text;
}

/** What a matcher or literal accepts, in words, for failure details. */
export function describeExpected(expected: unknown): string {
  if (!isMatcher(expected)) return showValue(expected);
  if ('oneOf' in expected) return `one of ${expected.oneOf.map(showValue).join(', ')}`;
  if ('regex' in expected) return `a string matching /${expected.regex}/${expected.flags ?? ''}`;
  if ('any' in expected) return 'any value';
  if ('absent' in expected) return 'no value (absent)';
  const { min, max } = expected;
  if (min !== undefined && min === max) return `the number ${min}`;
  if (min !== undefined && max !== undefined) return `a number from ${min} to ${max}`;
  return min !== undefined ? `a number ≥ ${min}` : `a number ≤ ${String(max)}`;
}

function normalizeString(s: string): string {
  return s.trim().normalize('NFC').toLowerCase();
}

/** Literal equality as the suite format defines it, recursive through arrays and objects. */
function literalEquals(expected: unknown, actual: unknown): boolean {
  if (typeof expected === 'string')
    return typeof actual === 'string' && normalizeString(expected) === normalizeString(actual);
  if (typeof expected === 'number') return typeof actual === 'number' && expected === actual;
  return expected === actual;
}

/**
 * Checks a present value against a literal or matcher. Returns null when it matches, else the detail
 * `PATH: expected X, got Y` (PATH names the innermost mismatch for nested literals).
 */
export function matchValue(expected: unknown, actual: unknown, path: string): string | null {
  const fail = () => `${path}: expected ${describeExpected(expected)}, got ${showValue(actual)}`;
  if (isMatcher(expected)) {
    if ('absent' in expected) return `${path}: expected no value (absent), got ${showValue(actual)}`;
    if ('any' in expected) return null;
    if ('oneOf' in expected) return expected.oneOf.some((v) => matchValue(v, actual, path) === null) ? null : fail();
    if ('regex' in expected) {
      if (typeof actual !== 'string') return fail();
      return new RegExp(expected.regex, expected.flags).test(actual.trim()) ? null : fail();
    }
    const { min, max } = expected;
    if (typeof actual !== 'number' || !Number.isFinite(actual)) return fail();
    if ((min !== undefined && actual < min) || (max !== undefined && actual > max)) return fail();
    return null;
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return fail();
    if (actual.length !== expected.length)
      return `${path}: expected ${expected.length} item(s) ${showValue(expected)}, got ${actual.length} ${showValue(actual)}`;
    for (let i = 0; i < expected.length; i += 1) {
      const m = matchValue(expected[i], actual[i], `${path}[${i}]`);
      if (m) return m;
    }
    return null;
  }
  if (isPlainObject(expected)) {
    if (!isPlainObject(actual)) return fail();
    for (const [key, want] of Object.entries(expected)) {
      const sub = `${path}.${key}`;
      if (!(key in actual)) {
        if (isAbsentMatcher(want)) continue;
        return `${sub}: missing (expected ${describeExpected(want)})`;
      }
      const m = matchValue(want, actual[key], sub);
      if (m) return m;
    }
    const extra = Object.keys(actual).find((k) => !(k in expected));
    return extra === undefined ? null : `${path}.${extra}: unexpected key (value ${showValue(actual[extra])})`;
  }
  return literalEquals(expected, actual) ? null : fail();
}
