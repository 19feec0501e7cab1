// Summary: the graded conversations summarised into failure modes (citing conversations and turns) and a
// revised prompt with its rationale. A failed summary leaves the stats and the evaluations as they are.
import { errorMessage } from '../jobs/runtime';
import { ModelError } from '../models/types';
import type { RunContext } from './runContext';
import type { RunReport } from './runReport';
import { summarize } from './summarizer/summarize';
import type { ScaleSummary, TranscriptMessage } from './types';

/** Writes the report's summary part, then emits summary_complete; a cancel or the budget still stops the run. */
export async function summarizeRun(
  ctx: RunContext,
  report: RunReport,
  transcriptOf: (conversationId: string) => TranscriptMessage[],
): Promise<void> {
  const { config } = ctx;
  const done = ctx.snapshot().conversations.filter((c) => c.status === 'done');
  if (!done.some((c) => c.outcome === 'pass' || c.outcome === 'fail')) {
    // Nothing was graded (every conversation cut by its cap or a provider error): no call for an empty summary.
    report.summary = {
      ...report.summary,
      summaryError: 'No conversation could be graded, so there is nothing to summarize.',
    };
    ctx.emit({
      type: 'summary_complete',
      summary: null,
      revisedPrompt: null,
      revisedPromptRationale: null,
      summaryError: report.summary.summaryError!,
    });
    return;
  }
  ctx.progress(`Summarizing ${done.length} conversation${done.length === 1 ? '' : 's'}`, { phase: 'summarizing' });
  let result: Awaited<ReturnType<typeof summarize>>;
  try {
    result = await summarize({
      model: config.summarizerModel,
      agentPrompt: config.systemPrompt,
      conversations: done.map((c) => ({ summary: c, messages: transcriptOf(c.conversationId) })),
      gateway: ctx.gateway,
      signal: ctx.signal,
      callOptions: ctx.callOptions(ctx.budget.forRun()),
      onCall: (r) => ctx.record('summarizer', r),
      ...(config.goal ? { goal: config.goal } : {}),
    });
  } catch (e) {
    if (ctx.signal.aborted || (e instanceof ModelError && (e.kind === 'cancelled' || e.kind === 'budget'))) throw e;
    result = { summaryError: `The summarizer failed: ${errorMessage(e)}` };
  }
  const digestNote = result.digestNote !== undefined ? { digestNote: result.digestNote } : {};
  if ('summaryError' in result) {
    report.summary = {
      summary: null,
      revisedPrompt: null,
      revisedPromptRationale: null,
      summaryError: result.summaryError,
      ...digestNote,
    };
  } else {
    const summary: ScaleSummary = result.summary;
    report.summary = {
      summary,
      revisedPrompt: result.revisedPrompt,
      revisedPromptRationale: result.revisedPromptRationale,
      ...digestNote,
    };
  }
  const part = report.summary;
  ctx.emit({
    type: 'summary_complete',
    summary: part.summary,
    revisedPrompt: part.revisedPrompt,
    revisedPromptRationale: part.revisedPromptRationale,
    ...(part.summaryError !== undefined ? { summaryError: part.summaryError } : {}),
    ...digestNote,
  });
}
