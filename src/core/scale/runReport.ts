// The report as it stands at any moment: stats of the conversations so far, with what the summary and the
// verification phases left. Every closing event carries one, also that of a run that stopped early.
import type { RoleLedgerBook } from './budget';
import { computeStats } from './stats';
import type { ScaleReport, ScaleRunSnapshot, Verification } from './types';

/** What the summary phase leaves for the report. */
export type SummaryPart = Pick<
  ScaleReport,
  'summary' | 'revisedPrompt' | 'revisedPromptRationale' | 'summaryError' | 'digestNote'
>;

export class RunReport {
  /** No summary until the summary phase writes one (or says why there is none). */
  summary: SummaryPart = { summary: null, revisedPrompt: null, revisedPromptRationale: null };
  /** The verification run inside this one, once it ended. */
  verification: Verification | undefined;

  constructor(
    private readonly run: {
      runId: string;
      idempotencyKey: string | null;
      snapshot(): ScaleRunSnapshot;
      ledger: RoleLedgerBook;
      estimatedUsd: number | null;
    },
  ) {}

  build(status: ScaleReport['status']): ScaleReport {
    const snap = this.run.snapshot();
    // Conversations that never started are left out; one cut before its grading counts as unscored.
    const finished = snap.conversations.filter((c) => c.status !== 'pending');
    return {
      runId: this.run.runId,
      status,
      idempotencyKey: this.run.idempotencyKey,
      ...this.summary,
      stats: computeStats(finished, this.run.ledger.ledger(), this.run.estimatedUsd),
      conversations: snap.conversations,
      ...(this.verification ? { verification: this.verification } : {}),
    };
  }

  /** A run that stops before its summary says why the report has none. */
  summarySkipped(why: string): void {
    if (!this.summary.summary && this.summary.summaryError === undefined)
      this.summary = { ...this.summary, summaryError: `The summary was skipped: ${why}.` };
  }
}
