// The scale job's persist callback: each JobRuntime write also carries the messages and evaluations buffered
// since the last one, the conversations run again on resume (their old rows deleted first), and the
// conversation rows the written events changed, in one transaction.
import type { JobWrite } from '../jobs/runtime';
import type { ScaleRunsRepository, ScaleRunWrite } from './runsRepository';
import type { EvaluationResult, ScaleEvent, ScaleRunSnapshot, TranscriptMessage } from './types';

export class ScaleRunWriter {
  private messages: NonNullable<ScaleRunWrite['messages']> = [];
  private evaluations: NonNullable<ScaleRunWrite['evaluations']> = [];
  private reset: string[];
  private readonly dirty: Set<string>;

  /** `reset`: the conversations a resume runs again. */
  constructor(
    private readonly repo: ScaleRunsRepository,
    reset: string[],
  ) {
    this.reset = [...reset];
    this.dirty = new Set(reset);
  }

  /** Rides on the next write (the runtime makes one at most flushIntervalMs after flushSoon). */
  keepMessage(conversationId: string, position: number, message: TranscriptMessage): void {
    this.messages.push({ conversationId, position, message });
  }

  /** A conversation's graded assertions; they replace what was stored for it. */
  keepEvaluation(conversationId: string, results: EvaluationResult[]): void {
    this.evaluations.push({ conversationId, results });
  }

  persist({ snapshot, events }: JobWrite<ScaleEvent, ScaleRunSnapshot>): void {
    for (const { event } of events)
      if ('conversationId' in event && event.conversationId) this.dirty.add(event.conversationId);
    this.repo.write({
      snapshot,
      events,
      reset: this.reset,
      messages: this.messages,
      evaluations: this.evaluations,
      conversations: snapshot.conversations.filter((c) => this.dirty.has(c.conversationId)),
    });
    this.reset = [];
    this.messages = [];
    this.evaluations = [];
    this.dirty.clear();
  }
}
