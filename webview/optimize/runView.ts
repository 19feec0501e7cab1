// The runs list and the selected run: its status and progress, counters, alerts, the queue timeline, the
// workers with their heartbeat age (stale ones marked); the best prompt and the APO rounds are apoView's.
// Everything from the store is rendered as text (lit escapes it); nothing here uses innerHTML.
import { html, nothing, type TemplateResult } from 'lit';
import type { OptimizeOverview, OptimizeRunSnapshot, OptimizeView } from '../../src/protocol/optimizePanel';
import { dateText, etaText } from '../shared/format';
import { progressPercent } from '../shared/runParts';
import { renderBest, renderRounds } from './apoView';
import { ageText, reward, usd } from './format';
import type { OptimizeApp } from './optimizeApp';
import { timelineChart } from './timelineChart';

type RunEntry = OptimizeOverview['runs'][number];
type Shown = NonNullable<OptimizeOverview['run']>;
type Counters = RunEntry['counters'];

const STATUS_TEXT: Record<RunEntry['status'], string> = {
  running: 'Running',
  completed: 'Completed',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

const PHASE_TEXT: Record<OptimizeRunSnapshot['phase'], string> = {
  baseline: 'scoring the initial prompt',
  apo: 'optimizing (APO)',
  done: 'done',
};

/** What the status dot and the status text say: a run whose process died is interrupted (the overview may list it as failed). */
function statusOf(status: RunEntry['status'], interrupted: string | null): { cls: string; text: string } {
  if (interrupted) return { cls: 'interrupted', text: 'Interrupted' };
  return { cls: status, text: STATUS_TEXT[status] };
}

const ended = (c: Counters): number => c.succeeded + c.failed + c.cancelled;

export function renderRunsList(app: OptimizeApp, o: OptimizeOverview): TemplateResult {
  return html`<h2 id="runs-h">Runs</h2>
    <div class="table-scroll">
      <table class="grid runs" data-testid="runs" aria-labelledby="runs-h">
        <thead>
          <tr>
            <th scope="col">Run</th>
            <th scope="col">Status</th>
            <th scope="col">Model</th>
            <th scope="col">Started</th>
            <th scope="col" class="num">Rollouts</th>
            <th scope="col" class="num">Failed</th>
            <th scope="col" class="num">Best reward</th>
          </tr>
        </thead>
        <tbody>
          ${o.runs.map((r) => {
            const selected = r.run_id === app.runId;
            const st = statusOf(r.status, r.interrupted);
            return html`<tr data-testid="run-row" data-run-id=${r.run_id} class=${selected ? 'selected' : ''}>
              <th scope="row">
                <button
                  class="linkish"
                  data-testid="show-run"
                  aria-current=${selected ? 'true' : 'false'}
                  aria-label=${`Show run ${r.run_number}`}
                  @click=${() => app.selectRun(r.run_id)}
                >
                  #${r.run_number}
                </button>
              </th>
              <td>
                <span class="state ${st.cls}"><span class="dot ${st.cls}" aria-hidden="true"></span>${st.text}</span>
              </td>
              <td class="mono">${r.model_ref}</td>
              <td class="nowrap">${dateText(r.started_at)}</td>
              <td class="num">${ended(r.counters)}/${r.counters.total_rollouts}</td>
              <td class="num">${r.counters.failed}</td>
              <td class="num">${reward(r.best_reward)}</td>
            </tr>`;
          })}
        </tbody>
      </table>
    </div>`;
}

export function renderRunView(app: OptimizeApp, v: OptimizeView, o: OptimizeOverview): TemplateResult {
  const shown = o.run!;
  const row = shown.row;
  const s = shown.snapshot;
  const counters = o.runs.find((r) => r.run_id === row.run_id)?.counters ?? s?.counters ?? o.counters;
  return html`<section class="run" data-testid="run" data-run-id=${row.run_id} aria-labelledby="run-h">
    <div class="row header">
      <h2 id="run-h">Run #${row.run_number}</h2>
      <span class="spacer"></span>
      ${renderRunButtons(app, v, shown)}
    </div>
    <p class="hint run-meta" data-testid="run-meta">
      <span class="mono">${row.config_path}</span> · model <span class="mono">${row.model_ref}</span> ·
      ${row.config.worker_count} worker${row.config.worker_count === 1 ? '' : 's'} · ${row.config.optimize.length}
      optimize + ${row.config.validate.length} validate
      items${row.config.apo ? ` · APO ${row.config.apo.rounds} rounds, beam ${row.config.apo.beam_width}` : ' · no optimizer (Tau mode)'}
      ${o.latest_resources ? html` · latest resources v${o.latest_resources.version} (${o.latest_resources.label})` : nothing}
    </p>
    ${renderStatus(app, shown, counters)} ${renderAlerts(o, shown)} ${renderCounters(counters, s)}
    ${renderBest(app, shown, v.savedBest)}
    <section class="card" aria-label="Queue timeline">${timelineChart(o.timeline)}</section>
    ${renderWorkers(o)} ${s ? renderRounds(s) : nothing}
  </section>`;
}

function renderRunButtons(app: OptimizeApp, v: OptimizeView, shown: Shown): TemplateResult {
  const id = shown.row.run_id;
  const here = v.runningHere.includes(id);
  const live = shown.row.status === 'running' && !shown.interrupted;
  const canResume =
    !here && v.trusted && (shown.row.status === 'failed' || shown.row.status === 'cancelled' || !!shown.interrupted);
  const requested = app.cancelRequested === id;
  return html`${
    here
      ? html`<vscode-button
          secondary
          icon="debug-stop"
          data-testid="cancel"
          ?disabled=${requested}
          @click=${() => app.cancel(id)}
          >${requested ? 'Cancelling…' : 'Cancel'}</vscode-button
        >`
      : nothing
  }
  ${
    canResume
      ? html`<vscode-button
          secondary
          icon="debug-continue"
          data-testid="resume"
          title="Continue the run: rollouts already made are kept"
          @click=${() => app.post({ type: 'optimize/resume', runId: id })}
          >Resume</vscode-button
        >`
      : nothing
  }
  ${live && !here ? html`<span class="hint" data-testid="running-elsewhere">Running in another process (the CLI or another window)</span>` : nothing}`;
}

function renderStatus(app: OptimizeApp, shown: Shown, counters: Counters): TemplateResult {
  const s = shown.snapshot;
  const st = statusOf(shown.row.status, shown.interrupted);
  const running = st.cls === 'running';
  const done = ended(counters);
  const pct = counters.total_rollouts > 0 ? progressPercent(done / counters.total_rollouts) : 0;
  const note =
    app.actionNote &&
    app.actionNote.runId === shown.row.run_id &&
    (app.actionNote.action === 'cancel' || app.actionNote.action === 'resume')
      ? app.actionNote.message
      : '';
  return html`<section class="card" data-testid="status-card" aria-label="Status">
    <div class="status">
      <span class="dot ${st.cls}" aria-hidden="true"></span>
      <strong data-testid="status">${st.text}</strong>
      ${running && s ? html`<span class="hint" data-testid="phase">${PHASE_TEXT[s.phase]}${s.phase === 'apo' ? ` · round ${Math.min(s.rounds.length + 1, s.rounds_total)} of ${s.rounds_total}` : ''}</span>` : nothing}
      <span class="action-note hint" role="status" data-testid="run-action-note">${note}</span>
    </div>
    <div class="progress-numbers">
      <span data-testid="ended"><span class="pct">${done}/${counters.total_rollouts}</span> rollouts ended</span>
      ${running && s && s.etaSeconds !== null ? html`<span data-testid="eta">${etaText(s.etaSeconds)}</span>` : nothing}
      ${s?.detail ? html`<span data-testid="detail">${s.detail}</span>` : nothing}
      <span class="nowrap"
        >started
        ${dateText(shown.row.started_at)}${shown.row.ended_at ? ` · ended ${dateText(shown.row.ended_at)}` : ''}</span
      >
    </div>
    <vscode-progress-bar
      aria-label="Rollouts ended"
      data-testid="progress-bar"
      .value=${pct}
      max="100"
    ></vscode-progress-bar>
    ${
      shown.interrupted
        ? html`<p class="warning-text" data-testid="interrupted">
            Interrupted: ${shown.interrupted}. Resume continues it; its lost attempts are requeued.
          </p>`
        : nothing
    }
    ${shown.row.error ? html`<p class="error-text" role="alert" data-testid="run-error">${shown.row.error}</p>` : nothing}
    ${
      s?.throttle
        ? html`<p class="warning-text" role="status" data-testid="throttle">
            Throttled by ${s.throttle.provider}: ${s.throttle.queued}
            waiting${s.throttle.retryInMs !== null ? `, retrying in ${Math.ceil(s.throttle.retryInMs / 1000)}s` : ''}.
          </p>`
        : nothing
    }
  </section>`;
}

function renderAlerts(o: OptimizeOverview, shown: Shown): TemplateResult {
  const t = o.training;
  return html`<div class="alerts" data-testid="alerts">
    ${o.alerts.map(
      (a) =>
        html`<div
          class="alert ${a.severity === 'error' ? 'error' : a.severity === 'warning' ? 'warn' : ''}"
          role=${a.severity === 'info' ? 'status' : 'alert'}
          data-testid="alert"
          data-code=${a.code}
        >
          <span
            class="codicon codicon-${a.severity === 'error' ? 'error' : a.severity === 'warning' ? 'warning' : 'info'}"
            aria-hidden="true"
          ></span>
          <span><span class="mono alert-code">${a.code}</span> ${a.message}</span>
        </div>`,
    )}
    <p class="hint" data-testid="training-status">
      ${
        t.status_present
          ? html`status.json: <strong>${t.run_state ?? 'unknown'}</strong>, ${t.succeeded} succeeded, ${t.failed}
              failed, ${t.cancelled} cancelled of
              ${t.total_rollouts}${
                t.updated_unix_ms !== null ? ` · updated ${dateText(new Date(t.updated_unix_ms).toISOString())}` : ''
              }`
          : html`No status.json beside the store${shown.row.status === 'running' ? ' yet' : ''}.`
      }
      ${t.diagnostics.length > 0 ? html`<span class="mono" data-testid="diagnostics">${t.diagnostics.join(' · ')}</span>` : nothing}
    </p>
  </div>`;
}

function stat(testId: string, title: string, value: string, sub: string): TemplateResult {
  return html`<div class="stat" data-testid=${testId}>
    <div class="stat-title">${title}</div>
    <div class="stat-value" data-testid=${`${testId}-value`}>${value}</div>
    <div class="stat-sub hint">${sub}</div>
  </div>`;
}

function renderCounters(c: Counters, s: OptimizeRunSnapshot | null): TemplateResult {
  const report = s?.report ?? null;
  const mean = s?.mean_reward ?? report?.mean_reward ?? null;
  return html`<div class="stats" data-testid="counters">
    ${stat('stat-total', 'Rollouts', String(c.total_rollouts), `${c.queuing} queued · ${c.requeuing} requeued`)}
    ${stat('stat-running', 'Running', String(c.running), 'preparing or running')}
    ${stat('stat-succeeded', 'Succeeded', String(c.succeeded), 'scored (any reward)')}
    ${stat('stat-failed', 'Failed', String(c.failed), 'counted, not fatal')}
    ${stat('stat-cancelled', 'Cancelled', String(c.cancelled), '')}
    ${mean ? stat('stat-baseline', 'Initial prompt', reward(mean.validate), `validate · optimize ${reward(mean.optimize)}`) : nothing}
    ${report ? stat('stat-cost', 'Cost', usd(report.cost_usd), `${report.calls} model calls`) : nothing}
  </div>`;
}

function renderWorkers(o: OptimizeOverview): TemplateResult {
  const workers = o.workers;
  return html`<h3 class="section-title" id="workers-h">Workers</h3>
    ${
      workers.length === 0
        ? html`<p class="hint" data-testid="workers-empty">No worker has registered in this store yet.</p>`
        : html`<div class="table-scroll">
            <table class="grid compact" data-testid="workers" aria-labelledby="workers-h">
              <thead>
                <tr>
                  <th scope="col">Worker</th>
                  <th scope="col">Process</th>
                  <th scope="col">Working on</th>
                  <th scope="col" class="num">Last heartbeat</th>
                  <th scope="col">State</th>
                </tr>
              </thead>
              <tbody>
                ${workers.map(
                  (w) =>
                    html`<tr
                      data-testid="worker-row"
                      data-worker-id=${w.worker_id}
                      data-stale=${w.stale ? 'true' : 'false'}
                    >
                      <th scope="row" class="mono">${w.worker_id}</th>
                      <td class="mono">${w.pid}@${w.host}</td>
                      <td class="mono">${w.active_rollout_id ?? (w.stopped_at ? '' : 'idle')}</td>
                      <td class="num" data-testid="worker-age">${w.stopped_at ? '' : ageText(w.heartbeat_age_ms)}</td>
                      <td data-testid="worker-state">
                        ${
                          w.stopped_at
                            ? html`<span class="state stopped">Stopped</span>`
                            : w.stale
                              ? html`<span class="state stale"
                                  ><span class="codicon codicon-warning" aria-hidden="true"></span>Stale: no heartbeat
                                  for ${ageText(w.heartbeat_age_ms).replace(' ago', '')}</span
                                >`
                              : html`<span class="state active"
                                  ><span class="codicon codicon-pulse" aria-hidden="true"></span>Active</span
                                >`
                        }
                      </td>
                    </tr>`,
                )}
              </tbody>
            </table>
          </div>`
    }`;
}
