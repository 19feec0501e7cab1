// Conversations: each one played out with the simulated user, stored message by message as it happens and
// graded as soon as it ends; `concurrency` at a time through the launch pool, none started past the budget.
import { runConversation } from '../agents/conversation';
import type { RunScenario } from '../agents/personas';
import { errorMessage } from '../jobs/runtime';
import { ModelError, type CallBudget, type ModelResult } from '../models/types';
import { runConversationPool } from './conversationPool';
import type { ScaleEvaluator } from './grading/evaluator';
import { outcomeOf } from './grading/outcome';
import type { RunContext } from './runContext';
import type { ScaleRunWriter } from './runWriter';
import { conversationIdOf } from './snapshot';
import type { ConversationSummary, EndedReason, EvaluationResult, TranscriptMessage } from './types';

/** Conversations ended by these were played out and are graded; the others (cap, provider error, cancel) are unscored. */
const GRADED: ReadonlySet<EndedReason> = new Set(['user_stop', 'max_turns']);

export interface ConversationsContext extends RunContext {
  /** Scenario of each run index. */
  scenarios: RunScenario[];
  evaluator: ScaleEvaluator;
  writer: Pick<ScaleRunWriter, 'keepMessage' | 'keepEvaluation'>;
  /** Buffered rows ride on the next write, at most flushIntervalMs later. */
  flushSoon(): void;
  /** Conversations kept from before a resume: not run again. */
  keep: ReadonlySet<string>;
  /** Gap between two launches in ms, drawn from [min, max]. */
  staggerMs: [number, number];
  /** Filled with the messages of every conversation this process plays, for the summary. */
  transcripts: Map<string, TranscriptMessage[]>;
}

/** A scenario as the conversation's row shows it (none when the form's goal and message were used). */
export const summaryScenario = (s: RunScenario): ConversationSummary['scenario'] =>
  s.id === null ? null : { id: s.id, persona: s.persona, goal: s.goal };

/** A grading that could not happen: never a pass, so the conversation is unscored. */
function ungraded(kind: string, why: string): EvaluationResult {
  return {
    assertion: `evaluator (${kind})`,
    type: 'llm-rubric',
    scope: 'transcript',
    tag: 'EVALUATOR_ERROR',
    pass: null,
    score: null,
    details: why,
  };
}

/** Emits cap_reached once for each cap the budget has hit so far. */
function capAnnouncer(ctx: Pick<ConversationsContext, 'budget' | 'emit'>): () => void {
  const announced = new Set<string>();
  return () => {
    for (const hit of ctx.budget.hits) {
      const key = `${hit.scope}:${hit.conversationId ?? ''}`;
      if (announced.has(key)) continue;
      announced.add(key);
      ctx.emit({
        type: 'cap_reached',
        scope: hit.scope,
        ...(hit.conversationId ? { conversationId: hit.conversationId } : {}),
        detail:
          hit.scope === 'total'
            ? `Budget reached, no new conversation starts: ${hit.reason}`
            : `Conversation ${hit.conversationId} stopped at its cap: ${hit.reason}`,
      });
    }
  };
}

/** Plays every conversation not kept; resolves once all have ended (or none may start any more). */
export function runConversations(ctx: ConversationsContext): Promise<void> {
  const announceCaps = capAnnouncer(ctx);
  return runConversationPool({
    indexes: ctx.scenarios.map((_, i) => i).filter((i) => !ctx.keep.has(conversationIdOf(i))),
    concurrency: ctx.config.concurrency,
    staggerMs: ctx.staggerMs,
    signal: ctx.signal,
    budget: ctx.budget,
    idOf: conversationIdOf,
    onStopped: announceCaps,
    play: (i, convBudget) => playConversation(i, convBudget, ctx, announceCaps),
  });
}

/** Throws what ended the conversations phase early: a cancel, the total cap, or not one conversation getting through. */
export function throwIfConversationsStopped(ctx: Pick<ConversationsContext, 'signal' | 'budget' | 'snapshot'>): void {
  if (ctx.signal.aborted) throw ctx.signal.reason ?? new ModelError('cancelled', 'Cancelled');
  const capHit = ctx.budget.hits.find((h) => h.scope === 'total');
  if (capHit) throw new ModelError('budget', capHit.reason);
  const ran = ctx.snapshot().conversations.filter((c) => c.status === 'done');
  if (ran.length > 0 && ran.every((c) => c.endedReason === 'error')) {
    // Not one conversation got through: the run failed (a wrong key or model), it did not measure the agent.
    throw new Error(`every conversation ended with an error; the first: ${ran[0]!.error ?? 'unknown error'}`);
  }
}

/** One conversation: conversation_start, its turns and messages as they happen, conversation_complete, then its grade. */
async function playConversation(
  i: number,
  convBudget: CallBudget,
  ctx: ConversationsContext,
  announceCaps: () => void,
): Promise<void> {
  const { config } = ctx;
  const id = conversationIdOf(i);
  const scenario = ctx.scenarios[i]!;
  const seed = config.seed + i;
  ctx.emit({ type: 'conversation_start', conversationId: id, index: i, scenario: summaryScenario(scenario), seed });
  const spent = { usd: 0 as number | null, promptTokens: 0, completionTokens: 0 };
  let position = 0;
  const outcome = await runConversation({
    agent: ctx.agent,
    systemPrompt: config.systemPrompt,
    scenario,
    models: { agent: config.agentModel, user: config.userModel },
    seed,
    temperature: config.temperature,
    gateway: ctx.gateway,
    signal: ctx.signal,
    callOptions: () => ctx.callOptions(convBudget),
    onMessage: (m) => {
      if (ctx.isFinished()) return;
      ctx.writer.keepMessage(id, position++, m);
      ctx.flushSoon();
    },
    onCall: (role, r: ModelResult) => {
      ctx.record(role, r);
      spent.usd = spent.usd === null || r.costUsd === null ? null : spent.usd + r.costUsd;
      spent.promptTokens += r.usage.inputTokens;
      spent.completionTokens += r.usage.outputTokens;
      ctx.progress(`Conversation ${id}: ${role === 'agent' ? 'agent' : 'simulated user'} replied`);
    },
    onTurn: (t) => {
      if (ctx.isFinished()) return;
      ctx.emit({ type: 'turn_complete', conversationId: id, ...t });
    },
  });
  ctx.budget.conversationEnded(id);
  ctx.transcripts.set(id, outcome.messages);
  ctx.emit({
    type: 'conversation_complete',
    conversationId: id,
    endedReason: outcome.endedReason,
    turns: outcome.turns,
    costUsd: spent.usd,
    promptTokens: spent.promptTokens,
    completionTokens: spent.completionTokens,
    toolErrors: outcome.toolErrors,
    ...(outcome.error !== undefined ? { error: outcome.error } : {}),
  });
  announceCaps();

  let results: EvaluationResult[] = [];
  if (GRADED.has(outcome.endedReason) && !ctx.signal.aborted) {
    try {
      results = await ctx.evaluator.grade(
        {
          conversationId: id,
          agent: ctx.agent,
          goal: scenario.goal,
          messages: outcome.messages,
          endedReason: outcome.endedReason,
          seed,
        },
        {
          gateway: ctx.gateway,
          judgeModel: config.judgeModel,
          signal: ctx.signal,
          callOptions: ctx.callOptions(ctx.budget.forRun()),
          onCall: (r) => ctx.record('judge', r),
        },
      );
    } catch (e) {
      results = [
        ungraded(
          ctx.evaluator.kind,
          e instanceof ModelError && e.kind === 'budget'
            ? `not graded: ${e.message}`
            : `the evaluator failed: ${errorMessage(e)}`,
        ),
      ];
    }
    announceCaps();
  }
  const graded = outcomeOf(results, outcome.endedReason, outcome.toolErrors);
  // Cut conversations are unscored whatever their partial checks say; a judge error is never a pass.
  const verdict =
    GRADED.has(outcome.endedReason) && !(ctx.signal.aborted && results.length === 0) ? graded.outcome : 'unscored';
  ctx.writer.keepEvaluation(id, results);
  ctx.emit({
    type: 'evaluation_complete',
    conversationId: id,
    outcome: verdict,
    failureTags: graded.failureTags,
    assertionResults: results,
  });
}
