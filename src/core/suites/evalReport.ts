// The human-readable result of an evaluation: per model, per case, the failures with their reasons,
// and the totals. Plain text (fixed-width), so the CLI and the editor's output view share it.
import type { CaseResult, EvalSummary } from './evaluate';
import { formatAge } from '../models/responseCache';

export interface ReportContext {
  suiteName: string;
  /** Case ids in suite order (also those without results when the run stopped early). */
  caseIds: string[];
  models: string[];
  repeat: number;
  /** Results expected in all; more than `summary.cases.length` when the run stopped early. */
  expectedResults: number;
  /** "Now" for the age of cached answers; default the current time. */
  now?: Date;
}

/** How many answers came from the response cache, and when the oldest and newest of them were made. */
export function cacheAges(cases: readonly Pick<CaseResult, 'cached' | 'cachedAt'>[]): {
  hits: number;
  oldestAt: string | null;
  newestAt: string | null;
} {
  const times = cases
    .filter((r) => r.cached)
    .map((r) => r.cachedAt)
    .filter((t): t is string => t !== undefined)
    .sort();
  return {
    hits: cases.filter((r) => r.cached).length,
    oldestAt: times[0] ?? null,
    newestAt: times[times.length - 1] ?? null,
  };
}

/** "12 of 16 answers came from the response cache (made 2 h to 3 days ago)", or undefined without hits. */
export function formatCacheLine(
  cases: readonly Pick<CaseResult, 'cached' | 'cachedAt'>[],
  now: Date,
): string | undefined {
  const ages = cacheAges(cases);
  if (ages.hits === 0) return undefined;
  const age = (iso: string) => formatAge(now.getTime() - Date.parse(iso));
  const span =
    ages.oldestAt === null || ages.newestAt === null
      ? ''
      : ages.oldestAt === ages.newestAt || age(ages.oldestAt) === age(ages.newestAt)
        ? ` (made ${age(ages.oldestAt)} ago)`
        : ` (made ${age(ages.newestAt)} to ${age(ages.oldestAt)} ago)`;
  return `${ages.hits} of ${cases.length} answers came from the response cache${span}; --no-cache or \`prompt-tuner cache clear\` for fresh ones`;
}

export function formatPercent(score: number): string {
  return `${(score * 100).toFixed(1)}%`;
}

/** USD with enough digits for cheap calls; "unknown" when no price was known. */
export function formatCost(costUsd: number, incomplete: boolean): string {
  const digits = costUsd !== 0 && costUsd < 1 ? 4 : 2;
  const known = `$${costUsd.toFixed(digits)}`;
  if (!incomplete) return known;
  return costUsd === 0 ? 'unknown' : `${known} + unknown (some prices unknown)`;
}

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + ' '.repeat(width - text.length);
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows
    .map((r) =>
      r
        .map((c, i) => (i === r.length - 1 ? c : pad(c, widths[i]!)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

function cell(results: CaseResult[], repeat: number): string {
  if (results.length === 0) return '—';
  if (repeat === 1) {
    const r = results[0]!;
    return r.pass ? 'pass' : `FAIL ${r.reason ?? ''}`.trim();
  }
  const passed = results.filter((r) => r.pass).length;
  const reasons = [...new Set(results.filter((r) => !r.pass).map((r) => r.reason))].join(',');
  return `${passed}/${results.length} pass${reasons ? ` (${reasons})` : ''}`;
}

export function formatEvalReport(summary: EvalSummary, ctx: ReportContext): string {
  const lines: string[] = [];
  const passed = summary.cases.filter((r) => r.pass).length;
  lines.push(
    `Suite: ${ctx.suiteName} · ${ctx.caseIds.length} case(s) × ${ctx.models.length} model(s)${ctx.repeat > 1 ? ` × ${ctx.repeat} repeats` : ''}`,
  );
  lines.push('');
  lines.push(
    table([
      ['Model', 'Score', 'Passed'],
      ...summary.perModel.map((m) => [m.model, formatPercent(m.score), `${m.passed}/${m.total}`]),
    ]),
  );
  lines.push('');
  const byKey = new Map<string, CaseResult[]>();
  for (const r of summary.cases) {
    const key = `${r.caseId}\u0000${r.model}`;
    byKey.set(key, [...(byKey.get(key) ?? []), r]);
  }
  lines.push(
    table([
      ['Case', ...ctx.models],
      ...ctx.caseIds.map((id) => [id, ...ctx.models.map((m) => cell(byKey.get(`${id}\u0000${m}`) ?? [], ctx.repeat))]),
    ]),
  );
  const failures = summary.cases.filter((r) => !r.pass);
  if (failures.length > 0) {
    lines.push('');
    lines.push('Failures:');
    for (const f of failures) {
      const where = `${f.caseId} · ${f.model}${ctx.repeat > 1 ? ` · try ${f.repeat + 1}` : ''}`;
      lines.push(`  ${where}: ${f.reason ?? 'failed'} — ${f.detail ?? ''}`);
    }
  }
  lines.push('');
  const partial =
    summary.cases.length < ctx.expectedResults
      ? ` (partial: ${summary.cases.length} of ${ctx.expectedResults} results)`
      : '';
  lines.push(`Score: ${formatPercent(summary.score)} (${passed}/${summary.cases.length} passed)${partial}`);
  if (summary.passHatK !== undefined)
    lines.push(
      `pass^${ctx.repeat}: ${formatPercent(summary.passHatK)} of case × model pairs passed all ${ctx.repeat} tries`,
    );
  lines.push(
    `Calls: ${summary.calls} · cache hits: ${summary.cacheHits} · tokens: ${summary.usage.inputTokens} in / ${summary.usage.outputTokens} out · cost: ${formatCost(summary.costUsd, summary.costIncomplete)}`,
  );
  const cacheLine = formatCacheLine(summary.cases, ctx.now ?? new Date());
  if (cacheLine !== undefined) lines.push(cacheLine);
  return `${lines.join('\n')}\n`;
}
