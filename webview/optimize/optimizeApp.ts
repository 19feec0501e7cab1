// The prompt-optimization panel's root element: its view state (the run selected), what it does with each
// host message, and the page: header, store state, runs list and the selected run. Connecting, posting and
// Cancel are HostedApp's.
import { html, nothing, type TemplateResult } from 'lit';
import type { HostMessage, OptimizeAction, OptimizeView, WebviewMessage } from '../../src/protocol/optimizePanel';
import { ActionNotes, type ActionNote } from '../shared/actionNote';
import { HostedApp } from '../shared/hostedApp';
import { renderRunsList, renderRunView } from './runView';

/** What setState keeps: the selected run, never store data (the host resends that). */
export interface ViewState {
  v: 1;
  /** Date.now() when saved; the newest state wins. */
  savedAt: number;
  /** Run shown; null: the newest. */
  runId: string | null;
}

export function isViewState(value: unknown): value is ViewState {
  const v = value as Partial<ViewState> | null;
  return typeof v === 'object' && v !== null && v.v === 1 && (v.runId === null || typeof v.runId === 'string');
}

export class OptimizeApp extends HostedApp<ViewState, WebviewMessage, HostMessage> {
  view: OptimizeView | null = null;
  private readonly notes = new ActionNotes<OptimizeAction>(this);

  /** The last finished button action, shown beside the buttons for a few seconds. */
  get actionNote(): ActionNote<OptimizeAction> | null {
    return this.notes.current;
  }

  protected override restore(saved: ViewState): void {
    this.runId = saved.runId;
  }

  protected override viewState(): ViewState {
    return { v: 1, savedAt: Date.now(), runId: this.runId };
  }

  protected override cancelMessage(runId: string): WebviewMessage {
    return { type: 'optimize/cancel', runId };
  }

  protected override afterReady(): void {
    // The host knows which run a reloaded panel showed only from here.
    if (this.runId) this.post({ type: 'run/show', runId: this.runId });
  }

  protected override onHostMessage(m: HostMessage): void {
    switch (m.type) {
      case 'overview/didChange': {
        this.view = m.view;
        if (m.reveal) this.runId = m.reveal;
        const shown = m.view.overview?.run?.row.run_id ?? null;
        // The host reads the run asked for; a run deleted from the store falls back to the newest.
        if (shown && (this.runId === null || m.reveal || !m.view.overview?.runs.some((r) => r.run_id === this.runId)))
          this.runId = shown;
        if (this.cancelRequested && !m.view.runningHere.includes(this.cancelRequested)) this.cancelRequested = null;
        break;
      }
      case 'action/didComplete':
        this.notes.show({ runId: m.runId, action: m.action, message: m.message });
        break;
    }
    this.persist();
    this.requestUpdate();
  }

  /** Shows another run (the host reads it and answers with the overview). */
  selectRun(runId: string): void {
    if (runId === this.runId) return;
    this.runId = runId;
    this.persist();
    this.post({ type: 'run/show', runId });
    this.requestUpdate();
  }

  private renderHeader(v: OptimizeView | null): TemplateResult {
    return html`<div class="row header">
        <h1>Prompt Optimization</h1>
        <span class="spacer"></span>
        <vscode-button
          icon="play"
          data-testid="run-optimization"
          ?disabled=${v !== null && !v.trusted}
          @click=${() => this.post({ type: 'optimize/start' })}
          >Run Prompt Optimization</vscode-button
        >
        <vscode-button
          secondary
          icon="folder-opened"
          data-testid="pick-store"
          @click=${() => this.post({ type: 'store/pick' })}
          >Open Store…</vscode-button
        >
        <vscode-button
          secondary
          icon="refresh"
          data-testid="refresh"
          @click=${() => this.post({ type: 'overview/refresh' })}
          >Refresh</vscode-button
        >
      </div>
      ${v ? html`<p class="hint store-path" data-testid="store-path">Store <span class="mono">${v.storePath}</span></p>` : nothing}
      ${
        v && !v.trusted
          ? html`<p class="warning-text" role="status" data-testid="untrusted">
              Runs are off in an untrusted workspace: trust the workspace to run or resume one.
            </p>`
          : nothing
      }`;
  }

  protected override render(): unknown {
    const v = this.view;
    if (!v)
      return html`<main>
        ${this.renderHeader(null)}
        <p class="hint" role="status">Loading…</p>
      </main>`;
    if (!v.exists) {
      return html`<main>
        ${this.renderHeader(v)}
        <section class="card empty" data-testid="no-store">
          <h2>No runs yet</h2>
          <p>
            There is no prompt-optimization store at this path. <strong>Run Prompt Optimization</strong> on a config (a
            <span class="mono">*prompt-optimization*.json</span> or <span class="mono">*.optimize.json</span> file)
            creates it; the command line's <span class="mono">prompt-tuner optimize run</span> writes the same store.
          </p>
        </section>
      </main>`;
    }
    if (v.error || !v.overview) {
      return html`<main>
        ${this.renderHeader(v)}
        <div class="alert error" role="alert" data-testid="store-error">
          <span class="codicon codicon-error" aria-hidden="true"></span
          ><span>The store could not be read: ${v.error ?? 'unknown reason'}</span>
        </div>
      </main>`;
    }
    const o = v.overview;
    return html`<main>
      ${this.renderHeader(v)}
      ${
        o.runs.length === 0
          ? html`<section class="card empty" data-testid="no-runs"><p>This store has no runs yet.</p></section>`
          : html`${renderRunsList(this, o)} ${o.run ? renderRunView(this, v, o) : nothing}`
      }
    </main>`;
  }
}

customElements.define('optimize-app', OptimizeApp);
