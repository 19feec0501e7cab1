// The panel's root element: holds the state, talks to the host, and picks the config or the run view.
// Rendered into the light DOM so the codicon stylesheet and the adopted panel styles apply.
import { LitElement, html } from 'lit';
import type { HostMessage, LibraryVersionItem, TuneRunSnapshot, TuningOptions, WebviewMessage } from '../../src/protocol/tuningPanel';
import { applyOptions, emptyDraft, estimateParams, type Draft } from './formState';
import type { HostApi } from './vscodeApi';
import { renderConfigView } from './configView';
import { renderRunView } from './runView';

/** What setState keeps: the form draft and view choices, never run data (the host resends that). */
export interface ViewState {
  v: 1;
  /** Date.now() when saved; the newest state wins. */
  savedAt: number;
  draft: Draft;
  view: 'config' | 'run';
  /** Run shown in the run view. */
  runId: string | null;
  /** Ids of expanded prompt texts (candidates, `best:<runId>`). */
  expanded: string[];
}

export function isViewState(value: unknown): value is ViewState {
  const v = value as Partial<ViewState> | null;
  return typeof v === 'object' && v !== null && v.v === 1 && typeof v.draft === 'object' && v.draft !== null && (v.view === 'config' || v.view === 'run');
}

export type EstimateState =
  | { status: 'idle' }
  | { status: 'pending' }
  | { status: 'ok'; calls: number; seconds: number; warning: string | null; assumedDefaultLatency: boolean }
  | { status: 'error'; message: string };

const ESTIMATE_DEBOUNCE_MS = 250;

export class TuningApp extends LitElement {
  host_: HostApi<ViewState> | undefined;
  options: TuningOptions | null = null;
  versions: LibraryVersionItem[] = [];
  draft: Draft = emptyDraft();
  view: 'config' | 'run' = 'config';
  runId: string | null = null;
  snapshot: TuneRunSnapshot | null = null;
  expanded = new Set<string>();
  estimate: EstimateState = { status: 'idle' };
  libraryOpen = false;
  startPending = false;
  /** Run whose Cancel was pressed; the button waits for the snapshot that says it stopped. */
  cancelRequested: string | null = null;
  startError: string | null = null;
  addModelText = '';
  addModelError: string | null = null;
  private estimateTimer: ReturnType<typeof setTimeout> | undefined;
  private estimateRequestId = 0;
  private lastEstimateKey = '';
  private unsubscribe: (() => void) | undefined;

  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  /** Connects to the host: restores the view state, listens, then says ready (the host posts nothing before). */
  connect(host: HostApi<ViewState>): void {
    this.host_ = host;
    const saved = host.getState();
    if (saved) {
      this.draft = { ...emptyDraft(), ...saved.draft };
      this.view = saved.view;
      this.runId = saved.runId;
      this.expanded = new Set(saved.expanded);
    }
    this.unsubscribe = host.onMessage((m) => this.onHostMessage(m));
    this.post({ type: 'webview/ready' });
    this.requestUpdate();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.unsubscribe?.();
    clearTimeout(this.estimateTimer);
  }

  post(message: WebviewMessage): void {
    this.host_?.post(message);
  }

  private onHostMessage(m: HostMessage): void {
    switch (m.type) {
      case 'options/didChange':
        this.options = m.options;
        this.draft = applyOptions(this.draft, m.options);
        this.formChanged();
        break;
      case 'library/didChangeVersions':
        this.versions = m.versions;
        break;
      case 'library/didSaveBasePrompt':
        if (m.version.text === this.draft.basePrompt) {
          this.draft = { ...this.draft, baseVersion: { id: m.version.id, name: m.version.promptName, version: m.version.version, text: m.version.text } };
        }
        break;
      case 'estimate/didCompute':
        if (m.requestId !== this.estimateRequestId) return; // an answer to an older form
        this.estimate = m.estimate ? { status: 'ok', ...m.estimate } : { status: 'error', message: m.error ?? 'The estimate could not be computed.' };
        break;
      case 'tuning/didFailToStart':
        this.startPending = false;
        this.startError = m.message;
        break;
      case 'run/didChange':
        if (m.reveal) {
          this.view = 'run';
          this.runId = m.snapshot.runId;
          this.startPending = false;
          this.startError = null;
        }
        if (m.reveal || m.snapshot.runId === this.runId || this.snapshot?.runId === m.snapshot.runId || !this.snapshot) {
          this.snapshot = m.snapshot;
        }
        if (m.snapshot.status !== 'running' && m.snapshot.status !== 'pending' && this.cancelRequested === m.snapshot.runId) this.cancelRequested = null;
        break;
    }
    this.persist();
    this.requestUpdate();
  }

  /** Merge a change into the draft, save it, re-render, and re-estimate when the estimate inputs changed. */
  updateDraft(patch: Partial<Draft>): void {
    this.draft = { ...this.draft, ...patch };
    this.startError = null;
    this.formChanged();
    this.persist();
    this.requestUpdate();
  }

  private formChanged(): void {
    const params = estimateParams(this.draft, this.options);
    const key = params ? JSON.stringify(params) : '';
    if (key === this.lastEstimateKey) return;
    this.lastEstimateKey = key;
    clearTimeout(this.estimateTimer);
    if (!params) {
      this.estimateRequestId++; // any answer still on its way is now stale
      this.estimate = { status: 'idle' };
      return;
    }
    this.estimate = { status: 'pending' };
    this.estimateTimer = setTimeout(() => {
      this.post({ type: 'estimate/compute', requestId: ++this.estimateRequestId, params });
    }, ESTIMATE_DEBOUNCE_MS);
  }

  toggleExpanded(id: string): void {
    if (this.expanded.has(id)) this.expanded.delete(id);
    else this.expanded.add(id);
    this.persist();
    this.requestUpdate();
  }

  showView(view: 'config' | 'run'): void {
    this.view = view;
    if (view === 'run' && this.snapshot) this.runId = this.snapshot.runId;
    this.persist();
    this.requestUpdate();
    window.scrollTo(0, 0);
  }

  persist(): void {
    this.host_?.setState({ v: 1, savedAt: Date.now(), draft: this.draft, view: this.view, runId: this.runId, expanded: [...this.expanded] });
  }

  protected override render(): unknown {
    if (!this.options) {
      return html`<h1>Prompt Tuning</h1><p class="hint" role="status">Loading…</p>`;
    }
    if (this.view === 'run') return renderRunView(this);
    return renderConfigView(this);
  }
}

customElements.define('tuning-app', TuningApp);
