// The report as the panel's saved state keeps it. The host keeps reports in memory only, so the copy VS Code
// stores with the panel is what brings a report back after a window reload. VS Code keeps that state with the
// window's editors (and is sent it on every change), so it is bounded: the report whole when it fits, else
// with its long texts shortened, else not at all. Measured on reports built by the host's builder: about
// 0.5 KB per result without answer text (1,800 results, 300 cases × 3 models × A and B, are 0.9 MB; with
// 200-character answers 1.25 MB), so reports of hundreds of cases are kept whole.
import type { EvalReportView, MessageView, ResultView, ToolCallView } from '../../src/protocol/evalPanel';
import { count } from './format';

/** Most characters of report JSON kept in the saved state. */
export const SAVED_REPORT_BUDGET = 3_000_000;
/** Characters a long text keeps when the whole report is over the budget. */
export const SHORTENED_LENGTH = 400;

function shorten(text: string): string {
  if (text.length <= SHORTENED_LENGTH) return text;
  const rest = text.length - SHORTENED_LENGTH;
  return `${text.slice(0, SHORTENED_LENGTH)}… (${count(rest)} more characters not kept across the window reload)`;
}

const shortCall = (c: ToolCallView): ToolCallView => ({ ...c, arguments: shorten(c.arguments) });
const shortMessage = (m: MessageView): MessageView => ({
  ...m,
  content: shorten(m.content),
  toolCalls: m.toolCalls.map(shortCall),
});
const shortResult = (r: ResultView): ResultView => ({
  ...r,
  text: shorten(r.text),
  detail: r.detail === null ? null : shorten(r.detail),
  toolCalls: r.toolCalls.map(shortCall),
});

/** The report with every long text (prompts, conversations, answers, arguments, details) shortened. */
export function shortenedReport(report: EvalReportView): EvalReportView {
  return {
    ...report,
    cases: report.cases.map((c) => ({
      ...c,
      description: c.description === null ? null : shorten(c.description),
      messages: c.messages.map(shortMessage),
    })),
    runs: report.runs.map((run) => ({
      ...run,
      promptText: shorten(run.promptText),
      results: run.results.map(shortResult),
    })),
  };
}

/** What the saved state keeps of this report: it whole, it shortened, or null when even that is over the budget. */
export function reportToSave(report: EvalReportView, budget = SAVED_REPORT_BUDGET): EvalReportView | null {
  if (JSON.stringify(report).length <= budget) return report;
  const short = shortenedReport(report);
  return JSON.stringify(short).length <= budget ? short : null;
}
