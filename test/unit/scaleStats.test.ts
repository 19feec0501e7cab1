import assert from 'node:assert/strict';
import { computeStats, percentile, wilsonInterval } from '../../src/core/scale/stats';
import type { ConversationSummary, EvaluationResult, Outcome, RoleLedger } from '../../src/core/scale/types';

function conv(index: number, outcome: Outcome | null, over: Partial<ConversationSummary> = {}): ConversationSummary {
  return {
    conversationId: `c${index}`,
    index,
    scenario: null,
    seed: 100 + index,
    status: 'done',
    outcome,
    endedReason: 'user_stop',
    turns: 3,
    failureTags: [],
    assertionResults: [],
    costUsd: 0.01,
    promptTokens: 100,
    completionTokens: 20,
    turnLatencyMs: [100, 200, 300],
    toolErrors: 0,
    ...over,
  };
}

function result(assertion: string, pass: boolean | null): EvaluationResult {
  return {
    assertion,
    type: 'llm-rubric',
    scope: 'transcript',
    tag: 'GOAL_MISS',
    pass,
    score: pass === null ? null : pass ? 1 : 0,
    details: '',
  };
}

function ledger(role: RoleLedger['role'], actualUsd: number | null): RoleLedger {
  return {
    role,
    model: 'openai/sim-1',
    estimatedCalls: 1,
    estimatedUsd: 0.01,
    calls: 1,
    actualUsd,
    promptTokens: 10,
    completionTokens: 5,
  };
}

function near(actual: number | undefined, expected: number, eps = 5e-4): void {
  assert.ok(actual !== undefined && Math.abs(actual - expected) < eps, `expected ${expected}, got ${actual}`);
}

describe('Wilson interval', () => {
  it('matches known 95% values', () => {
    const a = wilsonInterval(8, 10)!;
    near(a.low, 0.4902);
    near(a.high, 0.9433);
    const all = wilsonInterval(10, 10)!;
    near(all.low, 0.7225);
    assert.equal(all.high, 1);
    const none = wilsonInterval(0, 10)!;
    assert.equal(none.low, 0);
    near(none.high, 0.2775);
    const half = wilsonInterval(50, 100)!;
    near(half.low, 0.4038);
    near(half.high, 0.5962);
  });
  it('is null when nothing was scored, and refuses impossible counts', () => {
    assert.equal(wilsonInterval(0, 0), null);
    assert.throws(() => wilsonInterval(3, 2), /successes/);
    assert.throws(() => wilsonInterval(1, -1), /n must be/);
  });
  it('widens with a larger z', () => {
    const a = wilsonInterval(8, 10)!;
    const b = wilsonInterval(8, 10, 2.576)!;
    assert.ok(b.low < a.low && b.high > a.high);
  });
});

describe('nearest-rank percentiles', () => {
  it('return an observed value', () => {
    const oneToTen = [10, 9, 8, 7, 6, 5, 4, 3, 2, 1];
    assert.equal(percentile(oneToTen, 50), 5);
    assert.equal(percentile(oneToTen, 95), 10);
    assert.equal(
      percentile(
        Array.from({ length: 20 }, (_, i) => i + 1),
        95,
      ),
      19,
    );
    assert.equal(percentile([7], 95), 7);
    assert.equal(percentile([], 50), 0);
  });
});

describe('computeStats', () => {
  it('keeps unscored conversations (and ungraded ones) out of the win rate', () => {
    const cs = [conv(0, 'pass'), conv(1, 'pass'), conv(2, 'pass'), conv(3, 'fail'), conv(4, 'unscored'), conv(5, null)];
    const s = computeStats(cs, [], null);
    assert.deepEqual([s.total, s.passed, s.failed, s.unscored], [6, 3, 1, 2]);
    assert.equal(s.winRate, 0.75);
    assert.deepEqual(s.winRateInterval, wilsonInterval(3, 4));
  });
  it('has no win rate when nothing was scored', () => {
    const s = computeStats([conv(0, 'unscored')], [], null);
    assert.equal(s.winRate, null);
    assert.equal(s.winRateInterval, null);
    const empty = computeStats([], [], null);
    assert.equal(empty.total, 0);
    assert.equal(empty.averageTurns, 0);
    assert.deepEqual(empty.latencyStats.perRun, { avg: 0, p95: 0, max: 0 });
  });
  it('computes turns, tokens and latency per turn and per run', () => {
    const cs = [
      conv(0, 'pass', { turns: 2, promptTokens: 100, completionTokens: 10, turnLatencyMs: [100, 300] }),
      conv(1, 'fail', { turns: 4, promptTokens: 300, completionTokens: 30, turnLatencyMs: [200, 200, 200, 1000] }),
      conv(2, 'fail', { turns: 0, promptTokens: 0, completionTokens: 0, turnLatencyMs: [] }),
    ];
    const s = computeStats(cs, [], null);
    assert.equal(s.averageTurns, 2);
    assert.deepEqual(s.turns, { p50: 2, p95: 4 });
    assert.deepEqual(s.tokenStats.prompt, { avg: 400 / 3, p95: 300, sum: 400 });
    assert.deepEqual(s.tokenStats.completion, { avg: 40 / 3, p95: 30, sum: 40 });
    assert.deepEqual(s.tokenStats.total, { avg: 440 / 3, p95: 330, sum: 440 });
    assert.deepEqual(s.latencyStats.perTurn, { avg: 2000 / 6, p95: 1000, max: 1000 });
    // The conversation with no agent turn has no run latency.
    assert.deepEqual(s.latencyStats.perRun, { avg: 1000, p95: 1600, max: 1600 });
  });
  it('makes the actual cost unknown when any role is unknown', () => {
    const known = computeStats([conv(0, 'pass')], [ledger('agent', 0.02), ledger('user', 0.01)], 0.05);
    near(known.cost.actualUsd ?? undefined, 0.03, 1e-12);
    near(known.cost.deltaUsd ?? undefined, -0.02, 1e-12);
    assert.equal(known.cost.byRole.length, 2);
    const unknown = computeStats([conv(0, 'pass')], [ledger('agent', 0.02), ledger('judge', null)], 0.05);
    assert.equal(unknown.cost.actualUsd, null);
    assert.equal(unknown.cost.deltaUsd, null);
    assert.equal(unknown.cost.estimatedUsd, 0.05);
    const noEstimate = computeStats([conv(0, 'pass')], [ledger('agent', 0.02)], null);
    assert.equal(noEstimate.cost.actualUsd, 0.02);
    assert.equal(noEstimate.cost.deltaUsd, null);
  });
  it('orders failure modes by count, then tag, with up to three sample ids in run order', () => {
    const cs = [
      conv(4, 'fail', { failureTags: ['GOAL_MISS', 'TOXICITY'] }),
      conv(0, 'fail', { failureTags: ['GOAL_MISS', 'GOAL_MISS'] }),
      conv(1, 'fail', { failureTags: ['REFUSAL', 'GOAL_MISS'] }),
      conv(2, 'fail', { failureTags: ['GOAL_MISS', 'FORMAT_ERROR'] }),
      conv(3, 'fail', { failureTags: ['REFUSAL', 'FORMAT_ERROR'] }),
      conv(5, 'pass'),
    ];
    const s = computeStats(cs, [], null);
    assert.deepEqual(s.topFailureModes, [
      { tag: 'GOAL_MISS', count: 4, sampleConversationIds: ['c0', 'c1', 'c2'] },
      { tag: 'FORMAT_ERROR', count: 2, sampleConversationIds: ['c2', 'c3'] },
      { tag: 'REFUSAL', count: 2, sampleConversationIds: ['c1', 'c3'] },
      { tag: 'TOXICITY', count: 1, sampleConversationIds: ['c4'] },
    ]);
  });
  it('counts judge errors apart and never as passes', () => {
    const cs = [
      conv(0, 'pass', { assertionResults: [result('llm-rubric: goal', true), result('not-contains: **', true)] }),
      conv(1, 'fail', { assertionResults: [result('llm-rubric: goal', false), result('not-contains: **', true)] }),
      conv(2, 'unscored', { assertionResults: [result('llm-rubric: goal', null), result('llm-rubric: tone', null)] }),
    ];
    const s = computeStats(cs, [], null);
    assert.deepEqual(s.judgeStats, [
      { assertion: 'llm-rubric: goal', pass: 1, fail: 1, error: 1, passRate: 0.5 },
      { assertion: 'not-contains: **', pass: 2, fail: 0, error: 0, passRate: 1 },
      { assertion: 'llm-rubric: tone', pass: 0, fail: 0, error: 1, passRate: null },
    ]);
  });
});
