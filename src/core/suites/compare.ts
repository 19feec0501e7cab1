// Comparing two prompts on the same suite and models: each (case, model, try) outcome of prompt A paired
// with the same one of prompt B, the pairs where exactly one passed counted as wins and losses, and the
// exact McNemar test on those discordant pairs — a difference of two or three cases is often noise, and
// a user should not ship a change that only looks better.
import type { CaseResult } from './evaluate';

/** What changed for one pair: B is the candidate, A the baseline. */
export type PairChange = 'win' | 'loss' | 'bothPass' | 'bothFail';

/** One (case, model, try) evaluated under both prompts. */
export interface OutcomePair {
  caseId: string;
  model: string;
  repeat: number;
  /** A's result (the baseline). */
  a: CaseResult;
  /** B's result (the candidate). */
  b: CaseResult;
  change: PairChange;
}

/** Wins, losses and the test for a set of pairs (all of them, or one model's). */
export interface PairTally {
  /** Pairs where B passed and A failed. */
  wins: number;
  /** Pairs where A passed and B failed. */
  losses: number;
  bothPass: number;
  bothFail: number;
  /** Two-sided exact McNemar p-value on wins vs losses; 1 when there is no discordant pair. */
  pValue: number;
  /** pValue < alpha. */
  significant: boolean;
}

export interface PromptComparison {
  /** In A's order (suite, model, try). */
  pairs: OutcomePair[];
  /** Every pair together. */
  total: PairTally;
  /** Per model, in the order the models were given. */
  perModel: ({ model: string } & PairTally)[];
  /** Results of one prompt without a partner in the other (a run that stopped early); not tested. */
  unpaired: { a: number; b: number };
  /** The significance level used (0.05). */
  alpha: number;
}

export const DEFAULT_ALPHA = 0.05;

/**
 * Two-sided exact McNemar test: under "no difference" each of the n = b + c discordant pairs goes either way
 * with probability ½, so p = min(1, 2·P[X ≤ min(b, c)]) for X ~ Binomial(n, ½). Summed in log space so large
 * suites neither overflow the binomial coefficients nor underflow 2⁻ⁿ.
 */
export function mcnemarExact(b: number, c: number): number {
  for (const [name, v] of [
    ['b', b],
    ['c', c],
  ] as const) {
    if (!Number.isInteger(v) || v < 0) throw new RangeError(`${name}: expected a whole number ≥ 0, got ${v}`);
  }
  const n = b + c;
  if (n === 0) return 1;
  const k = Math.min(b, c);
  const ln2n = n * Math.LN2;
  // log C(n, i), built up term by term: C(n, i) = C(n, i−1)·(n−i+1)/i.
  let logC = 0;
  let tail = 0;
  for (let i = 0; i <= k; i += 1) {
    if (i > 0) logC += Math.log(n - i + 1) - Math.log(i);
    tail += Math.exp(logC - ln2n);
  }
  return Math.min(1, 2 * tail);
}

function pairKey(r: Pick<CaseResult, 'caseId' | 'model' | 'repeat'>): string {
  return `${r.caseId}\u0000${r.model}\u0000${r.repeat}`;
}

function changeOf(a: CaseResult, b: CaseResult): PairChange {
  if (a.pass && b.pass) return 'bothPass';
  if (!a.pass && !b.pass) return 'bothFail';
  return b.pass ? 'win' : 'loss';
}

function tally(pairs: OutcomePair[], alpha: number): PairTally {
  const count = (c: PairChange) => pairs.filter((p) => p.change === c).length;
  const wins = count('win');
  const losses = count('loss');
  const pValue = mcnemarExact(losses, wins);
  return {
    wins,
    losses,
    bothPass: count('bothPass'),
    bothFail: count('bothFail'),
    pValue,
    significant: pValue < alpha,
  };
}

/** Pairs A's and B's results by (case, model, try) and tests the difference. */
export function comparePrompts(
  a: readonly CaseResult[],
  b: readonly CaseResult[],
  models: readonly string[],
  alpha = DEFAULT_ALPHA,
): PromptComparison {
  const byKey = new Map<string, CaseResult>();
  for (const r of b) {
    const key = pairKey(r);
    if (byKey.has(key)) throw new Error(`prompt B has two results for ${r.caseId} on ${r.model} (try ${r.repeat + 1})`);
    byKey.set(key, r);
  }
  const pairs: OutcomePair[] = [];
  const seenA = new Set<string>();
  let unpairedA = 0;
  for (const ra of a) {
    const key = pairKey(ra);
    if (seenA.has(key))
      throw new Error(`prompt A has two results for ${ra.caseId} on ${ra.model} (try ${ra.repeat + 1})`);
    seenA.add(key);
    const rb = byKey.get(key);
    if (!rb) {
      unpairedA += 1;
      continue;
    }
    pairs.push({ caseId: ra.caseId, model: ra.model, repeat: ra.repeat, a: ra, b: rb, change: changeOf(ra, rb) });
  }
  return {
    pairs,
    total: tally(pairs, alpha),
    perModel: models.map((model) => ({
      model,
      ...tally(
        pairs.filter((p) => p.model === model),
        alpha,
      ),
    })),
    unpaired: { a: unpairedA, b: b.length - pairs.length },
    alpha,
  };
}

/** One sentence for the user: which prompt did better and whether that is more than noise. */
export function comparisonVerdict(t: PairTally, alpha = DEFAULT_ALPHA): string {
  // "p = 0.021", but "p < 0.001".
  const shown = formatPValue(t.pValue);
  const p = shown.startsWith('<') ? shown : `= ${shown}`;
  const counts = `${t.wins} win${t.wins === 1 ? '' : 's'}, ${t.losses} loss${t.losses === 1 ? '' : 'es'}`;
  if (t.wins === t.losses) return `No difference: ${counts} (p ${p}).`;
  const better = t.wins > t.losses ? 'B' : 'A';
  if (t.significant) return `${better} is better: ${counts}, significant at ${alpha} (exact McNemar p ${p}).`;
  return `${better} looks better (${counts}) but the difference is not significant at ${alpha} (exact McNemar p ${p}): it may be noise.`;
}

/** 0.0215 → "0.021"; tiny values as "< 0.001". */
export function formatPValue(p: number): string {
  if (p < 0.001) return '< 0.001';
  if (p >= 0.9995) return '1';
  return p.toFixed(3);
}

/** The comparison as plain text for the log: the verdict, then per model. */
export function formatComparison(c: PromptComparison, aTitle: string, bTitle: string): string {
  const lines = [`Comparison: A = ${aTitle}, B = ${bTitle}`, comparisonVerdict(c.total, c.alpha)];
  for (const m of c.perModel) {
    lines.push(
      `  ${m.model}: ${m.wins} win(s), ${m.losses} loss(es), ${m.bothPass} both pass, ${m.bothFail} both fail, p = ${formatPValue(m.pValue)}`,
    );
  }
  if (c.unpaired.a + c.unpaired.b > 0)
    lines.push(`Not compared (no partner in the other run): ${c.unpaired.a} of A's results, ${c.unpaired.b} of B's.`);
  return `${lines.join('\n')}\n`;
}
