// The report's numbers, folded from the conversations and the cost ledger. Unscored conversations are counted
// apart and never enter the win rate; small runs get a Wilson interval so 4/5 is not read as "80%, done".
import type { ConversationSummary, Percentiles, RoleLedger, ScaleStats } from './types';

const Z_95 = 1.96;
const MAX_SAMPLE_IDS = 3;

/** Wilson score interval of successes/n (95% for the default z); null when n = 0. */
export function wilsonInterval(successes: number, n: number, z: number = Z_95): { low: number; high: number } | null {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`n must be a whole number ≥ 0; got ${n}`);
  if (!Number.isInteger(successes) || successes < 0 || successes > n)
    throw new RangeError(`successes must be a whole number in [0, ${n}]; got ${successes}`);
  if (n === 0) return null;
  const p = successes / n;
  const z2 = z * z;
  const denominator = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denominator;
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denominator;
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

/**
 * Nearest-rank percentile (the smallest value with at least q% of the values at or below it): always one of
 * the observed values, which reads better than an interpolated 7.35 turns. 0 for no values.
 */
export function percentile(values: readonly number[], q: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((q / 100) * sorted.length));
  return sorted[rank - 1]!;
}

function mean(values: readonly number[]): number {
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : 0;
}

function spread(values: readonly number[]): Percentiles {
  return { avg: mean(values), p95: percentile(values, 95), max: values.length ? Math.max(...values) : 0 };
}

function tokenSpread(values: readonly number[]): { avg: number; p95: number; sum: number } {
  return { avg: mean(values), p95: percentile(values, 95), sum: values.reduce((a, b) => a + b, 0) };
}

function topFailureModes(conversations: readonly ConversationSummary[]): ScaleStats['topFailureModes'] {
  const byTag = new Map<string, string[]>();
  for (const c of [...conversations].sort((a, b) => a.index - b.index)) {
    for (const tag of new Set(c.failureTags)) {
      const ids = byTag.get(tag) ?? [];
      ids.push(c.conversationId);
      byTag.set(tag, ids);
    }
  }
  return [...byTag]
    .map(([tag, ids]) => ({ tag, count: ids.length, sampleConversationIds: ids.slice(0, MAX_SAMPLE_IDS) }))
    .sort((a, b) => b.count - a.count || (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0));
}

/** Per assertion label, in the order labels are first seen; an ungraded result (pass null) is an error, never a pass. */
function judgeStats(conversations: readonly ConversationSummary[]): ScaleStats['judgeStats'] {
  const byLabel = new Map<string, { pass: number; fail: number; error: number }>();
  for (const c of [...conversations].sort((a, b) => a.index - b.index)) {
    for (const r of c.assertionResults) {
      const s = byLabel.get(r.assertion) ?? { pass: 0, fail: 0, error: 0 };
      if (r.pass === true) s.pass += 1;
      else if (r.pass === false) s.fail += 1;
      else s.error += 1;
      byLabel.set(r.assertion, s);
    }
  }
  return [...byLabel].map(([assertion, s]) => ({
    assertion,
    ...s,
    passRate: s.pass + s.fail > 0 ? s.pass / (s.pass + s.fail) : null,
  }));
}

function cost(ledger: readonly RoleLedger[], estimatedUsd: number | null): ScaleStats['cost'] {
  // One unknown price makes the total unknown: a partial sum would read as the real spend.
  const actualUsd = ledger.some((l) => l.actualUsd === null)
    ? null
    : ledger.reduce((sum, l) => sum + (l.actualUsd ?? 0), 0);
  return {
    estimatedUsd,
    actualUsd,
    deltaUsd: actualUsd !== null && estimatedUsd !== null ? actualUsd - estimatedUsd : null,
    byRole: ledger.map((l) => ({ ...l })),
  };
}

/**
 * The report's stats. A conversation not graded (outcome null: cut before grading) counts as unscored, so
 * total = passed + failed + unscored.
 */
export function computeStats(
  conversations: ConversationSummary[],
  ledger: RoleLedger[],
  estimatedUsd: number | null,
): ScaleStats {
  const passed = conversations.filter((c) => c.outcome === 'pass').length;
  const failed = conversations.filter((c) => c.outcome === 'fail').length;
  const scored = passed + failed;
  const turns = conversations.map((c) => c.turns);
  const prompt = conversations.map((c) => c.promptTokens);
  const completion = conversations.map((c) => c.completionTokens);
  const perTurn = conversations.flatMap((c) => c.turnLatencyMs);
  // A conversation with no agent turn has no run latency; counting it as 0 ms would flatter the average.
  const perRun = conversations
    .filter((c) => c.turnLatencyMs.length > 0)
    .map((c) => c.turnLatencyMs.reduce((a, b) => a + b, 0));
  return {
    total: conversations.length,
    passed,
    failed,
    unscored: conversations.length - scored,
    winRate: scored > 0 ? passed / scored : null,
    winRateInterval: wilsonInterval(passed, scored),
    averageTurns: mean(turns),
    turns: { p50: percentile(turns, 50), p95: percentile(turns, 95) },
    tokenStats: {
      prompt: tokenSpread(prompt),
      completion: tokenSpread(completion),
      total: tokenSpread(conversations.map((c) => c.promptTokens + c.completionTokens)),
    },
    latencyStats: { perTurn: spread(perTurn), perRun: spread(perRun) },
    cost: cost(ledger, estimatedUsd),
    topFailureModes: topFailureModes(conversations),
    judgeStats: judgeStats(conversations),
  };
}
