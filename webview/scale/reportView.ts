// The report: stats cards, charts, failure badges that filter the rows, the summary with citations, the
// revised prompt and its rationale (each with Copy), the actions, and the verification's before → after.
// Everything a model wrote is rendered as text (lit escapes it); nothing here uses innerHTML.
import { html, nothing, type TemplateResult } from 'lit';
import type { ScaleAction, ScaleRunSnapshot } from '../../src/protocol/scalePanel';
import { failureChart, turnsChart } from './charts';
import { percent } from '../shared/format';
import { count, duration, intervalText, oneDecimal, usd, usdDelta } from './format';
import { conversationLabel, renderRows } from './runView';
import type { ScaleApp } from './scaleApp';

type Report = NonNullable<ScaleRunSnapshot['report']>;
type Finding = { text: string; citations: { conversationId: string; turn?: number }[] };

/** Tags the seed names; shown as badges even when no conversation has them. */
const COMMON_TAGS = ['GOAL_MISS', 'TOXICITY', 'REFUSAL', 'FORMAT_ERROR'];

const SECTIONS: { key: keyof NonNullable<Report['summary']>; title: string }[] = [
  { key: 'failureModes', title: 'Failure modes' },
  { key: 'hallucinations', title: 'Hallucinations' },
  { key: 'goalFailures', title: 'Goal failures' },
  { key: 'characterInconsistency', title: 'Character inconsistency' },
];

export function renderReport(app: ScaleApp, s: ScaleRunSnapshot, r: Report): TemplateResult {
  const stats = r.stats;
  const counts = new Map<string, number>();
  for (const t of COMMON_TAGS) counts.set(t, 0);
  for (const m of stats.topFailureModes) counts.set(m.tag, m.count);
  const filter = app.filterTag;
  const rows = filter ? r.conversations.filter((c) => c.failureTags.includes(filter)) : r.conversations;
  return html`
    <h2>Report</h2>
    ${renderStats(r)}
    <div class="charts">${turnsChart(r.conversations)} ${failureChart(stats.topFailureModes, stats.total)}</div>

    <h2 id="conversations-heading">Conversations</h2>
    <div class="badges" role="group" aria-label="Filter conversations by failure tag" data-testid="badges">
      ${[...counts.entries()].map(
        ([tag, n]) =>
          html`<button
            class="badge ${n === 0 ? 'zero' : ''}"
            data-testid="badge"
            data-tag=${tag}
            aria-pressed=${filter === tag ? 'true' : 'false'}
            title=${filter === tag ? 'Show all conversations' : `Show only the conversations with ${tag}`}
            @click=${() => app.setFilter(tag)}
          >
            <span class="badge-tag">${tag}</span> <span class="badge-count">${n}</span
            ><span class="sr-only"> conversation${n === 1 ? '' : 's'}</span>
          </button>`,
      )}
      ${filter ? html`<button class="linkish" data-testid="clear-filter" @click=${() => app.setFilter(null)}>Show all</button>` : nothing}
    </div>
    ${
      filter
        ? html`<p class="hint" role="status" data-testid="filter-status">
            Showing ${rows.length} of ${r.conversations.length} conversations with ${filter}.
          </p>`
        : nothing
    }
    ${renderRows(app, s, rows, { splitUnscored: true, emptyText: filter ? `No conversation has ${filter}.` : 'No conversation was run.' })}
    ${renderJudgeStats(r)} ${renderSummary(app, s, r)} ${renderRevised(app, s, r)} ${renderVerification(app, s, r)}
  `;
}

function card(testId: string, title: string, value: string, sub: TemplateResult | string): TemplateResult {
  return html`<div class="stat" data-testid=${testId}>
    <div class="stat-title">${title}</div>
    <div class="stat-value" data-testid=${`${testId}-value`}>${value}</div>
    <div class="stat-sub hint">${sub}</div>
  </div>`;
}

function renderStats(r: Report): TemplateResult {
  const st = r.stats;
  const scored = st.passed + st.failed;
  return html`<div class="stats" data-testid="stats">
    ${card(
      'stat-win-rate',
      'Win rate',
      percent(st.winRate),
      html`${st.winRateInterval ? html`<span data-testid="win-rate-interval">95% CI ${intervalText(st.winRateInterval)}</span> · ` : nothing}${st.passed}
      of ${scored} scored passed${st.unscored > 0 ? ` · ${st.unscored} unscored` : ''}`,
    )}
    ${card('stat-turns', 'Turns', oneDecimal(Math.round(st.averageTurns * 10) / 10), `average · p50 ${oneDecimal(st.turns.p50)} · p95 ${oneDecimal(st.turns.p95)}`)}
    ${card('stat-latency', 'p95 latency', duration(st.latencyStats.perTurn.p95), `per agent turn · per conversation p95 ${duration(st.latencyStats.perRun.p95)}`)}
    ${card('stat-tokens', 'Tokens', count(st.tokenStats.total.sum), `average ${count(st.tokenStats.total.avg)} per conversation`)}
    ${card(
      'stat-cost',
      'Cost',
      usd(st.cost.actualUsd),
      html`estimated
      ${usd(st.cost.estimatedUsd)}${st.cost.deltaUsd !== null ? html` <span class="nowrap">(${usdDelta(st.cost.deltaUsd)})</span>` : nothing}`,
    )}
  </div>`;
}

function renderJudgeStats(r: Report): TemplateResult {
  const rows = r.stats.judgeStats;
  if (rows.length === 0) return html``;
  return html`<h3 class="section-title">Assertions</h3>
    <table class="grid compact" data-testid="judge-stats">
      <caption class="sr-only">
        Results per assertion
      </caption>
      <thead>
        <tr>
          <th scope="col">Assertion</th>
          <th scope="col" class="num">Pass</th>
          <th scope="col" class="num">Fail</th>
          <th scope="col" class="num">Not graded</th>
          <th scope="col" class="num">Pass rate</th>
        </tr>
      </thead>
      <tbody>
        ${rows.map(
          (j) =>
            html`<tr>
              <th scope="row" class="assertion">${j.assertion}</th>
              <td class="num">${j.pass}</td>
              <td class="num">${j.fail}</td>
              <td class="num">${j.error}</td>
              <td class="num">${percent(j.passRate)}</td>
            </tr>`,
        )}
      </tbody>
    </table>`;
}

function citation(app: ScaleApp, s: ScaleRunSnapshot, c: { conversationId: string; turn?: number }): TemplateResult {
  const conv =
    s.report?.conversations.find((x) => x.conversationId === c.conversationId) ??
    s.conversations.find((x) => x.conversationId === c.conversationId);
  const name = conv ? conversationLabel(conv) : c.conversationId;
  const text = `${name}${c.turn !== undefined ? `, turn ${c.turn}` : ''}`;
  return html`<button
    class="citation linkish"
    data-testid="citation"
    data-conversation-id=${c.conversationId}
    aria-label=${`Open conversation ${text}`}
    @click=${() => app.post({ type: 'transcript/open', runId: s.runId, conversationId: c.conversationId, ...(c.turn !== undefined ? { turn: c.turn } : {}) })}
  >
    ${text}
  </button>`;
}

function renderSummary(app: ScaleApp, s: ScaleRunSnapshot, r: Report): TemplateResult {
  return html`<h2>Summary</h2>
    ${
      r.summaryError
        ? html`<div class="alert error" role="alert" data-testid="summary-error">
            <span class="codicon codicon-error" aria-hidden="true"></span
            ><span>No summary: ${r.summaryError}. The stats and evaluations above are complete.</span>
          </div>`
        : nothing
    }
    ${r.digestNote ? html`<p class="hint" data-testid="digest-note">${r.digestNote}</p>` : nothing}
    ${
      r.summary
        ? html`<div class="summary" data-testid="summary">
            ${SECTIONS.map(({ key, title }) => {
              const v = r.summary![key];
              return html`<section
                class="summary-section"
                data-testid=${`summary-${key}`}
                aria-labelledby=${`summary-${key}-h`}
              >
                <h3 id=${`summary-${key}-h`}>${title}</h3>
                ${
                  typeof v === 'string' || v.length === 0
                    ? html`<p class="hint">${typeof v === 'string' ? 'Information unavailable.' : 'None found.'}</p>`
                    : html`<ul class="findings">
                        ${(v as Finding[]).map(
                          (f) =>
                            html`<li data-testid="finding">
                              <span class="finding-text">${f.text}</span>
                              ${f.citations.length > 0 ? html`<span class="citations">${f.citations.map((c) => citation(app, s, c))}</span>` : nothing}
                            </li>`,
                        )}
                      </ul>`
                }
              </section>`;
            })}
          </div>`
        : nothing
    }`;
}

function actionNote(app: ScaleApp, s: ScaleRunSnapshot, actions: ScaleAction[]): TemplateResult {
  const n = app.actionNote;
  return html`<span class="action-note hint" role="status" data-testid="action-note"
    >${n && n.runId === s.runId && actions.includes(n.action) ? n.message : ''}</span
  >`;
}

function renderRevised(app: ScaleApp, s: ScaleRunSnapshot, r: Report): TemplateResult {
  if (r.revisedPrompt === null) return html``;
  const verifying = !!s.verification && (s.verification.status === 'running' || s.verification.status === 'pending');
  const isVerification = s.verifiesRunId !== null;
  return html`<section class="card revised-card" data-testid="revised-card" aria-labelledby="revised-h">
    <div class="row">
      <span class="codicon codicon-lightbulb" aria-hidden="true"></span>
      <h3 id="revised-h">Revised prompt</h3>
      <span class="spacer"></span>
      <vscode-button
        secondary
        icon="copy"
        data-testid="copy-revised"
        @click=${() => app.post({ type: 'report/copy', runId: s.runId, what: 'revisedPrompt' })}
        >Copy</vscode-button
      >
    </div>
    <pre class="prompt-text" data-testid="revised-prompt" tabindex="0" aria-label="Revised prompt text">
${r.revisedPrompt}</pre>
    ${
      r.revisedPromptRationale
        ? html`<div class="row">
              <h4>Why</h4>
              <span class="spacer"></span>
              <vscode-button
                secondary
                icon="copy"
                data-testid="copy-rationale"
                @click=${() => app.post({ type: 'report/copy', runId: s.runId, what: 'rationale' })}
                >Copy</vscode-button
              >
            </div>
            <p class="rationale" data-testid="rationale">${r.revisedPromptRationale}</p>`
        : nothing
    }
    <div class="row actions-row">
      ${
        isVerification
          ? nothing
          : html`<vscode-button
              icon="beaker"
              data-testid="verify"
              ?disabled=${verifying || app.running}
              @click=${() => app.post({ type: 'report/verify', runId: s.runId })}
              >${verifying ? 'Verifying…' : r.verification ? 'Verify Again' : 'Verify Revised Prompt'}</vscode-button
            >`
      }
      <vscode-button
        secondary
        icon="save"
        data-testid="save-revised"
        @click=${() => app.post({ type: 'report/saveRevised', runId: s.runId })}
        >Save Revised Prompt to Library</vscode-button
      >
      <vscode-button
        secondary
        icon="diff"
        data-testid="show-diff"
        @click=${() => app.post({ type: 'report/showDiff', runId: s.runId })}
        >Show Diff</vscode-button
      >
      <vscode-button
        secondary
        icon="sparkle"
        data-testid="tune-from-revised"
        @click=${() => app.post({ type: 'report/tuneFromRevised', runId: s.runId })}
        >Tune from Revised Prompt</vscode-button
      >
      ${actionNote(app, s, ['copy', 'saveRevised', 'showDiff', 'tuneFromRevised', 'verify', 'addToSuite', 'transcript'])}
    </div>
  </section>`;
}

function renderVerification(app: ScaleApp, s: ScaleRunSnapshot, r: Report): TemplateResult {
  const v = r.verification;
  if (!v) {
    if (s.verification && (s.verification.status === 'running' || s.verification.status === 'pending')) {
      return html`<section class="card" data-testid="verification-card" aria-label="Verification">
        <p role="status">
          Verifying the revised prompt: ${s.verification.completed}/${s.verification.total} conversations.
        </p>
        <button
          class="linkish"
          data-testid="show-verification-run"
          @click=${() => app.post({ type: 'run/show', runId: s.verification!.runId })}
        >
          Show the verification run
        </button>
      </section>`;
    }
    return html``;
  }
  const after = v.stats.winRate;
  const before = v.winRateBefore;
  const better = after !== null && before !== null ? after - before : null;
  const a = v.winRateIntervalBefore;
  const b = v.stats.winRateInterval;
  const overlap = !!a && !!b && a.low <= b.high && b.low <= a.high;
  return html`<section class="card verification-card" data-testid="verification-card" aria-label="Verification">
    <h3>Verification of the revised prompt</h3>
    <p class="verify-result" data-testid="verify-result">
      Win rate
      <strong data-testid="win-before">${percent(before)}</strong
      >${v.winRateIntervalBefore ? html` <span class="hint">(95% CI ${intervalText(v.winRateIntervalBefore)})</span>` : nothing}
      <span aria-label="to">→</span> <strong data-testid="win-after">${percent(after)}</strong>${
        v.stats.winRateInterval
          ? html` <span class="hint">(95% CI ${intervalText(v.stats.winRateInterval)})</span>`
          : nothing
      }
      ${better !== null ? html`<span class="delta ${better > 0 ? 'up' : better < 0 ? 'down' : ''}">${better > 0 ? '+' : ''}${Math.round(better * 100)} points</span>` : nothing}
    </p>
    <p class="hint">
      ${v.status === 'completed' ? '' : `Verification ${v.status.replace('_', ' ')}. `}Same scenarios, seeds and models;
      ${v.stats.passed}/${v.stats.passed + v.stats.failed} scored conversations
      passed${v.stats.unscored > 0 ? `, ${v.stats.unscored} unscored` : ''}.${
        overlap ? ' The intervals overlap: at this number of runs the difference may be chance.' : ''
      }
    </p>
    <button
      class="linkish"
      data-testid="show-verification-run"
      @click=${() => app.post({ type: 'run/show', runId: v.runId })}
    >
      Show the verification run
    </button>
  </section>`;
}
