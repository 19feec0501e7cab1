// The totals of each run (score, per model, pass^k, calls, tokens, cost, latency) and, for two prompts, the
// comparison: the verdict, wins and losses per model and the exact McNemar p-value.
import { html, nothing, type TemplateResult } from 'lit';
import type { ComparisonView, EvalReportView, RunView } from '../../src/protocol/evalPanel';
import { percent } from '../shared/format';
import { costText, count, duration, pValueText } from './format';

function meanLatency(run: RunView): string {
  const called = run.results.filter((r) => !r.cached);
  return called.length ? duration(called.reduce((s, r) => s + r.latencyMs, 0) / called.length) : '—';
}

function runTotals(r: EvalReportView, run: RunView): TemplateResult {
  const id = run.label ? `-${run.label.toLowerCase()}` : '';
  const passed = run.results.filter((x) => x.pass).length;
  return html`<section class="card totals" data-testid="totals${id}" aria-labelledby="totals-title${id}">
    <h2 id="totals-title${id}" class="totals-title">
      ${run.label ? html`<span class="run-label">${run.label}</span> ` : nothing}<span data-testid="prompt-title${id}"
        >${run.promptTitle}</span
      >
    </h2>
    <div class="stats">
      <div class="stat">
        <div class="stat-title">Score</div>
        <div class="stat-value" data-testid="score${id}">${percent(run.score)}</div>
        <div class="stat-sub hint">${passed}/${run.results.length} passed</div>
      </div>
      ${
        run.passHatK !== null
          ? html`<div class="stat">
              <div class="stat-title">pass^${r.repeat}</div>
              <div class="stat-value" data-testid="pass-hat-k${id}">${percent(run.passHatK)}</div>
              <div class="stat-sub hint">every try passed</div>
            </div>`
          : nothing
      }
      <div class="stat">
        <div class="stat-title">Tokens</div>
        <div class="stat-value" data-testid="tokens${id}">${count(run.inputTokens + run.outputTokens)}</div>
        <div class="stat-sub hint">${count(run.inputTokens)} in / ${count(run.outputTokens)} out</div>
      </div>
      <div class="stat">
        <div class="stat-title">Cost</div>
        <div class="stat-value" data-testid="cost${id}">${costText(run.costUsd, run.costIncomplete)}</div>
        <div class="stat-sub hint">${run.costIncomplete ? 'some prices unknown' : 'known prices'}</div>
      </div>
      <div class="stat">
        <div class="stat-title">Calls</div>
        <div class="stat-value" data-testid="calls${id}">${count(run.calls)}</div>
        <div class="stat-sub hint">${run.cacheHits} from cache · mean ${meanLatency(run)}</div>
      </div>
    </div>
    <table class="grid per-model" data-testid="per-model${id}">
      <caption class="sr-only">
        Score per model${run.label ? ` for prompt ${run.label}` : ''}
      </caption>
      <thead>
        <tr>
          <th scope="col">Model</th>
          <th scope="col" class="num">Score</th>
          <th scope="col" class="num">Passed</th>
        </tr>
      </thead>
      <tbody>
        ${run.perModel.map(
          (m) =>
            html`<tr data-testid="model-score${id}">
              <th scope="row" class="mono">${m.model}</th>
              <td class="num">${percent(m.score)}</td>
              <td class="num">${m.passed}/${m.total}</td>
            </tr>`,
        )}
      </tbody>
    </table>
    <details class="prompt-details">
      <summary>System prompt</summary>
      <pre class="prompt-text" data-testid="prompt-text${id}">${run.promptText}</pre>
    </details>
  </section>`;
}

export function renderTotals(r: EvalReportView): TemplateResult {
  return html`<div class="${r.runs.length > 1 ? 'totals-pair' : ''}">${r.runs.map((run) => runTotals(r, run))}</div>`;
}

export function renderComparison(r: EvalReportView, c: ComparisonView): TemplateResult {
  const [a, b] = r.runs;
  const t = c.total;
  const tone = t.significant ? (t.wins > t.losses ? 'better' : 'worse') : 'unclear';
  return html`<section class="card comparison ${tone}" data-testid="comparison" aria-labelledby="comparison-title">
    <h2 id="comparison-title">
      <span class="run-label">A</span> ${a?.promptTitle} vs <span class="run-label">B</span> ${b?.promptTitle}
    </h2>
    <p class="verdict" role="status" data-testid="verdict">
      <span
        class="codicon ${t.significant ? (t.wins > t.losses ? 'codicon-arrow-up' : 'codicon-arrow-down') : 'codicon-question'}"
        aria-hidden="true"
      ></span>
      <span>${c.verdict}</span>
    </p>
    <div class="stats">
      <div class="stat">
        <div class="stat-title">Wins (B passed, A failed)</div>
        <div class="stat-value" data-testid="wins">${t.wins}</div>
      </div>
      <div class="stat">
        <div class="stat-title">Losses (A passed, B failed)</div>
        <div class="stat-value" data-testid="losses">${t.losses}</div>
      </div>
      <div class="stat">
        <div class="stat-title">Unchanged</div>
        <div class="stat-value" data-testid="ties">${t.bothPass + t.bothFail}</div>
        <div class="stat-sub hint">${t.bothPass} both pass · ${t.bothFail} both fail</div>
      </div>
      <div class="stat">
        <div class="stat-title">Exact McNemar p</div>
        <div class="stat-value" data-testid="p-value">${pValueText(t.pValue)}</div>
        <div class="stat-sub hint" data-testid="significance">
          ${t.significant ? `significant at ${c.alpha}` : `not significant at ${c.alpha}`}
        </div>
      </div>
    </div>
    ${
      r.models.length > 1
        ? html`<table class="grid" data-testid="comparison-per-model">
            <caption class="sr-only">
              Wins and losses per model
            </caption>
            <thead>
              <tr>
                <th scope="col">Model</th>
                <th scope="col" class="num">Wins</th>
                <th scope="col" class="num">Losses</th>
                <th scope="col" class="num">Unchanged</th>
                <th scope="col" class="num">p</th>
              </tr>
            </thead>
            <tbody>
              ${c.perModel.map(
                (m) =>
                  html`<tr data-testid="comparison-model">
                    <th scope="row" class="mono">${m.model}</th>
                    <td class="num">${m.wins}</td>
                    <td class="num">${m.losses}</td>
                    <td class="num">${m.bothPass + m.bothFail}</td>
                    <td class="num">${pValueText(m.pValue)}${m.significant ? ' *' : ''}</td>
                  </tr>`,
              )}
            </tbody>
          </table>`
        : nothing
    }
    ${
      c.unpaired.a + c.unpaired.b > 0
        ? html`<p class="hint" data-testid="unpaired">
            Not compared: ${c.unpaired.a} of A's and ${c.unpaired.b} of B's results have no partner (a run stopped
            early).
          </p>`
        : nothing
    }
  </section>`;
}
