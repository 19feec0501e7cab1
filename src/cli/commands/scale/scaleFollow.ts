// Following a scale job in the terminal: events as JSON lines (--events), or human lines per conversation
// start and finish, throttling and caps on stderr; resolves with the final snapshot.
import type { ScaleJob } from '../../../core/scale/engine';
import { pendingConversation } from '../../../core/scale/snapshot';
import type { ConversationSummary, ScaleEvent, ScaleRunSnapshot } from '../../../core/scale/types';
import type { CliIo } from '../../cliTypes';
import { cancelledText, followJob, throttleNotes } from '../../jobFollow';
import { conversationFinishLine, conversationStartLine, pct, usd } from './scaleText';

export interface FollowOptions {
  mode: 'human' | 'json' | 'events';
  io: CliIo;
}

/** What the events told about one conversation, for its finish line (verification runs have no row in the snapshot). */
type Seen = Pick<ConversationSummary, 'conversationId' | 'index' | 'scenario' | 'seed'> &
  Partial<ConversationSummary> & { runId: string; printed: boolean };

export async function followScaleJob(job: ScaleJob, { mode, io }: FollowOptions): Promise<ScaleRunSnapshot> {
  const seen = new Map<string, Seen>();
  const totals = new Map<string, number>([[job.runId, job.snapshot().total]]);
  const throttled = throttleNotes(io);

  const finish = (c: Seen) => {
    if (c.printed || c.endedReason === undefined) return;
    c.printed = true;
    const summary: ConversationSummary = { ...pendingConversation(c.index, c.seed, c.scenario), status: 'done', ...c };
    io.out(
      `${c.runId === job.runId ? '' : 'verify '}${conversationFinishLine(summary, totals.get(c.runId) ?? job.snapshot().total)}`,
    );
  };

  const human = (e: ScaleEvent) => {
    switch (e.type) {
      case 'scale_start':
        totals.set(e.runId, e.runs);
        if (e.runId !== job.runId) return;
        io.out(
          `${e.resumed ? 'Resuming' : 'Scale test of'} "${e.agent.name}" (${e.agent.file}): ${e.runs} conversation${e.runs === 1 ? '' : 's'}, ${e.concurrency} at a time. Run ${e.runId}\n` +
            `  models: agent ${e.models.agent}, user ${e.models.user}, judge ${e.models.judge}, summarizer ${e.models.summarizer}\n`,
        );
        if (e.resumed) {
          const kept = job.snapshot().conversations.filter((c) => c.status === 'done');
          if (kept.length)
            io.out(
              `  kept ${kept.length} finished conversation${kept.length === 1 ? '' : 's'}: ${kept.map((c) => c.conversationId).join(', ')}\n`,
            );
        }
        return;
      case 'conversation_start': {
        const c: Seen = {
          runId: e.runId,
          conversationId: e.conversationId,
          index: e.index,
          scenario: e.scenario,
          seed: e.seed,
          printed: false,
        };
        seen.set(e.conversationId, c);
        io.out(
          `${e.runId === job.runId ? '' : 'verify '}${conversationStartLine(c, totals.get(e.runId) ?? job.snapshot().total)}`,
        );
        return;
      }
      case 'conversation_complete': {
        const c = seen.get(e.conversationId);
        if (!c) return;
        Object.assign(c, {
          endedReason: e.endedReason,
          turns: e.turns,
          costUsd: e.costUsd,
          ...(e.error ? { error: e.error } : {}),
        });
        // A conversation cut short is not graded by every engine: say so now rather than never.
        if (e.endedReason === 'cancelled') finish(c);
        return;
      }
      case 'evaluation_complete': {
        const c = seen.get(e.conversationId);
        if (!c) return;
        const row = job.snapshot().conversations.find((x) => x.conversationId === e.conversationId);
        Object.assign(c, row ?? {}, {
          outcome: e.outcome,
          failureTags: e.failureTags,
          assertionResults: e.assertionResults,
        });
        finish(c);
        return;
      }
      case 'summary_complete':
        io.out(e.summaryError ? `Summary: not written (${e.summaryError})\n` : 'Summary written.\n');
        return;
      case 'verification_start':
        io.out(`\nVerifying the revised prompt: run ${e.verificationRunId}\n`);
        return;
      case 'verification_complete':
        // The before → after line is in the report printed at the end.
        io.out(`Verification ${e.verification.status}: ${e.verification.conversations.length} conversations.\n`);
        return;
      case 'cap_reached':
        io.err(`  cap reached (${e.scope}${e.conversationId ? ` ${e.conversationId}` : ''}): ${e.detail}\n`);
        return;
      case 'throttle':
        throttled(e);
        return;
      case 'scale_error':
        io.out(`\n${e.status === 'budget_reached' ? 'Budget reached' : 'Failed'}: ${e.error}\n`);
        return;
      case 'scale_cancelled':
        io.out(`\n${cancelledText(e.reason)}\n`);
        return;
      default:
        return;
    }
  };

  const final = await followJob(job, io, (e) => {
    if (mode === 'events') io.out(`${JSON.stringify(e)}\n`);
    else if (mode === 'human') human(e);
  });
  if (mode === 'human') {
    // Conversations that ended but were never graded (cut by a cap or the end of the run) still get their line.
    for (const c of final.report?.conversations ?? final.conversations) {
      const s = seen.get(c.conversationId);
      if (s && !s.printed && c.endedReason !== null) {
        Object.assign(s, c);
        finish(s);
      }
    }
    const b = final.budget;
    if (final.status !== 'completed')
      io.out(
        `Spent ${usd(b.actualUsd)} of ${b.capUsd === null ? 'no cap' : usd(b.capUsd)}; ${final.completed}/${final.total} conversations done (${pct(final.progress)}).\n`,
      );
  }
  return final;
}
