// The run view: status and progress, throttling and cap alerts, the budget card, the conversation rows
// (live while running, filtered by a failure badge in the report), and the report below once it exists.
import { html, nothing, svg, type TemplateResult } from 'lit';
import type { ScaleRunSnapshot } from '../../src/protocol/scalePanel';
import { etaText } from '../shared/format';
import { progressPercent, renderCancelButton } from '../shared/runParts';
import { duration, usd } from './format';
import { ROLE_LABEL } from './formView';
import { renderReport } from './reportView';
import type { ScaleApp } from './scaleApp';

type Conversation = ScaleRunSnapshot['conversations'][number];

const STATUS_TEXT: Record<ScaleRunSnapshot['status'], string> = {
  pending: 'Starting',
  running: 'Running',
  completed: 'Completed',
  failed: 'Failed',
  cancelled: 'Cancelled',
  budget_reached: 'Budget reached — partial report',
};

const PHASE_TEXT: Record<ScaleRunSnapshot['phase'], string> = {
  conversations: 'conversations in progress',
  grading: 'grading the transcripts',
  summarizing: 'writing the summary and the revised prompt',
  verifying: 'verifying the revised prompt',
  done: 'Done',
};

const ENDED_TEXT: Record<NonNullable<Conversation['endedReason']>, string> = {
  user_stop: 'user done',
  max_turns: 'max turns',
  budget: 'budget cap',
  error: 'error',
  cancelled: 'cancelled',
};

/** "#3", the number users see for a conversation. */
export function conversationLabel(c: Pick<Conversation, 'index'>): string {
  return `#${c.index + 1}`;
}

/** A stopped run with conversations that were not played out (cap, error, cancel, a closed window) can go on. */
function resumable(s: ScaleRunSnapshot): boolean {
  if (s.status !== 'failed' && s.status !== 'cancelled' && s.status !== 'budget_reached') return false;
  return s.conversations.some(
    (c) => c.status !== 'done' || (c.endedReason !== 'user_stop' && c.endedReason !== 'max_turns'),
  );
}

export function renderRunView(app: ScaleApp, s: ScaleRunSnapshot): TemplateResult {
  const running = s.status === 'running' || s.status === 'pending';
  return html`
    <div class="row header">
      <h1>Scale Test: ${s.agent.name}</h1>
      <span class="spacer"></span>
      ${running ? renderCancelButton(app, s.runId) : nothing}
      ${
        resumable(s)
          ? html`<vscode-button
              secondary
              icon="debug-continue"
              data-testid="resume"
              title="Run again the conversations that did not finish; the finished ones are kept"
              @click=${() => app.post({ type: 'scale/resume', runId: s.runId })}
              >Resume</vscode-button
            >`
          : nothing
      }
      <vscode-button secondary icon="add" data-testid="new-scale-test" @click=${() => app.showView('form')}
        >New Scale Test</vscode-button
      >
    </div>
    ${
      s.verifiesRunId
        ? html`<p class="banner" data-testid="verifies">
            Verification run: the revised prompt of another run on the same scenarios, seeds and models.
            <button
              class="linkish"
              data-testid="show-verified-run"
              @click=${() => app.post({ type: 'run/show', runId: s.verifiesRunId! })}
            >
              Show the original run
            </button>
          </p>`
        : nothing
    }
    <p class="hint run-meta" data-testid="run-meta">
      ${s.agent.file} · agent
      ${s.models.agent}${s.models.user !== s.models.agent ? ` · user ${s.models.user}` : ''}${
        s.models.judge !== s.models.agent ? ` · judge ${s.models.judge}` : ''
      }${s.models.summarizer !== s.models.agent ? ` · summarizer ${s.models.summarizer}` : ''}
      · ${s.runs} runs, ${s.concurrency} at a time
    </p>
    ${renderProgress(s)} ${renderAlerts(s)} ${renderBudget(s)}
    ${
      s.report
        ? renderReport(app, s, s.report)
        : html`<h2>Conversations</h2>
            ${renderRows(app, s, s.conversations)}`
    }
  `;
}

function renderProgress(s: ScaleRunSnapshot): TemplateResult {
  const running = s.status === 'running' || s.status === 'pending';
  const pct = progressPercent(s.progress);
  return html`<section class="card" data-testid="progress-card" aria-label="Progress">
    <div class="status">
      <span class="dot ${s.status}" data-testid="status-dot" aria-hidden="true"></span>
      <strong data-testid="status">${STATUS_TEXT[s.status]}</strong>
      ${running ? html`<span class="hint" data-testid="phase">${PHASE_TEXT[s.phase]}</span>` : nothing}
    </div>
    <div class="progress-numbers">
      <span data-testid="completed"><span class="pct">${s.completed}/${s.total}</span> conversations done</span>
      ${running && s.etaSeconds !== null ? html`<span data-testid="eta">${etaText(s.etaSeconds)}</span>` : nothing}
      ${s.detail && s.status !== 'failed' ? html`<span data-testid="detail">${s.detail}</span>` : nothing}
    </div>
    <vscode-progress-bar
      aria-label="Scale test progress"
      data-testid="progress-bar"
      .value=${pct}
      max="100"
    ></vscode-progress-bar>
    ${
      s.verification
        ? html`<p class="hint" data-testid="verification-progress" role="status">
            Verification
            ${s.verification.status === 'running' || s.verification.status === 'pending' ? 'running' : s.verification.status.replace('_', ' ')}:
            ${s.verification.completed}/${s.verification.total} conversations
          </p>`
        : nothing
    }
  </section>`;
}

/** Throttling, caps and other notes as inline alerts (the seed's toasts, kept in the page so they can be read again). */
function renderAlerts(s: ScaleRunSnapshot): TemplateResult {
  const t = s.throttle;
  return html`<div class="alerts" data-testid="alerts">
    ${
      t && t.active
        ? html`<div class="alert warn" role="status" data-testid="throttle">
            <span class="codicon codicon-watch" aria-hidden="true"></span>
            <span
              >Throttled by ${t.provider}: ${t.concurrency} at a time, ${t.queueDepth}
              waiting${t.retryInMs !== undefined ? `, retrying in ${Math.ceil(t.retryInMs / 1000)}s` : ''}.</span
            >
          </div>`
        : nothing
    }
    ${
      s.status === 'budget_reached'
        ? html`<div class="alert warn" role="alert" data-testid="budget-reached">
            <span class="codicon codicon-warning" aria-hidden="true"></span>
            <span
              >Budget reached: no further calls were started. The report covers the conversations finished before the
              stop.${s.error ? ` (${s.error})` : ''}</span
            >
          </div>`
        : nothing
    }
    ${
      s.status === 'failed'
        ? html`<div class="alert error" role="alert" data-testid="run-error">
            <span class="codicon codicon-error" aria-hidden="true"></span
            ><span>Scale test failed: ${s.error ?? 'unknown reason (see the Prompt Tuner log)'}</span>
          </div>`
        : nothing
    }
    ${
      s.status === 'cancelled'
        ? html`<div class="alert" role="status" data-testid="run-cancelled">
            <span class="codicon codicon-circle-slash" aria-hidden="true"></span
            ><span>Cancelled: finished conversations are kept below.</span>
          </div>`
        : nothing
    }
    ${s.notes.map(
      (n) =>
        html`<div class="alert" role="status" data-testid="note">
          <span class="codicon codicon-info" aria-hidden="true"></span><span>${n}</span>
        </div>`,
    )}
  </div>`;
}

/** Estimated vs actual, a bar with the estimate and the cap marked, and the ledger per role. */
function renderBudget(s: ScaleRunSnapshot): TemplateResult {
  const b = s.budget;
  const actual = b.actualUsd;
  const scaleMax = Math.max(b.capUsd ?? 0, b.estimatedUsd ?? 0, actual ?? 0) * 1.1 || 1;
  const x = (v: number): number => Math.max(0, Math.min(100, (v / scaleMax) * 100));
  const label = `Spent ${usd(actual)} of ${b.capUsd !== null ? `a ${usd(b.capUsd)} cap` : 'no cap'}; estimated ${usd(b.estimatedUsd)}`;
  return html`<section class="card budget-card" data-testid="budget-card" aria-label="Budget">
    <div class="row">
      <h3>Budget</h3>
      <span class="hint" data-testid="budget-numbers"
        >spent <strong data-testid="budget-actual">${usd(actual)}</strong> · estimated
        <span data-testid="budget-estimated">${usd(b.estimatedUsd)}</span> ·
        ${b.capUsd !== null ? html`cap <span data-testid="budget-cap">${usd(b.capUsd)}</span>` : 'no cap'}${
          b.conversationCapUsd !== null ? ` · ${usd(b.conversationCapUsd)} per conversation` : ''
        }</span
      >
    </div>
    <svg
      class="budget-bar"
      data-testid="budget-bar"
      viewBox="0 0 100 14"
      preserveAspectRatio="none"
      role="img"
      aria-label=${label}
    >
      <rect class="track" x="0" y="3" width="100" height="8" rx="1"></rect>
      ${actual !== null ? svg`<rect class="fill ${b.capUsd !== null && actual >= b.capUsd ? 'over' : ''}" data-testid="budget-fill" x="0" y="3" width=${x(actual)} height="8" rx="1"></rect>` : nothing}
      ${b.estimatedUsd !== null ? svg`<line class="mark estimate" data-testid="mark-estimate" x1=${x(b.estimatedUsd)} x2=${x(b.estimatedUsd)} y1="0" y2="14"></line>` : nothing}
      ${b.capUsd !== null ? svg`<line class="mark cap" data-testid="mark-cap" x1=${x(b.capUsd)} x2=${x(b.capUsd)} y1="0" y2="14"></line>` : nothing}
    </svg>
    <div class="legend hint" aria-hidden="true">
      <span><span class="swatch fill"></span>spent</span>
      ${b.estimatedUsd !== null ? html`<span><span class="swatch estimate"></span>estimate</span>` : nothing}
      ${b.capUsd !== null ? html`<span><span class="swatch cap"></span>cap</span>` : nothing}
    </div>
    ${
      b.byRole.length > 0
        ? html`<div class="table-scroll">
            <table class="grid compact" data-testid="ledger">
              <caption class="sr-only">
                Cost per role
              </caption>
              <thead>
                <tr>
                  <th scope="col">Role</th>
                  <th scope="col">Model</th>
                  <th scope="col" class="num">Calls (planned)</th>
                  <th scope="col" class="num">Tokens in / out</th>
                  <th scope="col" class="num">Estimated</th>
                  <th scope="col" class="num">Actual</th>
                </tr>
              </thead>
              <tbody>
                ${b.byRole.map(
                  (r) =>
                    html`<tr data-role=${r.role}>
                      <th scope="row">${ROLE_LABEL[r.role]}</th>
                      <td class="mono">${r.model}</td>
                      <td class="num">${r.calls} (${r.estimatedCalls})</td>
                      <td class="num">
                        ${r.promptTokens.toLocaleString('en-US')} / ${r.completionTokens.toLocaleString('en-US')}
                      </td>
                      <td class="num">${usd(r.estimatedUsd)}</td>
                      <td class="num">${usd(r.actualUsd)}</td>
                    </tr>`,
                )}
              </tbody>
            </table>
          </div>`
        : nothing
    }
  </section>`;
}

function statusCell(c: Conversation): TemplateResult {
  if (c.status === 'pending') return html`<span class="state pending">Waiting</span>`;
  if (c.status === 'running')
    return html`<span class="state running"
      ><span class="codicon codicon-loading codicon-modifier-spin" aria-hidden="true"></span>Running</span
    >`;
  if (c.status === 'grading') return html`<span class="state running">Grading</span>`;
  if (c.outcome === 'pass')
    return html`<span class="state pass"><span class="codicon codicon-pass" aria-hidden="true"></span>Passed</span>`;
  if (c.outcome === 'fail')
    return html`<span class="state fail"><span class="codicon codicon-error" aria-hidden="true"></span>Failed</span>`;
  return html`<span class="state unscored"
    ><span class="codicon codicon-question" aria-hidden="true"></span>Unscored</span
  >`;
}

function conversationRow(app: ScaleApp, s: ScaleRunSnapshot, c: Conversation): TemplateResult {
  const label = conversationLabel(c);
  const mean = c.turnLatencyMs.length > 0 ? c.turnLatencyMs.reduce((a, b) => a + b, 0) / c.turnLatencyMs.length : null;
  const canSuite = c.status === 'done' && c.outcome === 'fail' && !s.verifiesRunId;
  return html`<tr
    data-testid="conversation-row"
    data-conversation-id=${c.conversationId}
    data-outcome=${c.outcome ?? c.status}
  >
    <th scope="row">${label}</th>
    <td>
      <span class="scenario">${c.scenario ? c.scenario.id : 'form goal'}</span>
      ${c.scenario ? html`<div class="hint persona" title=${c.scenario.goal}>${c.scenario.persona}</div>` : nothing}
    </td>
    <td data-testid="conversation-status">${statusCell(c)}</td>
    <td class="num" data-testid="conversation-turns">${c.turns}</td>
    <td class="nowrap">${c.endedReason ? ENDED_TEXT[c.endedReason] : ''}</td>
    <td class="num">${mean !== null ? duration(mean) : ''}</td>
    <td class="num">
      ${c.status === 'pending' ? '' : c.costUsd === null && c.status !== 'done' ? '…' : usd(c.costUsd)}
    </td>
    <td data-testid="conversation-tags">
      ${c.failureTags.map((t) => html`<span class="tag">${t}</span>`)}
      ${c.error ? html`<div class="error-text hint" data-testid="conversation-error">${c.error}</div>` : nothing}
    </td>
    <td class="actions">
      <button
        class="linkish"
        data-testid="open-transcript"
        ?disabled=${c.status === 'pending'}
        aria-label=${`Transcript of conversation ${label}`}
        @click=${() => app.post({ type: 'transcript/open', runId: s.runId, conversationId: c.conversationId })}
      >
        Transcript
      </button>
      ${
        canSuite
          ? html`<button
              class="linkish"
              data-testid="add-to-suite"
              aria-label=${`Add to Suite: conversation ${label}`}
              @click=${() => app.post({ type: 'conversation/addToSuite', runId: s.runId, conversationId: c.conversationId })}
            >
              Add to Suite
            </button>`
          : nothing
      }
    </td>
  </tr>`;
}

/** The conversation rows; in the report, unscored ones are kept apart (they are not in the win rate). */
export function renderRows(
  app: ScaleApp,
  s: ScaleRunSnapshot,
  rows: Conversation[],
  opts: { splitUnscored?: boolean; emptyText?: string } = {},
): TemplateResult {
  if (rows.length === 0)
    return html`<p class="hint" data-testid="rows-empty">${opts.emptyText ?? 'No conversation has started yet.'}</p>`;
  const sorted = [...rows].sort((a, b) => a.index - b.index);
  const scored = opts.splitUnscored ? sorted.filter((c) => c.outcome !== 'unscored') : sorted;
  const unscored = opts.splitUnscored ? sorted.filter((c) => c.outcome === 'unscored') : [];
  return html`<div class="table-scroll">
    <table class="grid conversations" data-testid="conversation-rows">
      <caption class="sr-only">
        Conversations
      </caption>
      <thead>
        <tr>
          <th scope="col">#</th>
          <th scope="col">Scenario</th>
          <th scope="col">Status</th>
          <th scope="col" class="num">Turns</th>
          <th scope="col">Ended</th>
          <th scope="col" class="num">Mean latency</th>
          <th scope="col" class="num">Cost</th>
          <th scope="col">Failure tags</th>
          <th scope="col"><span class="sr-only">Actions</span></th>
        </tr>
      </thead>
      <tbody>
        ${scored.map((c) => conversationRow(app, s, c))}
        ${
          unscored.length > 0
            ? html`<tr class="group" data-testid="unscored-group">
                  <th scope="rowgroup" colspan="9">
                    Unscored (${unscored.length}) — could not be graded or were cut short; not counted in the win rate
                  </th>
                </tr>
                ${unscored.map((c) => conversationRow(app, s, c))}`
            : nothing
        }
      </tbody>
    </table>
  </div>`;
}
