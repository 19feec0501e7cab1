// The filters (outcome or reason, model, text) and the grid of cases × models: each cell a button that
// opens the case; a pass^k column when the run repeated each case.
import { html, nothing, type TemplateResult } from 'lit';
import { live } from 'lit/directives/live.js';
import type { ResultView } from '../../src/protocol/evalPanel';
import type { ValueTarget } from '../shared/formParts';
import type { EvalApp } from './evalApp';
import { duration, plural } from './format';
import { allPassed, meanLatency, outcomeText, type Cell, type ReportGrid } from './grid';

const CHANGE_TEXT = { win: 'win', loss: 'loss', bothPass: 'same', bothFail: 'same' } as const;

export function renderFilters(app: EvalApp, grid: ReportGrid): TemplateResult {
  const r = grid.report;
  const f = app.filter;
  const compare = r.comparison !== null;
  const outcomes: { value: string; text: string }[] = [
    { value: '', text: 'All outcomes' },
    ...(compare
      ? [
          { value: 'changed', text: 'Changed (wins and losses)' },
          { value: 'win', text: 'Wins (B passed, A failed)' },
          { value: 'loss', text: 'Losses (A passed, B failed)' },
        ]
      : []),
    { value: 'failed', text: 'Failed' },
    { value: 'passed', text: 'Passed' },
    ...grid.reasons().map((x) => ({ value: `reason:${x.reason}`, text: `${x.reason} (${x.count})` })),
  ];
  const shown = grid.rows(f).length;
  const filtered = f.outcome !== '' || f.model !== '' || f.text.trim() !== '';
  return html`<section class="filters" aria-label="Filter the cases" data-testid="filters">
    <div class="filter">
      <label for="filter-outcome">Outcome or reason</label>
      <vscode-single-select
        id="filter-outcome"
        data-testid="filter-outcome"
        aria-label="Outcome or reason"
        .label=${'Outcome or reason'}
        .value=${f.outcome}
        @change=${(e: Event) => app.setFilter({ outcome: (e.target as ValueTarget).value })}
      >
        ${outcomes.map((o) => html`<vscode-option value=${o.value} ?selected=${o.value === f.outcome}>${o.text}</vscode-option>`)}
      </vscode-single-select>
    </div>
    <div class="filter">
      <label for="filter-model">Model</label>
      <vscode-single-select
        id="filter-model"
        data-testid="filter-model"
        aria-label="Model"
        .label=${'Model'}
        .value=${f.model}
        @change=${(e: Event) => app.setFilter({ model: (e.target as ValueTarget).value })}
      >
        <vscode-option value="" ?selected=${f.model === ''}>All models</vscode-option>
        ${r.models.map((m) => html`<vscode-option value=${m} ?selected=${m === f.model}>${m}</vscode-option>`)}
      </vscode-single-select>
    </div>
    <div class="filter grow">
      <label for="filter-text">Text</label>
      <vscode-textfield
        id="filter-text"
        data-testid="filter-text"
        aria-label="Filter by case, conversation, answer or failure detail"
        placeholder="Case id, message, answer or detail"
        .value=${live(f.text)}
        @input=${(e: Event) => app.setFilter({ text: (e.target as ValueTarget).value })}
      ></vscode-textfield>
    </div>
    <p class="hint filter-status" role="status" aria-live="polite" data-testid="filter-status">
      ${filtered ? `Showing ${shown} of ${plural(r.cases.length, 'case')}.` : `${plural(r.cases.length, 'case')}.`}
      ${
        filtered
          ? html`<button
              class="linkish"
              data-testid="clear-filters"
              @click=${() => app.setFilter({ outcome: '', model: '', text: '' })}
            >
              Clear filters
            </button>`
          : nothing
      }
    </p>
  </section>`;
}

function resultLine(tries: ResultView[]): TemplateResult {
  const ok = allPassed(tries);
  const none = tries.length === 0;
  const latency = meanLatency(tries);
  return html`<span class="outcome ${none ? 'none' : ok ? 'pass' : 'fail'}">
      <span
        class="codicon ${none ? 'codicon-circle-slash' : ok ? 'codicon-pass' : 'codicon-error'}"
        aria-hidden="true"
      ></span>
      <span class="outcome-text">${outcomeText(tries)}</span>
    </span>
    ${latency !== null ? html`<span class="latency hint">${tries.every((t) => t.cached) ? 'cached' : duration(latency)}</span>` : nothing}`;
}

function cellButton(app: EvalApp, cell: Cell, compare: boolean): TemplateResult {
  const id = `cell-${cell.caseId}-${cell.model}`;
  const [a, b] = cell.runs;
  const open = app.open?.caseId === cell.caseId && app.open.model === cell.model;
  return html`<button
    class="cell ${open ? 'open' : ''} ${cell.change ?? ''}"
    id=${id}
    data-testid="cell"
    data-case-id=${cell.caseId}
    data-model=${cell.model}
    aria-expanded=${open ? 'true' : 'false'}
    @click=${() => (open ? app.closeCell() : app.openCell({ caseId: cell.caseId, model: cell.model }, id))}
  >
    <span class="sr-only">${cell.caseId} on ${cell.model}:</span>
    ${
      compare
        ? html`<span class="pair">
            <span class="side"><span class="run-label">A</span> ${resultLine(a ?? [])}</span>
            <span class="side"><span class="run-label">B</span> ${resultLine(b ?? [])}</span>
            ${
              cell.change
                ? html`<span class="change ${cell.change}" data-testid="change">
                    <span
                      class="codicon ${cell.change === 'win' ? 'codicon-arrow-up' : cell.change === 'loss' ? 'codicon-arrow-down' : 'codicon-dash'}"
                      aria-hidden="true"
                    ></span>
                    ${CHANGE_TEXT[cell.change]}
                  </span>`
                : nothing
            }
          </span>`
        : resultLine(a ?? [])
    }
  </button>`;
}

export function renderGrid(app: EvalApp, grid: ReportGrid): TemplateResult {
  const r = grid.report;
  const models = grid.models(app.filter);
  const rows = grid.rows(app.filter);
  const compare = r.comparison !== null;
  const repeats = r.repeat > 1;
  if (rows.length === 0) return html`<p class="card empty" data-testid="rows-empty">No case matches the filters.</p>`;
  return html`<div class="table-scroll">
    <table class="grid results" data-testid="grid">
      <caption class="sr-only">
        Outcome of each case on each model${compare ? ' under prompts A and B' : ''}; a cell opens the case
      </caption>
      <thead>
        <tr>
          <th scope="col">Case</th>
          ${models.map((m) => html`<th scope="col" class="mono" data-testid="model-column">${m}</th>`)}
          ${repeats ? html`<th scope="col" class="num" data-testid="pass-hat-k-column">pass^${r.repeat}</th>` : nothing}
        </tr>
      </thead>
      <tbody>
        ${rows.map((caseId) => {
          const c = r.cases.find((x) => x.id === caseId);
          const cells = models.map((m) => grid.cell(caseId, m)).filter((x): x is Cell => x !== undefined);
          // pass^k of the row: models (shown) on which every try of the first run passed.
          const allK = cells.filter((cell) => allPassed(cell.runs[0] ?? [])).length;
          return html`<tr data-testid="row" data-case-id=${caseId}>
            <th scope="row">
              <span class="mono case-id">${caseId}</span>
              ${c?.description ? html`<div class="hint case-description">${c.description}</div>` : nothing}
            </th>
            ${cells.map((cell) => html`<td>${cellButton(app, cell, compare)}</td>`)}
            ${repeats ? html`<td class="num" data-testid="row-pass-hat-k">${allK}/${cells.length}</td>` : nothing}
          </tr>`;
        })}
      </tbody>
    </table>
  </div>`;
}
