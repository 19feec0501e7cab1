// What the report panel is sent, built from the engine's results: plain data the webview draws as text.
// Pure (no vscode), so a unit test checks the mapping without an editor.
import type { ChatMessage, ToolCall } from '../../core/models/types';
import { comparePrompts, comparisonVerdict } from '../../core/suites/compare';
import type { CaseResult, EvalSummary } from '../../core/suites/evaluate';
import type { Expectation, Suite, SuiteCase } from '../../core/suites/suiteSchema';
import type {
  CaseView,
  ComparisonView,
  EvalReportView,
  MessageView,
  ResultView,
  RunView,
  ToolCallView,
} from '../../protocol/evalPanel';

/** One prompt's evaluation as the command ran it. */
export interface RunInput {
  /** "A", "B"; "" for a single report. */
  label: string;
  title: string;
  text: string;
  summary: EvalSummary;
  /** Why results are missing; null when the run completed. */
  partial: string | null;
}

export interface ReportInput {
  suite: Suite;
  /** The suite file relative to the workspace. */
  suiteFile: string;
  models: string[];
  repeat: number;
  /** One run, or A then B. */
  runs: RunInput[];
  finishedAt: Date;
}

function toolCallView(call: Pick<ToolCall, 'name' | 'arguments' | 'rawArguments' | 'argumentsError'>): ToolCallView {
  return {
    name: call.name,
    arguments: call.arguments === undefined ? call.rawArguments : JSON.stringify(call.arguments, null, 2),
    argumentsError: call.arguments === undefined ? (call.argumentsError ?? 'not valid JSON') : null,
  };
}

function messageView(m: ChatMessage): MessageView {
  if (m.role === 'tool') return { role: 'tool', content: m.content, toolCalls: [], toolName: m.name };
  if (m.role === 'assistant')
    return { role: 'assistant', content: m.content, toolCalls: (m.toolCalls ?? []).map(toolCallView), toolName: null };
  return { role: 'user', content: m.content, toolCalls: [], toolName: null };
}

/** The expected calls, one line each, as the suite states them (matchers included). */
export function expectedLines(expect: Expectation): string[] {
  if (expect.kind === 'noToolCall') return ['no tool call'];
  return expect.calls.map((c) => `${c.tool}(${JSON.stringify(c.args)})`);
}

function caseView(c: SuiteCase): CaseView {
  return {
    id: c.id,
    description: c.description ?? null,
    messages: c.messages.map(messageView),
    expected: expectedLines(c.expect),
  };
}

function resultView(r: CaseResult): ResultView {
  return {
    caseId: r.caseId,
    model: r.model,
    repeat: r.repeat,
    pass: r.pass,
    reason: r.reason,
    detail: r.detail,
    text: r.text,
    toolCalls: r.toolCalls.map(toolCallView),
    latencyMs: r.latencyMs,
    inputTokens: r.usage.inputTokens,
    outputTokens: r.usage.outputTokens,
    costUsd: r.costUsd,
    cached: r.cached,
  };
}

function runView(run: RunInput): RunView {
  const s = run.summary;
  return {
    label: run.label,
    promptTitle: run.title,
    promptText: run.text,
    partial: run.partial,
    score: s.score,
    perModel: s.perModel.map((m) => ({ ...m })),
    results: s.cases.map(resultView),
    calls: s.calls,
    cacheHits: s.cacheHits,
    inputTokens: s.usage.inputTokens,
    outputTokens: s.usage.outputTokens,
    costUsd: s.costUsd,
    costIncomplete: s.costIncomplete,
    passHatK: s.passHatK ?? null,
  };
}

function comparisonView(a: EvalSummary, b: EvalSummary, models: string[]): ComparisonView {
  const c = comparePrompts(a.cases, b.cases, models);
  return {
    total: c.total,
    perModel: c.perModel,
    pairs: c.pairs.map((p) => ({ caseId: p.caseId, model: p.model, repeat: p.repeat, change: p.change })),
    unpaired: c.unpaired,
    alpha: c.alpha,
    verdict: comparisonVerdict(c.total, c.alpha),
  };
}

export function buildReportView(input: ReportInput): EvalReportView {
  if (input.runs.length !== 1 && input.runs.length !== 2)
    throw new Error(`runs: expected one run or two (A and B), got ${input.runs.length}`);
  const [a, b] = input.runs;
  return {
    suiteName: input.suite.name,
    suiteFile: input.suiteFile,
    models: [...input.models],
    repeat: input.repeat,
    cases: input.suite.cases.map(caseView),
    runs: input.runs.map(runView),
    comparison: a && b ? comparisonView(a.summary, b.summary, input.models) : null,
    finishedAt: input.finishedAt.toISOString(),
  };
}
