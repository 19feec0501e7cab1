// One case opened: what was sent (system prompt and conversation), the model's answer as text (each try,
// and for two prompts A's and B's) and the expected call(s), side by side. Everything is text: a model's
// answer is data, never markup.
import { html, nothing, type TemplateResult } from 'lit';
import type { CaseView, EvalReportView, ResultView, RunView, ToolCallView } from '../../src/protocol/evalPanel';
import type { EvalApp, OpenCell } from './evalApp';
import { callCost, count, duration } from './format';
import type { ReportGrid } from './grid';

function toolCalls(calls: ToolCallView[], testId: string): TemplateResult {
  return html`${calls.map(
    (t) =>
      html`<pre class="prompt-text call" data-testid=${testId}>${t.name}(${t.arguments})</pre>
        ${t.argumentsError ? html`<p class="error-text">Arguments are not valid JSON: ${t.argumentsError}</p>` : nothing}`,
  )}`;
}

function requestColumn(runs: RunView[], c: CaseView): TemplateResult {
  return html`<section class="detail-col" aria-labelledby="detail-request" data-testid="detail-request">
    <h3 id="detail-request">Request</h3>
    ${runs.map(
      (run) =>
        html`<details class="prompt-details">
          <summary>System prompt${run.label ? ` ${run.label}` : ''}</summary>
          <pre class="prompt-text">${run.promptText}</pre>
        </details>`,
    )}
    ${c.messages.map(
      (m) =>
        html`<div class="message ${m.role}" data-testid="request-message">
          <div class="message-role">
            <span class="role-name">${m.role}</span
            >${m.toolName ? html` · <span class="mono">${m.toolName}</span>` : nothing}
          </div>
          ${m.content ? html`<pre class="prompt-text">${m.content}</pre>` : nothing}
          ${toolCalls(m.toolCalls, 'request-call')}
        </div>`,
    )}
  </section>`;
}

function answerOf(r: ResultView, repeats: boolean): TemplateResult {
  return html`<div class="answer ${r.pass ? 'pass' : 'fail'}" data-testid="answer">
    <p class="answer-outcome">
      <span class="codicon ${r.pass ? 'codicon-pass' : 'codicon-error'}" aria-hidden="true"></span>
      <strong data-testid="answer-outcome">${r.pass ? 'Passed' : `Failed: ${r.reason ?? 'failed'}`}</strong>
      ${repeats ? html`<span class="hint">try ${r.repeat + 1}</span>` : nothing}
    </p>
    ${r.detail ? html`<p class="detail-text" data-testid="answer-detail">${r.detail}</p>` : nothing}
    ${
      r.toolCalls.length
        ? toolCalls(r.toolCalls, 'answer-call')
        : html`<p class="hint" data-testid="answer-no-call">No tool call.</p>`
    }
    ${
      r.text
        ? html`<div class="message-role">Text</div>
            <pre class="prompt-text" data-testid="answer-text">${r.text}</pre>`
        : nothing
    }
    <p class="hint" data-testid="answer-meta">
      ${r.cached ? 'from cache' : duration(r.latencyMs)} · ${count(r.inputTokens)} in / ${count(r.outputTokens)} out ·
      ${callCost(r.costUsd)}
    </p>
  </div>`;
}

function answerColumn(run: RunView, tries: ResultView[], repeats: boolean): TemplateResult {
  const id = `detail-answer${run.label ? `-${run.label.toLowerCase()}` : ''}`;
  return html`<section class="detail-col" aria-labelledby=${`${id}-title`} data-testid=${id}>
    <h3 id=${`${id}-title`}>${run.label ? html`<span class="run-label">${run.label}</span> ` : nothing}Answer</h3>
    ${tries.length ? tries.map((r) => answerOf(r, repeats)) : html`<p class="hint">No result (the run stopped first).</p>`}
  </section>`;
}

export function renderDetail(app: EvalApp, r: EvalReportView, grid: ReportGrid, open: OpenCell): TemplateResult {
  const c = r.cases.find((x) => x.id === open.caseId);
  const cell = grid.cell(open.caseId, open.model);
  if (!c || !cell) return html``;
  const onKey = (e: KeyboardEvent) => {
    if (e.key === 'Escape') {
      e.preventDefault();
      app.closeCell();
    }
  };
  return html`<section class="card detail" data-testid="detail" aria-labelledby="detail-title" @keydown=${onKey}>
    <div class="row">
      <h2 id="detail-title" tabindex="-1" data-testid="detail-title">
        <span class="mono">${c.id}</span> on <span class="mono">${open.model}</span>
      </h2>
      <span class="spacer"></span>
      <vscode-button
        secondary
        icon="go-to-file"
        data-testid="open-in-suite"
        @click=${() => app.post({ type: 'case/openInSuite', caseId: c.id })}
        >Open in Suite</vscode-button
      >
      <vscode-button secondary icon="close" data-testid="close-detail" @click=${() => app.closeCell()}
        >Close</vscode-button
      >
    </div>
    ${c.description ? html`<p class="hint">${c.description}</p>` : nothing}
    <div class="detail-cols cols-${r.runs.length + 2}">
      ${requestColumn(r.runs, c)} ${r.runs.map((run, i) => answerColumn(run, cell.runs[i] ?? [], r.repeat > 1))}
      <section class="detail-col" aria-labelledby="detail-expected-title" data-testid="detail-expected">
        <h3 id="detail-expected-title">Expected</h3>
        ${c.expected.map((line) => html`<pre class="prompt-text call" data-testid="expected-call">${line}</pre>`)}
      </section>
    </div>
  </section>`;
}
