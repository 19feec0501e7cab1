// The run view: progress card, best-prompt card and the generation timeline, all drawn from one snapshot.
// Prompt texts are model output: they are only ever bound as text, never as HTML.
import { html, nothing, type TemplateResult } from 'lit';
import type { TuneRunSnapshot } from '../../src/protocol/tuningPanel';
import { etaText, percent } from '../shared/format';
import { progressPercent, renderCancelButton } from '../shared/runParts';
import { usd } from './format';
import { renderScoreChart } from './scoreChart';
import type { TuningApp } from './tuningApp';

type Candidate = TuneRunSnapshot['generations'][number]['candidates'][number];

const STATUS_TEXT: Record<TuneRunSnapshot['status'], string> = {
  pending: 'Starting',
  running: 'Running',
  completed: 'Completed',
  failed: 'Failed',
  cancelled: 'Cancelled',
  budget_reached: 'Budget reached — partial results',
};

/** A run that stopped before it completed can go on from what is stored (an interrupted one reads as failed). */
const RESUMABLE = new Set<TuneRunSnapshot['status']>(['failed', 'cancelled', 'budget_reached']);

function renderResumeButton(app: TuningApp, s: TuneRunSnapshot): TemplateResult {
  const pending = app.resumeRequested === s.runId;
  return html`<vscode-button
    secondary
    icon="debug-continue"
    data-testid="resume"
    title="Go on from what is stored: finished evaluations are not made again"
    ?disabled=${pending}
    @click=${() => app.resume(s.runId)}
    >${pending ? 'Resuming…' : 'Resume'}</vscode-button
  >`;
}

export function renderRunView(app: TuningApp): TemplateResult {
  const s = app.snapshot;
  const header = html`<div class="row">
    <h1>Prompt Tuning</h1>
    <span class="spacer"></span>
    <vscode-button secondary icon="arrow-left" data-testid="new-tuning" @click=${() => app.showView('config')}
      >New Tuning</vscode-button
    >
  </div>`;
  if (!s || (app.runId && s.runId !== app.runId)) {
    return html`${header}
      <p class="hint" role="status">Loading the run…</p>`;
  }
  return html`${header}
    <p class="subtitle" data-testid="run-subtitle">
      ${s.suite.name} · ${s.mode === 'quick' ? 'Quick' : 'Evolutionary'} · meta ${s.metaModel} · targets
      ${s.targetModels.join(', ')}
    </p>
    ${renderProgress(app, s)} ${s.best ? renderBest(app, s) : nothing} ${renderScoreChart(s)} ${renderTimeline(app, s)}`;
}

function renderProgress(app: TuningApp, s: TuneRunSnapshot): TemplateResult {
  const active = s.status === 'running' || s.status === 'pending';
  const pct = progressPercent(s.progress);
  return html`<section class="card" data-testid="progress-card" aria-label="Progress">
    <div class="status">
      <span class="dot ${s.status}" data-testid="status-dot" aria-hidden="true"></span>
      <h3 data-testid="status">${STATUS_TEXT[s.status]}</h3>
      <span class="hint">generation ${s.currentGeneration} of ${s.generationsPlanned}</span>
      <span class="spacer"></span>
      ${active ? renderCancelButton(app, s.runId) : RESUMABLE.has(s.status) ? renderResumeButton(app, s) : nothing}
    </div>
    ${!active && app.startError ? html`<p class="error-text" role="alert" data-testid="resume-error">${app.startError}</p>` : nothing}
    ${(s.status === 'failed' || s.status === 'budget_reached') && s.error && s.detail.includes(s.error) ? nothing : html`<p data-testid="detail">${s.detail}</p>`}
    <div class="progress-numbers">
      <span class="pct" data-testid="percent">${pct}%</span>
      <span>${s.callsDone} / ${s.callsPlanned} calls</span>
      ${active && s.etaSeconds !== null ? html`<span data-testid="eta">${etaText(s.etaSeconds)}</span>` : nothing}
      ${
        s.costUsd > 0
          ? html`<span data-testid="cost" title="Known prices only: a model without a price adds nothing"
              >${usd(s.costUsd)} so far</span
            >`
          : nothing
      }
      ${s.baseScore !== null ? html`<span>base prompt ${percent(s.baseScore)}</span>` : nothing}
    </div>
    <vscode-progress-bar
      aria-label="Tuning progress"
      data-testid="progress-bar"
      .value=${pct}
      max="100"
    ></vscode-progress-bar>
    ${
      s.throttle
        ? html`<p class="warning-text" data-testid="throttle">
            Throttled by ${s.throttle.provider}: ${s.throttle.active} running, ${s.throttle.queued}
            waiting${
              s.throttle.retryInMs !== undefined ? `, retrying in ${Math.ceil(s.throttle.retryInMs / 1000)}s` : ''
            }
          </p>`
        : nothing
    }
    ${s.status === 'failed' ? html`<p class="error-text" role="alert" data-testid="run-error">Tuning failed: ${s.error ?? 'unknown reason'}</p>` : nothing}
    ${s.status === 'cancelled' ? html`<p class="hint" data-testid="run-cancelled">Cancelled: the results so far are kept below.</p>` : nothing}
    ${
      s.status === 'budget_reached'
        ? html`<p class="warning-text" role="status" data-testid="run-budget">
            <span class="codicon codicon-warning" aria-hidden="true"></span> Budget reached — no further calls were
            started. The results so far are kept
            below${s.best ? ': the best prompt is the best of the prompts scored before the stop' : ''}.
            ${s.error ? html`<span class="hint" data-testid="run-budget-reason">(${s.error})</span>` : nothing}
          </p>`
        : nothing
    }
    ${
      s.notes && s.notes.length > 0
        ? html`<ul class="hint notes" data-testid="run-notes">
            ${s.notes.map((n) => html`<li>${n}</li>`)}
          </ul>`
        : nothing
    }
  </section>`;
}

function renderBest(app: TuningApp, s: TuneRunSnapshot): TemplateResult {
  const best = s.best!;
  const id = `best:${s.runId}`;
  const open = app.expanded.has(id);
  const saved = s.savedVersion;
  return html`<section class="card best-card" data-testid="best-card" aria-label="Best prompt">
    <div class="row">
      <span class="codicon codicon-star-full" aria-hidden="true"></span>
      <h3>Best prompt</h3>
      <span class="score" data-testid="best-score">${percent(best.score)}</span>
      ${best.validationScore !== null ? html`<span class="hint" data-testid="best-validation">validation ${percent(best.validationScore)}</span>` : nothing}
      ${s.baseScore !== null ? html`<span class="hint">base ${percent(s.baseScore)} → ${percent(best.score)}</span>` : nothing}
      <span class="spacer"></span>
      ${saved ? html`<span class="hint" data-testid="best-saved">Saved as ${saved.name} v${saved.version}</span>` : nothing}
    </div>
    ${
      best.perModel.length > 0
        ? html`<div class="chips" data-testid="best-per-model">
            ${best.perModel.map((m) => html`<span class="chip">${m.model}: ${percent(m.score)} (${m.passed}/${m.total})</span>`)}
          </div>`
        : nothing
    }
    <pre class="prompt-text ${open ? '' : 'collapsed'}" data-testid="best-text">${best.text}</pre>
    <button
      class="linkish"
      data-testid="best-expand"
      aria-expanded=${open ? 'true' : 'false'}
      @click=${() => app.toggleExpanded(id)}
    >
      ${open ? 'Show less' : 'Show full text'}
    </button>
    <div class="row">
      <vscode-button
        icon="target"
        data-testid="best-apply"
        @click=${() => app.post({ type: 'best/applyToContext', runId: s.runId })}
        >Apply to Context</vscode-button
      >
      ${
        saved
          ? html`<vscode-button
              secondary
              icon="library"
              data-testid="best-view"
              @click=${() => app.post({ type: 'best/viewInLibrary', runId: s.runId })}
              >View in Library</vscode-button
            >`
          : html`<vscode-button
              secondary
              icon="save"
              data-testid="best-save"
              @click=${() => app.post({ type: 'best/saveToLibrary', runId: s.runId })}
              >Save to Library</vscode-button
            >`
      }
      <vscode-button
        secondary
        icon="copy"
        data-testid="best-copy"
        @click=${() => app.post({ type: 'best/copy', runId: s.runId })}
        >Copy</vscode-button
      >
      <vscode-button
        secondary
        icon="diff"
        data-testid="best-diff"
        @click=${() => app.post({ type: 'best/showDiff', runId: s.runId })}
        >Show Diff</vscode-button
      >
    </div>
  </section>`;
}

function renderTimeline(app: TuningApp, s: TuneRunSnapshot): TemplateResult {
  if (s.generations.length === 0) {
    return html`<h2>Generation timeline</h2>
      <p class="hint" data-testid="timeline-empty">No prompts yet: the meta model is writing the first variants.</p>`;
  }
  return html`<h2>Generation timeline</h2>
    <div data-testid="timeline">
      ${s.generations.map(
        (g) =>
          html`<section
            class="generation ${g.number === s.currentGeneration && !g.complete && s.status === 'running' ? 'current' : ''}"
            data-testid="generation"
            data-number=${g.number}
          >
            <header>
              <h3>Generation ${g.number}${s.generationsPlanned > 1 ? ` of ${s.generationsPlanned}` : ''}</h3>
              <span class="hint">${g.candidates.length} prompt${g.candidates.length === 1 ? '' : 's'}</span>
              ${g.bestScore !== null ? html`<span class="hint">best ${percent(g.bestScore)}</span>` : nothing}
              ${g.complete ? nothing : html`<span class="hint">${s.status === 'running' || s.status === 'pending' ? 'in progress' : 'stopped'}</span>`}
            </header>
            ${g.candidates.map((c) => renderCandidate(app, s, c))}
          </section>`,
      )}
    </div>`;
}

const ORIGIN_TEXT: Record<Candidate['origin'], string> = {
  base: 'base prompt',
  variant: 'variant',
  mutation: 'mutation',
  crossover: 'crossover',
  survivor: 'survivor',
};

function renderCandidate(app: TuningApp, s: TuneRunSnapshot, c: Candidate): TemplateResult {
  const open = app.expanded.has(c.id);
  const isBest = s.best?.candidateId === c.id;
  const score =
    c.score !== null
      ? percent(c.score)
      : c.evaluated > 0
        ? `${c.evaluated}/${c.toEvaluate}`
        : s.status === 'running'
          ? 'waiting'
          : '—';
  return html`<div class="candidate ${isBest ? 'is-best' : ''}" data-testid="candidate" data-candidate-id=${c.id}>
    <div class="line">
      <span
        class="cscore"
        data-testid="candidate-score"
        title=${c.score === null ? 'evaluations done / needed' : 'score on the selection cases'}
        >${score}</span
      >
      <span class="cid">${c.id}</span>
      <vscode-badge>${ORIGIN_TEXT[c.origin]}</vscode-badge>
      ${c.survived ? html`<span class="survivor" data-testid="survivor"><span class="codicon codicon-arrow-up" aria-hidden="true"></span>survived</span>` : nothing}
      ${isBest ? html`<span class="survivor" data-testid="is-best"><span class="codicon codicon-star-full" aria-hidden="true"></span>best</span>` : nothing}
      ${c.validationScore !== undefined && c.validationScore !== null ? html`<span class="hint">validation ${percent(c.validationScore)}</span>` : nothing}
      ${c.note ? html`<span class="note" data-testid="candidate-note">${c.note}</span>` : nothing}
      <span class="spacer"></span>
      <button
        class="linkish"
        data-testid="candidate-expand"
        aria-expanded=${open ? 'true' : 'false'}
        @click=${() => app.toggleExpanded(c.id)}
      >
        ${open ? 'Hide text' : 'Show text'}
      </button>
    </div>
    ${
      c.perModel.length > 0
        ? html`<div class="chips" data-testid="candidate-per-model">
            ${c.perModel.map((m) => html`<span class="chip">${m.model}: ${percent(m.score)}</span>`)}
          </div>`
        : nothing
    }
    ${open ? html`<pre class="prompt-text" data-testid="candidate-text">${c.text}</pre>` : nothing}
  </div>`;
}
