// The grid's data, apart from drawing it: results by case and model, what a cell says, and which rows the
// filters keep. Pure, so the rules are the same wherever the grid is drawn.
import type { EvalReportView, PairChangeView, ResultView } from '../../src/protocol/evalPanel';

/** The filters above the grid, as the view state keeps them. */
export interface GridFilter {
  /** '' all; 'failed', 'passed', 'reason:<reason>'; in a comparison also 'changed', 'win', 'loss'. */
  outcome: string;
  /** '' every model, else the one column shown. */
  model: string;
  /** Case id, description, conversation, answer or failure detail containing this (any case). */
  text: string;
}

export const NO_FILTER: GridFilter = { outcome: '', model: '', text: '' };

/** One cell: a case on a model, with each run's tries. */
export interface Cell {
  caseId: string;
  model: string;
  /** Per run (A, then B in a comparison), its tries in order. */
  runs: ResultView[][];
  /** In a comparison: what changed from A to B on the first try; null otherwise (or not paired). */
  change: PairChangeView | null;
}

const key = (caseId: string, model: string) => `${caseId}\u0000${model}`;

export class ReportGrid {
  private readonly cells = new Map<string, Cell>();

  constructor(readonly report: EvalReportView) {
    for (const c of report.cases) {
      for (const m of report.models) this.cells.set(key(c.id, m), { caseId: c.id, model: m, runs: [], change: null });
    }
    report.runs.forEach((run, i) => {
      for (const r of run.results) {
        const cell = this.cells.get(key(r.caseId, r.model));
        if (!cell) continue;
        while (cell.runs.length <= i) cell.runs.push([]);
        cell.runs[i]!.push(r);
      }
    });
    for (const cell of this.cells.values()) while (cell.runs.length < report.runs.length) cell.runs.push([]);
    for (const p of report.comparison?.pairs ?? []) {
      const cell = this.cells.get(key(p.caseId, p.model));
      if (cell && p.repeat === 0) cell.change = p.change;
    }
  }

  cell(caseId: string, model: string): Cell | undefined {
    return this.cells.get(key(caseId, model));
  }

  /** The columns shown: every model, or the filtered one. */
  models(filter: GridFilter): string[] {
    return filter.model && this.report.models.includes(filter.model) ? [filter.model] : this.report.models;
  }

  /** Failure reasons seen in any run, with how many results have each, most frequent first. */
  reasons(): { reason: string; count: number }[] {
    const counts = new Map<string, number>();
    for (const run of this.report.runs)
      for (const r of run.results) if (r.reason) counts.set(r.reason, (counts.get(r.reason) ?? 0) + 1);
    return [...counts]
      .map(([reason, n]) => ({ reason, count: n }))
      .sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason));
  }

  /** Case ids the filters keep, in suite order. */
  rows(filter: GridFilter): string[] {
    const models = this.models(filter);
    const text = filter.text.trim().toLowerCase();
    return this.report.cases
      .filter((c) => {
        const cells = models.map((m) => this.cell(c.id, m)).filter((x): x is Cell => x !== undefined);
        if (filter.outcome && !cells.some((cell) => cellMatches(cell, filter.outcome))) return false;
        if (!text) return true;
        const haystack = [
          c.id,
          c.description ?? '',
          ...c.messages.map((m) => m.content),
          ...cells.flatMap((cell) =>
            cell.runs
              .flat()
              .flatMap((r) => [r.text, r.detail ?? '', ...r.toolCalls.map((t) => `${t.name} ${t.arguments}`)]),
          ),
        ];
        return haystack.some((h) => h.toLowerCase().includes(text));
      })
      .map((c) => c.id);
  }
}

/** Whether a cell has what the outcome filter asks for (any run, any try). */
export function cellMatches(cell: Cell, outcome: string): boolean {
  const all = cell.runs.flat();
  if (outcome === 'failed') return all.some((r) => !r.pass);
  if (outcome === 'passed') return all.some((r) => r.pass);
  if (outcome.startsWith('reason:')) return all.some((r) => r.reason === outcome.slice('reason:'.length));
  if (outcome === 'changed') return cell.change === 'win' || cell.change === 'loss';
  if (outcome === 'win' || outcome === 'loss') return cell.change === outcome;
  return true;
}

/** What one run's tries of a cell say: "pass", "value_error", "2/3 pass · value_error", or "—" before any result. */
export function outcomeText(tries: ResultView[]): string {
  if (tries.length === 0) return '—';
  if (tries.length === 1) return tries[0]!.pass ? 'pass' : (tries[0]!.reason ?? 'fail');
  const reasons = [...new Set(tries.flatMap((r) => (r.reason ? [r.reason] : [])))];
  return `${tries.filter((r) => r.pass).length}/${tries.length} pass${reasons.length ? ` · ${reasons.join(', ')}` : ''}`;
}

/** Whether every try passed (false before any result). */
export function allPassed(tries: ResultView[]): boolean {
  return tries.length > 0 && tries.every((r) => r.pass);
}

/** Mean latency of the tries in ms; null before any result. */
export function meanLatency(tries: ResultView[]): number | null {
  return tries.length ? tries.reduce((s, r) => s + r.latencyMs, 0) / tries.length : null;
}
