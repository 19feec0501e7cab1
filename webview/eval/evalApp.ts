// The evaluation report panel's root element: its view state (the report, its filters and the case opened),
// what it does with the host's report, and the page: header, totals (and the comparison), filters, the grid,
// the case opened.
import { html, nothing, type TemplateResult } from 'lit';
import type { EvalReportView, EvalSavedReport, HostMessage, WebviewMessage } from '../../src/protocol/evalPanel';
import { HostedApp } from '../shared/hostedApp';
import { dateText } from '../shared/format';
import { renderDetail } from './detailView';
import { NO_FILTER, ReportGrid, type GridFilter } from './grid';
import { renderFilters, renderGrid } from './gridView';
import { renderComparison, renderTotals } from './summaryView';
import { plural } from './format';
import { reportToSave } from './savedReport';

/** The cell whose case is opened beside the grid. */
export interface OpenCell {
  caseId: string;
  model: string;
}

/**
 * What setState keeps: the report shown (bounded, see savedReport; the host keeps reports in memory only, so
 * after a window reload this copy is the report), the filters and the case opened. Change `v` with the
 * report's shape: a state of another version brings no report back.
 */
export interface ViewState extends EvalSavedReport {
  filter: GridFilter;
  open: OpenCell | null;
  /** The suite of a report too large to keep (the page says so after a reload); null otherwise. */
  notKept: string | null;
}

/** A state saved before reports were kept: the filters and the case opened only. */
interface ViewStateV1 {
  v: 1;
  filter: GridFilter;
  open: OpenCell | null;
}

export type SavedViewState = ViewState | ViewStateV1;

// The webview's own earlier state: a shape check is enough here (the host validates the report it gets back).
function isReport(value: unknown): value is EvalReportView {
  const r = value as Partial<EvalReportView> | null;
  return (
    typeof r === 'object' &&
    r !== null &&
    typeof r.suiteFile === 'string' &&
    Array.isArray(r.models) &&
    Array.isArray(r.cases) &&
    Array.isArray(r.runs)
  );
}

export function isViewState(value: unknown): value is SavedViewState {
  const v = value as Partial<ViewState> | Partial<ViewStateV1> | null;
  const f = v?.filter as Partial<GridFilter> | undefined;
  const common =
    typeof v === 'object' &&
    v !== null &&
    typeof f?.outcome === 'string' &&
    typeof f.model === 'string' &&
    typeof f.text === 'string' &&
    (v.open === null || (typeof v.open?.caseId === 'string' && typeof v.open.model === 'string'));
  if (!common) return false;
  if (v.v === 1) return true;
  const v2 = v as Partial<ViewState>;
  return (
    v2.v === 2 && (v2.report === null || isReport(v2.report)) && (v2.notKept === null || typeof v2.notKept === 'string')
  );
}

export class EvalApp extends HostedApp<SavedViewState, WebviewMessage, HostMessage> {
  report: EvalReportView | null = null;
  /** False until the host's first answer (the page says Loading… until then). */
  received = false;
  grid: ReportGrid | null = null;
  filter: GridFilter = { ...NO_FILTER };
  open: OpenCell | null = null;
  /** The report as the saved state keeps it (computed once per report, not on every filter change). */
  private saved: EvalReportView | null = null;
  private notKept: string | null = null;
  /** Focus the opened case's heading after the next render (it was opened from the keyboard or a click). */
  private focusDetail = false;
  /** The cell button to give the focus back to when the case is closed. */
  private returnFocus: string | null = null;

  protected override restore(saved: SavedViewState): void {
    this.filter = { ...saved.filter };
    this.open = saved.open;
    if (saved.v !== 2) return;
    this.notKept = saved.notKept;
    // Drawn from the state alone at once: after a window reload the host has no report but this one.
    if (saved.report) this.showReport(saved.report);
  }

  protected override viewState(): ViewState {
    return { v: 2, report: this.saved, filter: this.filter, open: this.open, notKept: this.notKept };
  }

  private showReport(report: EvalReportView | null): void {
    this.report = report;
    this.received = true;
    this.grid = report ? new ReportGrid(report) : null;
    this.saved = report ? reportToSave(report) : null;
    // The host has no report after a reload when it was too large to keep: the note that says so stays.
    if (report) this.notKept = this.saved ? null : report.suiteName;
  }

  protected override cancelMessage(): WebviewMessage {
    // A report has nothing running; HostedApp's Cancel is never offered here.
    throw new Error('the evaluation report has nothing to cancel');
  }

  protected override onHostMessage(m: HostMessage): void {
    const sameSuite = this.report?.suiteFile === m.report?.suiteFile;
    this.showReport(m.report);
    // A report of another suite (or models) keeps the text filter only.
    if (!sameSuite && this.report) this.filter = { ...NO_FILTER, text: this.filter.text };
    if (this.open && !this.grid?.cell(this.open.caseId, this.open.model)) this.open = null;
    if (this.filter.model && !this.report?.models.includes(this.filter.model))
      this.filter = { ...this.filter, model: '' };
    // Wins and losses exist in a comparison only: a single report after one would show no row.
    if (!this.report?.comparison && ['changed', 'win', 'loss'].includes(this.filter.outcome))
      this.filter = { ...this.filter, outcome: '' };
    this.persist();
    this.requestUpdate();
  }

  setFilter(patch: Partial<GridFilter>): void {
    this.filter = { ...this.filter, ...patch };
    this.persist();
    this.requestUpdate();
  }

  openCell(cell: OpenCell, fromId: string): void {
    this.open = cell;
    this.focusDetail = true;
    this.returnFocus = fromId;
    this.persist();
    this.requestUpdate();
  }

  closeCell(): void {
    this.open = null;
    this.persist();
    this.requestUpdate();
    const back = this.returnFocus;
    void this.updateComplete.then(() => {
      if (back) this.querySelector<HTMLElement>(`[id="${CSS.escape(back)}"]`)?.focus();
    });
  }

  protected override updated(): void {
    if (!this.focusDetail) return;
    this.focusDetail = false;
    const heading = this.querySelector<HTMLElement>('[data-testid="detail-title"]');
    heading?.focus();
    heading?.scrollIntoView({ block: 'nearest' });
  }

  private renderHeader(r: EvalReportView | null): TemplateResult {
    return html`<div class="row header">
        <h1>${r?.comparison ? 'Prompt Comparison' : 'Evaluation Report'}</h1>
        <span class="spacer"></span>
        ${
          r
            ? html`<vscode-button
                  icon="compare-changes"
                  secondary
                  data-testid="compare"
                  @click=${() => this.post({ type: 'compare/start' })}
                  >Compare Two Prompts…</vscode-button
                >
                <vscode-button
                  icon="output"
                  secondary
                  data-testid="show-log"
                  @click=${() => this.post({ type: 'log/show' })}
                  >Show Log</vscode-button
                >`
            : nothing
        }
      </div>
      ${
        r
          ? html`<p class="subtitle" data-testid="report-meta">
              Suite <strong>${r.suiteName}</strong> (<span class="mono">${r.suiteFile}</span>) ·
              ${plural(r.cases.length, 'case')} ×
              ${plural(r.models.length, 'model')}${r.repeat > 1 ? html` × ${r.repeat} tries` : nothing} ·
              ${dateText(r.finishedAt)}
            </p>`
          : nothing
      }`;
  }

  protected override render(): unknown {
    const r = this.report;
    const grid = this.grid;
    if (!this.received)
      return html`<main>
        ${this.renderHeader(null)}
        <p class="hint" role="status">Loading…</p>
      </main>`;
    if ((!r || !grid) && this.notKept)
      return html`<main>
        ${this.renderHeader(null)}
        <section class="card empty" data-testid="no-report">
          <p>
            The last report (suite <strong>${this.notKept}</strong>) was too large to keep across a reload of the
            window. Run <strong>Evaluate Prompt on Suite</strong> or <strong>Compare Two Prompts</strong> again.
          </p>
        </section>
      </main>`;
    if (!r || !grid)
      return html`<main>
        ${this.renderHeader(null)}
        <section class="card empty" data-testid="no-report">
          <p>
            No evaluation ran in this window yet. Run <strong>Evaluate Prompt on Suite</strong> or
            <strong>Compare Two Prompts</strong> from the Command Palette.
          </p>
        </section>
      </main>`;
    return html`<main>
      ${this.renderHeader(r)}
      ${r.runs.map((run) =>
        run.partial
          ? html`<div class="alert warn" role="status" data-testid="partial">
              <span class="codicon codicon-warning" aria-hidden="true"></span>
              <span>${run.label ? `Prompt ${run.label}: ` : ''}partial report — ${run.partial}</span>
            </div>`
          : nothing,
      )}
      ${r.comparison ? renderComparison(r, r.comparison) : nothing} ${renderTotals(r)} ${renderFilters(this, grid)}
      ${renderGrid(this, grid)} ${this.open ? renderDetail(this, r, grid, this.open) : nothing}
    </main>`;
  }
}

customElements.define('eval-app', EvalApp);
