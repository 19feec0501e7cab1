// The human text of `prompt-tuner scale`: one line per conversation start and finish, and the report
// (stats, cost per role, failure modes, judge stats, the summary with its citations, the revised prompt).
import type {
  ConversationSummary,
  Finding,
  RoleLedger,
  ScaleReport,
  ScaleRunSnapshot,
  ScaleRunSummary,
  ScaleStats,
  ScaleSummary,
  Verification,
} from '../../../core/scale/types';

export const pct = (x: number | null | undefined): string =>
  x === null || x === undefined ? '—' : `${(Math.round(x * 1000) / 10).toFixed(1)}%`;

/** USD with enough digits for cheap calls; null (an unknown price) is "unknown", never $0. */
export function usd(x: number | null | undefined): string {
  if (x === null || x === undefined) return 'unknown';
  const digits = x !== 0 && Math.abs(x) < 1 ? 4 : 2;
  return `$${x.toFixed(digits)}`;
}

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const ms = (n: number) => (n >= 1000 ? `${(n / 1000).toFixed(1)} s` : `${Math.round(n)} ms`);

export function interval(i: { low: number; high: number } | null): string {
  return i ? `95% CI ${pct(i.low)}–${pct(i.high)}` : 'no interval: nothing scored';
}

function scenarioName(c: Pick<ConversationSummary, 'scenario'>): string {
  return c.scenario ? c.scenario.id : 'form goal';
}

/** `[3/10]`: 1-based, padded so columns line up. */
function position(index: number, total: number): string {
  const width = String(total).length;
  return `[${String(index + 1).padStart(width)}/${total}]`;
}

export function conversationStartLine(
  c: Pick<ConversationSummary, 'index' | 'scenario' | 'seed' | 'conversationId'>,
  total: number,
): string {
  return `${position(c.index, total)} start     ${scenarioName(c).padEnd(16)} seed ${c.seed}  ${c.conversationId}\n`;
}

/** The finish line: outcome, why it ended, turns, cost (and the failure tags or the error). */
export function conversationFinishLine(c: ConversationSummary, total: number): string {
  const outcome = (c.outcome ?? 'ended').padEnd(9);
  const why = c.endedReason ?? '—';
  const tags = c.failureTags.length ? `  ${c.failureTags.join(', ')}` : '';
  const error = c.error ? `  (${c.error})` : '';
  return `${position(c.index, total)} ${outcome} ${scenarioName(c).padEnd(16)} ${why.padEnd(9)} ${String(c.turns).padStart(2)} turn${c.turns === 1 ? ' ' : 's'}  ${usd(c.costUsd)}${tags}${error}\n`;
}

function table(rows: string[][], indent = '  '): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows
    .map(
      (r) =>
        indent +
        r
          .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!)))
          .join('  ')
          .trimEnd(),
    )
    .join('\n');
}

function ledgerRows(byRole: RoleLedger[]): string[][] {
  return [
    ['role', 'model', 'calls (est.)', 'actual', 'estimated', 'tokens in/out'],
    ...byRole.map((l) => [
      l.role,
      l.model,
      `${l.calls} (${l.estimatedCalls})`,
      usd(l.actualUsd),
      usd(l.estimatedUsd),
      `${int(l.promptTokens)}/${int(l.completionTokens)}`,
    ]),
  ];
}

/** The numbers: win rate with its interval, outcomes, turns, tokens, latency, cost per role, failure modes, judges. */
export function statsText(stats: ScaleStats): string {
  const out: string[] = [];
  out.push(
    `Win rate ${pct(stats.winRate)} (${interval(stats.winRateInterval)}): ${stats.passed} passed, ${stats.failed} failed, ${stats.unscored} unscored (not counted) of ${stats.total}`,
  );
  out.push(`Turns p50 ${stats.turns.p50}, p95 ${stats.turns.p95} (average ${stats.averageTurns.toFixed(1)})`);
  const t = stats.tokenStats;
  out.push(
    `Tokens ${int(t.total.sum)} (prompt ${int(t.prompt.sum)}, completion ${int(t.completion.sum)}); per conversation avg ${int(t.total.avg)}, p95 ${int(t.total.p95)}`,
  );
  const l = stats.latencyStats;
  out.push(
    `Latency p95 ${ms(l.perTurn.p95)} per agent turn (max ${ms(l.perTurn.max)}), ${ms(l.perRun.p95)} per conversation`,
  );
  const delta =
    stats.cost.deltaUsd === null
      ? ''
      : ` (${stats.cost.deltaUsd >= 0 ? '+' : '−'}${usd(Math.abs(stats.cost.deltaUsd))} against the estimate)`;
  out.push(`Cost: actual ${usd(stats.cost.actualUsd)}, estimated ${usd(stats.cost.estimatedUsd)}${delta}`);
  if (stats.cost.byRole.length) out.push(table(ledgerRows(stats.cost.byRole)));
  if (stats.topFailureModes.length) {
    out.push('Top failure modes:');
    for (const f of stats.topFailureModes)
      out.push(`  ${f.tag} ×${f.count}  e.g. ${f.sampleConversationIds.join(', ')}`);
  } else {
    out.push('No failure modes.');
  }
  if (stats.judgeStats.length) {
    out.push('Assertions:');
    out.push(
      table([
        ['assertion', 'pass', 'fail', 'error', 'pass rate'],
        ...stats.judgeStats.map((j) => [j.assertion, String(j.pass), String(j.fail), String(j.error), pct(j.passRate)]),
      ]),
    );
  }
  return out.join('\n');
}

function citation(c: Finding['citations'][number]): string {
  return c.turn === undefined ? c.conversationId : `${c.conversationId} turn ${c.turn}`;
}

const SECTIONS: [keyof ScaleSummary, string][] = [
  ['failureModes', 'Failure modes'],
  ['hallucinations', 'Hallucinations'],
  ['goalFailures', 'Goal failures'],
  ['characterInconsistency', 'Character inconsistency'],
];

export function summaryText(summary: ScaleSummary): string {
  const out: string[] = [];
  for (const [key, title] of SECTIONS) {
    const section = summary[key];
    if (typeof section === 'string' || section.length === 0) {
      out.push(`${title}: ${typeof section === 'string' ? section : 'none found'}`);
      continue;
    }
    out.push(`${title}:`);
    for (const f of section)
      out.push(`  - ${f.text}${f.citations.length ? ` [${f.citations.map(citation).join('; ')}]` : ''}`);
  }
  return out.join('\n');
}

export function verificationText(v: Verification): string {
  return `Verification (run ${v.runId}, ${v.status}): win rate ${pct(v.winRateBefore)} (${interval(v.winRateIntervalBefore)}) → ${pct(v.stats.winRate)} (${interval(v.stats.winRateInterval)}); ${v.stats.passed} passed, ${v.stats.failed} failed, ${v.stats.unscored} unscored`;
}

/** The whole report as a user reads it at the end of a run and in `scale show`. */
export function reportText(r: ScaleReport): string {
  const out: string[] = [
    '',
    `Run ${r.runId}: ${r.status}${r.idempotencyKey ? ` (idempotency key ${r.idempotencyKey})` : ''}`,
  ];
  out.push(statsText(r.stats));
  out.push('');
  if (r.summary) {
    out.push('Summary', summaryText(r.summary));
  } else if (r.summaryError) {
    out.push(`No summary: ${r.summaryError}`);
  }
  if (r.digestNote) out.push(`note: ${r.digestNote}`);
  if (r.revisedPrompt) {
    out.push('', 'Revised prompt:', '----', r.revisedPrompt, '----');
    if (r.revisedPromptRationale) out.push(`Rationale: ${r.revisedPromptRationale}`);
  }
  if (r.verification) out.push('', verificationText(r.verification));
  return `${out.join('\n')}\n`;
}

/** What a run is without a report yet (an interrupted run): status, why, and its conversations. */
export function snapshotText(s: ScaleRunSnapshot): string {
  const out: string[] = [`Run ${s.runId}: ${s.status}${s.error ? ` (${s.error})` : ''}`];
  out.push(
    `  agent ${s.agent.name} (${s.agent.file}), model ${s.models.agent}; ${s.completed}/${s.total} conversations done`,
  );
  // An interrupted run's note repeats its error.
  for (const n of s.notes) if (!s.error || !n.startsWith(s.error)) out.push(`  note: ${n}`);
  for (const c of s.conversations) {
    out.push(
      c.status === 'done'
        ? conversationFinishLine(c, s.total).trimEnd()
        : `${position(c.index, s.total)} ${c.status.padEnd(9)} ${scenarioName(c)}`,
    );
  }
  return `${out.join('\n')}\n`;
}

export function runListText(runs: ScaleRunSummary[]): string {
  if (runs.length === 0) return 'No scale runs in this workspace.\n';
  const rows = [
    ['run', 'status', 'agent', 'model', 'runs', 'win rate', 'started', 'verifies'],
    ...runs.map((r) => [
      r.runId,
      r.status,
      r.agentName,
      r.agentModel,
      String(r.runs),
      pct(r.winRate),
      r.startedAt,
      r.verifiesRunId ?? '',
    ]),
  ];
  return `${table(rows, '')}\n`;
}
