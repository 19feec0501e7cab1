// One case's results on its models as a test result: passed when every model passed, else one failure
// message per failing model with its typed reason, detail and a diff of the expected against the actual
// calls (VS Code shows it as a diff editor in the Test Results peek, opened from the failure's inline widget on
// the case's line: hence the case's location on every message), and every model's raw answer in the run's output.
import * as vscode from 'vscode';
import type { ToolCall } from '../../core/models/types';
import type { CaseResult } from '../../core/suites/evaluate';
import type { Expectation } from '../../core/suites/suiteSchema';

interface CallView {
  tool: string;
  args: unknown;
}

function expectedCalls(expect: Expectation): CallView[] {
  return expect.kind === 'noToolCall' ? [] : expect.calls.map((c) => ({ tool: c.tool, args: c.args }));
}

/** Actual calls lined up with the expected ones (same tool first) and their arguments in the expected key order. */
function actualCalls(calls: ToolCall[], expected: CallView[]): CallView[] {
  const views = calls.map((c): CallView => ({ tool: c.name, args: c.arguments ?? c.rawArguments }));
  const free = views.map((_, i) => i);
  const ordered: CallView[] = [];
  for (const e of expected) {
    const at = free.findIndex((i) => views[i]!.tool === e.tool);
    if (at === -1) continue;
    const view = views[free.splice(at, 1)[0]!]!;
    ordered.push({ tool: view.tool, args: orderKeys(view.args, e.args) });
  }
  return [...ordered, ...free.map((i) => views[i]!)];
}

function orderKeys(actual: unknown, expected: unknown): unknown {
  if (typeof actual !== 'object' || actual === null || Array.isArray(actual)) return actual;
  if (typeof expected !== 'object' || expected === null) return actual;
  const a = actual as Record<string, unknown>;
  const keys = [...Object.keys(expected).filter((k) => k in a), ...Object.keys(a).filter((k) => !(k in expected))];
  return Object.fromEntries(keys.map((k) => [k, a[k]]));
}

const show = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;

/** The two sides of the diff: the expected calls and the calls the model made, as pretty JSON. */
export function diffSides(expect: Expectation, result: CaseResult): { expected: string; actual: string } {
  const expected = expectedCalls(expect);
  return { expected: show(expected), actual: show(actualCalls(result.toolCalls, expected)) };
}

/** The failure message of one model: `[model] reason: detail`, with the diff and the case's location. */
export function failureMessage(
  expect: Expectation,
  result: CaseResult,
  location?: vscode.Location,
): vscode.TestMessage {
  const sides = diffSides(expect, result);
  const message = vscode.TestMessage.diff(
    `[${result.model}] ${result.reason ?? 'failed'}: ${result.detail ?? ''}`,
    sides.expected,
    sides.actual,
  );
  if (location) message.location = location;
  return message;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

/** The raw answer of one model, for the run's output (a terminal: lines end in \r\n). */
export function rawAnswer(result: CaseResult): string {
  const head = `${result.pass ? 'PASS' : `FAIL ${result.reason ?? ''}`} ${result.caseId} on ${result.model} (${seconds(result.latencyMs)}${result.cached ? ', cached' : ''})`;
  const lines = [head];
  if (result.text.trim()) lines.push(`text: ${result.text.trim()}`);
  for (const call of result.toolCalls)
    lines.push(
      `call: ${call.name}(${call.arguments === undefined ? call.rawArguments : JSON.stringify(call.arguments)})`,
    );
  if (result.toolCalls.length === 0 && !result.text.trim()) lines.push('(empty answer)');
  if (result.detail) lines.push(`why: ${result.detail}`);
  return `${lines.join('\r\n').replace(/\r?\n/g, '\r\n')}\r\n\r\n`;
}

/**
 * Reports one case on `run`: its outcome over `results` (one per model), its duration (the slowest model:
 * the calls run at once) and the raw answers in the output, attached to the item.
 */
export function reportCase(
  run: vscode.TestRun,
  item: vscode.TestItem,
  expect: Expectation,
  results: CaseResult[],
): void {
  const location = item.uri && item.range ? new vscode.Location(item.uri, item.range) : undefined;
  // Attached to the item but without a location: with one, VS Code would print every answer inline in the editor.
  for (const r of results) run.appendOutput(rawAnswer(r), undefined, item);
  const duration = Math.max(0, ...results.map((r) => r.latencyMs));
  const failed = results.filter((r) => !r.pass);
  if (failed.length === 0) run.passed(item, duration);
  else
    run.failed(
      item,
      failed.map((r) => failureMessage(expect, r, location)),
      duration,
    );
}
