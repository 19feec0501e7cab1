// The text checks, with promptfoo's semantics: contains and not-contains are case-sensitive substring
// tests, icontains ignores case, regex is `new RegExp(value).test(output)` (no flags, as in promptfoo).
// Values are validated when the agent file loads (agents/loadAgent.ts); a bad one here is ungradeable.
import type { CheckResult } from './transcriptParts';

function textValue(type: string, value: unknown): string | { problem: string } {
  if (typeof value === 'string' && value !== '') return value;
  if (typeof value === 'number') return String(value);
  return { problem: `${type} needs a non-empty string value` };
}

function verdict(pass: boolean, details: string): CheckResult {
  return { pass, score: pass ? 1 : 0, details };
}

function ungradeable(problem: string): CheckResult {
  return { pass: null, score: null, details: problem };
}

export function contains(output: string, value: unknown): CheckResult {
  const v = textValue('contains', value);
  if (typeof v !== 'string') return ungradeable(v.problem);
  return output.includes(v)
    ? verdict(true, `contains ${JSON.stringify(v)}`)
    : verdict(false, `expected the reply to contain ${JSON.stringify(v)}`);
}

export function icontains(output: string, value: unknown): CheckResult {
  const v = textValue('icontains', value);
  if (typeof v !== 'string') return ungradeable(v.problem);
  return output.toLowerCase().includes(v.toLowerCase())
    ? verdict(true, `contains ${JSON.stringify(v)} (any case)`)
    : verdict(false, `expected the reply to contain ${JSON.stringify(v)} (any case)`);
}

export function notContains(output: string, value: unknown): CheckResult {
  const v = textValue('not-contains', value);
  if (typeof v !== 'string') return ungradeable(v.problem);
  const at = output.indexOf(v);
  if (at < 0) return verdict(true, `does not contain ${JSON.stringify(v)}`);
  return verdict(false, `contains ${JSON.stringify(v)}: "${excerpt(output, at, v.length)}"`);
}

export function regex(output: string, value: unknown): CheckResult {
  const v = textValue('regex', value);
  if (typeof v !== 'string') return ungradeable(v.problem);
  let re: RegExp;
  try {
    re = new RegExp(v);
  } catch (e) {
    return ungradeable(`invalid regular expression /${v}/: ${(e as Error).message}`);
  }
  const m = re.exec(output);
  return m
    ? verdict(true, `matches /${v}/: "${excerpt(output, m.index, m[0].length)}"`)
    : verdict(false, `expected the reply to match /${v}/`);
}

/** The match with a little context, on one line. */
export function excerpt(text: string, at: number, length: number): string {
  const start = Math.max(0, at - 30);
  const end = Math.min(text.length, at + length + 30);
  return `${start > 0 ? '…' : ''}${text.slice(start, end).replace(/\s+/g, ' ')}${end < text.length ? '…' : ''}`;
}
