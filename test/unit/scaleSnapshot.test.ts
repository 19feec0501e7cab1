// The scale snapshot is a pure fold of events: what the panel shows (rows, progress, ETA, budget card,
// throttling, report, notes) follows from the stored events alone.
import { strict as assert } from 'node:assert';
import {
  conversationIdOf,
  foldEvent,
  foldEvents,
  initialSnapshot,
  pendingConversation,
} from '../../src/core/scale/snapshot';
import type { RoleLedger, ScaleEstimate, ScaleEvent, ScaleReport, ScaleRunSnapshot } from '../../src/core/scale/types';
import { runningSeconds } from '../../src/core/jobs/job';

const RUN = 'run-1';
const T0 = Date.parse('2026-01-01T10:00:00.000Z');
const at = (s: number) => new Date(T0 + s * 1000).toISOString();
const models = { agent: 'openai/sim-1', user: 'openai/sim-1', judge: 'openai/sim-1', summarizer: 'openai/sim-1' };
const estimate: ScaleEstimate = { byRole: [], calls: 40, usd: 0.12, unknownPrices: [], seconds: 30, overBudget: false };

function ledger(agentUsd: number | null, calls = 1): RoleLedger[] {
  return (['agent', 'user', 'judge', 'summarizer'] as const).map((role) => ({
    role,
    model: 'openai/sim-1',
    estimatedCalls: 10,
    estimatedUsd: 0.03,
    calls: role === 'agent' ? calls : 0,
    actualUsd: role === 'agent' ? agentUsd : 0,
    promptTokens: 0,
    completionTokens: 0,
  }));
}

function init(runs = 3): ScaleRunSnapshot {
  return initialSnapshot({
    runId: RUN,
    agent: { name: 'Hotel front desk', file: 'examples/hotel-desk.agent.json' },
    models,
    systemPrompt: 'You are the front desk.',
    promptSource: { kind: 'agent' },
    runs,
    concurrency: 2,
    idempotencyKey: null,
    verifiesRunId: null,
    conversations: Array.from({ length: runs }, (_, i) =>
      pendingConversation(i, 1 + i, { id: `s${i}`, persona: 'p', goal: 'g' }),
    ),
    estimatedUsd: 0.12,
    capUsd: 1,
    conversationCapUsd: null,
    ledger: ledger(0, 0),
    startedAt: at(0),
  });
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object') {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}

const base = { runId: RUN };
const start = (s = 0, resumed = false, stoppedAt?: string): ScaleEvent => ({
  ...base,
  at: at(s),
  type: 'scale_start',
  agent: { name: 'Hotel front desk', file: 'x' },
  models,
  runs: 3,
  concurrency: 2,
  estimate,
  ...(resumed ? { resumed } : {}),
  ...(stoppedAt !== undefined ? { stoppedAt } : {}),
});
const convStart = (i: number, s: number): ScaleEvent => ({
  ...base,
  at: at(s),
  type: 'conversation_start',
  conversationId: conversationIdOf(i),
  index: i,
  scenario: { id: `s${i}`, persona: 'p', goal: 'g' },
  seed: 1 + i,
});
const turn = (i: number, t: number, s: number): ScaleEvent => ({
  ...base,
  at: at(s),
  type: 'turn_complete',
  conversationId: conversationIdOf(i),
  turn: t,
  agentText: 'hi',
  toolCalls: 1,
  latencyMs: 100 * t,
  costUsd: 0.001,
});
const convDone = (i: number, s: number): ScaleEvent => ({
  ...base,
  at: at(s),
  type: 'conversation_complete',
  conversationId: conversationIdOf(i),
  endedReason: 'user_stop',
  turns: 2,
  costUsd: 0.002,
  promptTokens: 500,
  completionTokens: 50,
  toolErrors: 1,
});
const graded = (i: number, s: number, outcome: 'pass' | 'fail' | 'unscored' = 'fail'): ScaleEvent => ({
  ...base,
  at: at(s),
  type: 'evaluation_complete',
  conversationId: conversationIdOf(i),
  outcome,
  failureTags: outcome === 'fail' ? ['GOAL_MISS'] : [],
  assertionResults: [
    {
      assertion: 'llm-rubric: goal',
      type: 'llm-rubric',
      scope: 'transcript',
      tag: 'GOAL_MISS',
      pass: outcome === 'pass',
      score: 0,
      details: 'no booking',
    },
  ],
});

function report(status: ScaleReport['status']): ScaleReport {
  return {
    runId: RUN,
    status,
    idempotencyKey: null,
    summary: null,
    revisedPrompt: null,
    revisedPromptRationale: null,
    stats: {
      total: 1,
      passed: 0,
      failed: 1,
      unscored: 0,
      winRate: 0,
      winRateInterval: { low: 0, high: 0.79 },
      averageTurns: 2,
      turns: { p50: 2, p95: 2 },
      tokenStats: {
        prompt: { avg: 0, p95: 0, sum: 0 },
        completion: { avg: 0, p95: 0, sum: 0 },
        total: { avg: 0, p95: 0, sum: 0 },
      },
      latencyStats: { perTurn: { avg: 0, p95: 0, max: 0 }, perRun: { avg: 0, p95: 0, max: 0 } },
      cost: { estimatedUsd: 0.12, actualUsd: 0.05, deltaUsd: -0.07, byRole: ledger(0.05, 7) },
      topFailureModes: [],
      judgeStats: [],
    },
    conversations: [],
  };
}

describe('scale snapshot fold', () => {
  it('starts pending with one row per planned conversation and the budget card from the estimate', () => {
    const s = init();
    assert.equal(s.status, 'pending');
    assert.equal(s.total, 3);
    assert.deepEqual(
      s.conversations.map((c) => [c.conversationId, c.status, c.seed]),
      [
        ['c1', 'pending', 1],
        ['c2', 'pending', 2],
        ['c3', 'pending', 3],
      ],
    );
    assert.deepEqual([s.budget.estimatedUsd, s.budget.capUsd, s.budget.actualUsd], [0.12, 1, 0]);
  });

  it('follows a conversation from start to graded, with progress and an ETA from the pace so far', () => {
    const s0 = deepFreeze(init());
    const s = foldEvents(s0, [start(0), convStart(0, 0), turn(0, 1, 1), turn(0, 2, 2)]);
    assert.equal(s.status, 'running');
    const c1 = s.conversations[0]!;
    assert.deepEqual([c1.status, c1.turns, c1.turnLatencyMs], ['running', 2, [100, 200]]);
    assert.equal(s.etaSeconds, null, 'no ETA before a conversation is done');

    const grading = foldEvent(s, convDone(0, 3));
    const g1 = grading.conversations[0]!;
    assert.deepEqual(
      [g1.status, g1.endedReason, g1.costUsd, g1.promptTokens, g1.toolErrors],
      ['grading', 'user_stop', 0.002, 500, 1],
    );
    assert.equal(grading.phase, 'conversations', 'two conversations have not started yet');

    const done = foldEvent(grading, graded(0, 10));
    assert.deepEqual(
      [done.conversations[0]!.status, done.conversations[0]!.outcome, done.conversations[0]!.failureTags],
      ['done', 'fail', ['GOAL_MISS']],
    );
    assert.equal(done.completed, 1);
    assert.ok(Math.abs(done.progress - 1 / 3) < 1e-9);
    assert.equal(done.etaSeconds, 20, '10 s per conversation, 2 left');
    // The frozen input was not touched.
    assert.equal(s0.conversations[0]!.status, 'pending');
  });

  it('moves to the grading phase once nothing is pending or running', () => {
    let s = foldEvents(init(1), [start(0), convStart(0, 0)]);
    s = foldEvent(s, convDone(0, 1));
    assert.equal(s.phase, 'grading');
    s = foldEvent(s, graded(0, 2, 'pass'));
    s = foldEvent(s, {
      ...base,
      at: at(3),
      type: 'progress',
      completed: 1,
      total: 1,
      detail: 'Summarizing 1 conversation',
      ledger: ledger(0.01),
      phase: 'summarizing',
    });
    assert.equal(s.phase, 'summarizing');
  });

  it('shows throttling while calls wait, and clears it when the wait is over', () => {
    let s = foldEvents(init(), [start(0)]);
    s = foldEvent(s, {
      ...base,
      at: at(1),
      type: 'throttle',
      provider: 'openai',
      active: 3,
      concurrency: 3,
      queued: 4,
      retryInMs: 500,
      status: 429,
    });
    assert.deepEqual(s.throttle, { provider: 'openai', active: true, concurrency: 3, queueDepth: 4, retryInMs: 500 });
    s = foldEvent(s, {
      ...base,
      at: at(2),
      type: 'throttle',
      provider: 'openai',
      active: 1,
      concurrency: 3,
      queued: 0,
    });
    assert.deepEqual(s.throttle, { provider: 'openai', active: false, concurrency: 3, queueDepth: 0 });
  });

  it('keeps the budget card on the ledger: actual spend, and null once a price is unknown', () => {
    let s = foldEvents(init(), [start(0)]);
    s = foldEvent(s, {
      ...base,
      at: at(1),
      type: 'progress',
      completed: 0,
      total: 3,
      detail: 'c1: agent replied',
      ledger: ledger(0.004),
    });
    assert.equal(s.budget.actualUsd, 0.004);
    assert.equal(s.budget.byRole.find((r) => r.role === 'agent')!.calls, 1);
    s = foldEvent(s, {
      ...base,
      at: at(2),
      type: 'progress',
      completed: 0,
      total: 3,
      detail: 'c1: agent replied',
      ledger: ledger(null, 2),
    });
    assert.equal(s.budget.actualUsd, null);
  });

  it('notes caps and summary problems, and ends with the report for each closing event', () => {
    let s = foldEvents(init(), [start(0), convStart(0, 0), convDone(0, 1), graded(0, 2)]);
    s = foldEvent(s, {
      ...base,
      at: at(3),
      type: 'cap_reached',
      scope: 'total',
      detail: 'Budget reached, no new conversation starts',
    });
    assert.deepEqual(s.notes, ['Budget reached, no new conversation starts']);

    const budget = foldEvent(s, {
      ...base,
      at: at(4),
      type: 'scale_error',
      error: 'total budget cap reached',
      status: 'budget_reached',
      report: report('budget_reached'),
    });
    assert.deepEqual(
      [budget.status, budget.phase, budget.error, budget.finishedAt],
      ['budget_reached', 'done', 'total budget cap reached', at(4)],
    );
    assert.equal(budget.report?.status, 'budget_reached');
    assert.equal(budget.budget.actualUsd, 0.05);

    const cancelled = foldEvent(s, {
      ...base,
      at: at(4),
      type: 'scale_cancelled',
      reason: 'Cancelled by the user',
      report: report('cancelled'),
    });
    assert.deepEqual(
      [cancelled.status, cancelled.report?.status, cancelled.etaSeconds],
      ['cancelled', 'cancelled', null],
    );

    const withSummary = foldEvent(s, {
      ...base,
      at: at(4),
      type: 'summary_complete',
      summary: null,
      revisedPrompt: null,
      revisedPromptRationale: null,
      summaryError: 'rejected twice',
      digestNote: '2 conversations left out',
    });
    assert.deepEqual(withSummary.notes.slice(1), ['2 conversations left out', 'No summary: rejected twice']);
    const complete = foldEvent(withSummary, {
      ...base,
      at: at(5),
      type: 'scale_complete',
      report: report('completed'),
    });
    assert.deepEqual(
      [complete.status, complete.progress, complete.etaSeconds, complete.phase],
      ['completed', 1, 0, 'done'],
    );
    // A throttle event after the end changes nothing.
    assert.equal(
      foldEvent(complete, {
        ...base,
        at: at(6),
        type: 'throttle',
        provider: 'openai',
        active: 1,
        concurrency: 3,
        queued: 2,
      }),
      complete,
    );
  });

  it('tracks a verification run', () => {
    let s = foldEvents(init(), [start(0)]);
    s = foldEvent(s, { ...base, at: at(1), type: 'verification_start', verificationRunId: 'run-2' });
    assert.deepEqual(
      [s.phase, s.verification],
      ['verifying', { runId: 'run-2', status: 'running', completed: 0, total: 3 }],
    );
    s = foldEvent(s, {
      ...base,
      at: at(2),
      type: 'progress',
      completed: 3,
      total: 3,
      detail: 'Verifying: 2/3',
      ledger: ledger(0),
      verification: { runId: 'run-2', status: 'running', completed: 2, total: 3 },
    });
    assert.equal(s.verification?.completed, 2);
    const r = report('completed');
    s = foldEvent(s, {
      ...base,
      at: at(3),
      type: 'verification_complete',
      verification: {
        runId: 'run-2',
        prompt: 'p',
        status: 'completed',
        stats: r.stats,
        conversations: [pendingConversation(0, 1, null)].map((c) => ({ ...c, status: 'done' as const })),
        winRateBefore: 0.2,
        winRateIntervalBefore: null,
      },
    });
    assert.deepEqual(s.verification, { runId: 'run-2', status: 'completed', completed: 1, total: 1 });
  });

  it('a resumed run keeps its finished conversations and measures the ETA from the resume', () => {
    const stored = foldEvents(init(), [
      start(0),
      convStart(0, 0),
      convDone(0, 1),
      graded(0, 100),
      { ...base, at: at(101), type: 'scale_cancelled', reason: 'x', report: null },
    ]);
    const resumed = foldEvent({ ...stored, status: 'pending' }, start(1000, true));
    assert.equal(resumed.status, 'running');
    assert.equal(resumed.completed, 1);
    assert.equal(resumed.finishedAt, null);
    assert.match(resumed.detail, /Resumed: 2 conversations to run/);
    const next = foldEvents(resumed, [convStart(1, 1000), convDone(1, 1001), graded(1, 1010)]);
    assert.equal(next.completed, 2);
    assert.equal(next.etaSeconds, 10, '10 s for the one since the resume, 1 left (not the 100 s of the first)');
  });

  describe('the duration of a resumed run', () => {
    const cancelled = (s: number): ScaleEvent => ({
      ...base,
      at: at(s),
      type: 'scale_cancelled',
      reason: 'x',
      report: null,
    });
    // 10 s of running, cancelled, resumed an hour later.
    const stopped = () => foldEvents(init(), [start(0), convStart(0, 0), convDone(0, 1), graded(0, 10), cancelled(10)]);

    it('counts the time before the stop and the time since the resume, not the pause; older runs read as before', () => {
      const resumed = foldEvent({ ...stopped(), status: 'pending', finishedAt: null }, start(3610, true, at(10)));
      assert.equal(resumed.resumedAt, at(3610));
      assert.equal(resumed.activeSecondsBefore, 10);
      assert.equal(runningSeconds(resumed, at(3700)), 10 + 90);
      // Stored before the stop time was kept: a run never resumed, or a resume event without it, reads as it did.
      const old = stopped();
      assert.equal(old.resumedAt, undefined);
      assert.equal(runningSeconds(old, old.finishedAt!), 10);
      const legacy = foldEvent({ ...old, status: 'pending', finishedAt: null }, start(3610, true));
      assert.equal(runningSeconds(legacy, at(3700)), 3700);
    });

    it('adds up every stretch between pauses; a run whose process died stopped at its last write', () => {
      const first = foldEvent({ ...stopped(), status: 'pending', finishedAt: null }, start(3610, true, at(10)));
      // Killed at 3630 with no closing event: the resume says when it last wrote.
      const again = foldEvent({ ...first, status: 'pending' }, start(7200, true, at(3630)));
      assert.equal(again.activeSecondsBefore, 10 + 20);
      assert.equal(runningSeconds(again, at(7210)), 10 + 20 + 10);
    });
  });
});
