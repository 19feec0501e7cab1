// Events → the full snapshot a panel renders. Pure: the engine, the store and a reopened run fold the same way.
import { etaSeconds, runningSeconds } from '../jobs/job';
import { actualUsdOf } from './budget';
import type { ConversationSummary, RoleLedger, ScaleEvent, ScaleRunSnapshot } from './types';

/** What a run starts with; the rest of the snapshot starts empty. */
export interface SnapshotInit extends Pick<
  ScaleRunSnapshot,
  | 'runId'
  | 'agent'
  | 'models'
  | 'systemPrompt'
  | 'promptSource'
  | 'runs'
  | 'concurrency'
  | 'idempotencyKey'
  | 'verifiesRunId'
  | 'startedAt'
> {
  /** One pending row per planned conversation (scenario and seed known up front). */
  conversations: ConversationSummary[];
  estimatedUsd: number | null;
  capUsd: number | null;
  conversationCapUsd: number | null;
  /** The ledger before any call (estimates filled in). */
  ledger: RoleLedger[];
}

/** A conversation row before it starts. */
export function pendingConversation(
  index: number,
  seed: number,
  scenario: ConversationSummary['scenario'],
): ConversationSummary {
  return {
    conversationId: conversationIdOf(index),
    index,
    scenario,
    seed,
    status: 'pending',
    outcome: null,
    endedReason: null,
    turns: 0,
    failureTags: [],
    assertionResults: [],
    costUsd: null,
    promptTokens: 0,
    completionTokens: 0,
    turnLatencyMs: [],
    toolErrors: 0,
  };
}

/** c1, c2, …: short, and the same in a verification run, so findings and rows line up. */
export function conversationIdOf(index: number): string {
  return `c${index + 1}`;
}

export function initialSnapshot(init: SnapshotInit): ScaleRunSnapshot {
  return {
    runId: init.runId,
    status: 'pending',
    phase: 'conversations',
    agent: { ...init.agent },
    models: { ...init.models },
    systemPrompt: init.systemPrompt,
    promptSource: init.promptSource,
    runs: init.runs,
    concurrency: init.concurrency,
    idempotencyKey: init.idempotencyKey,
    verifiesRunId: init.verifiesRunId,
    conversations: init.conversations.map((c) => ({ ...c })),
    completed: init.conversations.filter((c) => c.status === 'done').length,
    total: init.conversations.length,
    progress: 0,
    etaSeconds: null,
    detail: 'Waiting to start',
    budget: {
      estimatedUsd: init.estimatedUsd,
      actualUsd: actualUsdOf(init.ledger),
      capUsd: init.capUsd,
      conversationCapUsd: init.conversationCapUsd,
      byRole: init.ledger,
    },
    throttle: null,
    report: null,
    verification: null,
    error: null,
    notes: [],
    startedAt: init.startedAt,
    finishedAt: null,
  };
}

/**
 * The snapshot a resumed run starts from: the kept conversations as stored, the others back to their fresh
 * pending rows (`reset`: their stored messages and evaluations are deleted before they run again).
 */
export function resumeSnapshot(
  stored: ScaleRunSnapshot,
  fresh: ConversationSummary[],
  keep: ReadonlySet<string>,
): { snapshot: ScaleRunSnapshot; reset: string[] } {
  const reset: string[] = [];
  const conversations = fresh.map((f) => {
    const kept = stored.conversations.find((c) => c.index === f.index);
    if (kept && keep.has(kept.conversationId)) return kept;
    reset.push(f.conversationId);
    return f;
  });
  return {
    snapshot: {
      ...stored,
      status: 'pending',
      phase: 'conversations',
      conversations,
      completed: conversations.filter((c) => c.status === 'done').length,
      total: conversations.length,
      report: null,
      error: null,
      finishedAt: null,
      throttle: null,
      etaSeconds: null,
    },
    reset,
  };
}

const isFinished = (s: ScaleRunSnapshot) => s.status !== 'pending' && s.status !== 'running';

function withConversation(
  s: ScaleRunSnapshot,
  id: string,
  change: (c: ConversationSummary) => ConversationSummary,
): ConversationSummary[] {
  return s.conversations.map((c) => (c.conversationId === id ? change(c) : c));
}

/** The run's phase from its conversations, while conversations are what is going on. */
function conversationPhase(s: ScaleRunSnapshot, conversations: ConversationSummary[]): ScaleRunSnapshot['phase'] {
  if (s.phase !== 'conversations' && s.phase !== 'grading') return s.phase;
  if (conversations.some((c) => c.status === 'pending' || c.status === 'running')) return 'conversations';
  return conversations.some((c) => c.status === 'grading') ? 'grading' : 'conversations';
}

function paced(
  s: ScaleRunSnapshot,
  completed: number,
  at: string,
): Pick<ScaleRunSnapshot, 'completed' | 'progress' | 'etaSeconds'> {
  const total = s.total;
  const from = s.paceFrom ?? { at: s.startedAt, completed: 0 };
  const eta = etaSeconds(Date.parse(from.at), Date.parse(at), completed - from.completed, total - from.completed);
  return { completed, progress: total > 0 ? completed / total : 1, etaSeconds: eta };
}

const finishedFields = (s: ScaleRunSnapshot, at: string) => ({
  phase: 'done' as const,
  finishedAt: at,
  etaSeconds: s.status === 'completed' ? 0 : null,
  throttle: s.throttle ? { ...s.throttle, active: false } : null,
});

/**
 * A resume's clock: the time run before it is added up, the pause from its stop to now is not counted. Without
 * the stop time (an event stored before it was kept) the pause counts as running, as it did then.
 */
function resumedFields(
  prev: ScaleRunSnapshot,
  e: Extract<ScaleEvent, { type: 'scale_start' }>,
): Pick<ScaleRunSnapshot, 'resumedAt' | 'activeSecondsBefore'> {
  const active = runningSeconds(prev, e.stoppedAt ?? e.at) ?? prev.activeSecondsBefore ?? 0;
  return { resumedAt: e.at, activeSecondsBefore: active };
}

export function foldEvent(prev: ScaleRunSnapshot, e: ScaleEvent): ScaleRunSnapshot {
  switch (e.type) {
    case 'scale_start':
      return {
        ...prev,
        ...(e.resumed ? resumedFields(prev, e) : {}),
        status: 'running',
        phase: 'conversations',
        detail: e.resumed
          ? `Resumed: ${prev.total - prev.completed} conversation${prev.total - prev.completed === 1 ? '' : 's'} to run`
          : `Running ${e.runs} conversation${e.runs === 1 ? '' : 's'}, ${e.concurrency} at a time`,
        budget: { ...prev.budget, estimatedUsd: e.estimate.usd },
        paceFrom: { at: e.at, completed: prev.completed },
        finishedAt: null,
        error: null,
        report: null,
        notes: [...prev.notes, ...(e.notes ?? [])],
      };
    case 'conversation_start':
      return {
        ...prev,
        conversations: withConversation(prev, e.conversationId, (c) => ({
          ...c,
          status: 'running',
          scenario: e.scenario,
          seed: e.seed,
        })),
        detail: `Conversation ${e.conversationId} started`,
      };
    case 'turn_complete':
      return {
        ...prev,
        conversations: withConversation(prev, e.conversationId, (c) => ({
          ...c,
          turns: Math.max(c.turns, e.turn),
          turnLatencyMs: [...c.turnLatencyMs, e.latencyMs],
        })),
        detail: `Conversation ${e.conversationId}: turn ${e.turn}`,
      };
    case 'conversation_complete': {
      const conversations = withConversation(prev, e.conversationId, (c) => ({
        ...c,
        status: 'grading',
        endedReason: e.endedReason,
        turns: e.turns,
        costUsd: e.costUsd,
        ...(e.promptTokens !== undefined ? { promptTokens: e.promptTokens } : {}),
        ...(e.completionTokens !== undefined ? { completionTokens: e.completionTokens } : {}),
        ...(e.toolErrors !== undefined ? { toolErrors: e.toolErrors } : {}),
        ...(e.error !== undefined ? { error: e.error } : {}),
      }));
      return {
        ...prev,
        conversations,
        phase: conversationPhase(prev, conversations),
        detail: `Conversation ${e.conversationId} ended (${e.endedReason.replace('_', ' ')}); grading`,
      };
    }
    case 'evaluation_complete': {
      const conversations = withConversation(prev, e.conversationId, (c) => ({
        ...c,
        status: 'done',
        outcome: e.outcome,
        failureTags: [...e.failureTags],
        assertionResults: e.assertionResults,
      }));
      const completed = conversations.filter((c) => c.status === 'done').length;
      return {
        ...prev,
        conversations,
        phase: conversationPhase(prev, conversations),
        ...paced(prev, completed, e.at),
        detail: `Conversation ${e.conversationId}: ${e.outcome}${e.failureTags.length ? ` (${e.failureTags.join(', ')})` : ''}`,
      };
    }
    case 'summary_complete': {
      const notes = [
        ...prev.notes,
        ...(e.digestNote ? [e.digestNote] : []),
        ...(e.summaryError ? [`No summary: ${e.summaryError}`] : []),
      ];
      return {
        ...prev,
        notes,
        detail: e.summaryError
          ? 'Summary failed; stats and evaluations are kept'
          : 'Summary and revised prompt written',
      };
    }
    case 'verification_start':
      return {
        ...prev,
        phase: 'verifying',
        verification: { runId: e.verificationRunId, status: 'running', completed: 0, total: prev.runs },
        detail: 'Verifying the revised prompt on the same scenarios and seeds',
      };
    case 'verification_complete': {
      const v = e.verification;
      const completed = v.conversations.filter((c) => c.status === 'done').length;
      return {
        ...prev,
        verification: { runId: v.runId, status: v.status, completed, total: v.conversations.length },
        detail: `Verification ${v.status}`,
      };
    }
    case 'scale_complete':
      return {
        ...prev,
        status: 'completed',
        ...finishedFields({ ...prev, status: 'completed' }, e.at),
        report: e.report,
        progress: 1,
        completed: prev.conversations.filter((c) => c.status === 'done').length,
        budget: { ...prev.budget, byRole: e.report.stats.cost.byRole, actualUsd: e.report.stats.cost.actualUsd },
        detail: 'Done',
      };
    case 'scale_error':
      return {
        ...prev,
        status: e.status,
        ...finishedFields({ ...prev, status: e.status }, e.at),
        report: e.report,
        error: e.error,
        ...(e.report
          ? { budget: { ...prev.budget, byRole: e.report.stats.cost.byRole, actualUsd: e.report.stats.cost.actualUsd } }
          : {}),
        detail: e.status === 'budget_reached' ? `Budget reached: ${e.error}` : `Failed: ${e.error}`,
      };
    case 'scale_cancelled':
      return {
        ...prev,
        status: 'cancelled',
        ...finishedFields({ ...prev, status: 'cancelled' }, e.at),
        report: e.report,
        ...(e.report
          ? { budget: { ...prev.budget, byRole: e.report.stats.cost.byRole, actualUsd: e.report.stats.cost.actualUsd } }
          : {}),
        detail: `Cancelled: ${e.reason}`,
      };
    case 'cap_reached':
      return { ...prev, notes: [...prev.notes, e.detail], detail: e.detail };
    case 'throttle': {
      if (isFinished(prev)) return prev;
      const active = e.queued > 0 || e.retryInMs !== undefined;
      return {
        ...prev,
        throttle: {
          provider: e.provider,
          active,
          concurrency: e.concurrency,
          queueDepth: e.queued,
          ...(e.retryInMs !== undefined ? { retryInMs: e.retryInMs } : {}),
        },
      };
    }
    case 'progress':
      return {
        ...prev,
        detail: e.detail,
        ...(e.phase ? { phase: e.phase } : {}),
        ...(e.verification ? { verification: e.verification } : {}),
        budget: { ...prev.budget, byRole: e.ledger, actualUsd: actualUsdOf(e.ledger) },
        ...(isFinished(prev) ? {} : { etaSeconds: paced(prev, prev.completed, e.at).etaSeconds }),
      };
  }
}

/** Folds events onto a snapshot in order (a reopened run, a test). */
export function foldEvents(initial: ScaleRunSnapshot, events: ScaleEvent[]): ScaleRunSnapshot {
  return events.reduce(foldEvent, initial);
}
