// The panel's root element: holds the state, talks to the host, and picks the form or the run view.
// Rendered into the light DOM so the codicon stylesheet and the adopted panel styles apply.
import { LitElement, html } from 'lit';
import type {
  HostMessage,
  LibraryVersionItem,
  ScaleAction,
  ScaleEstimate,
  ScaleOptions,
  ScaleRunSnapshot,
  WebviewMessage,
} from '../../src/protocol/scalePanel';
import { applyOptions, emptyDraft, scaleForm, startBlockers, type Draft } from './formState';
import { newIdempotencyKey, type HostApi } from './hostApi';
import { renderFormView } from './formView';
import { renderRunView } from './runView';

/** What setState keeps: the form draft and view choices, never run data (the host resends that). */
export interface ViewState {
  v: 1;
  /** Date.now() when saved; the newest state wins. */
  savedAt: number;
  draft: Draft;
  view: 'form' | 'run';
  /** Run shown in the run view. */
  runId: string | null;
  /** Failure tag the conversation rows are filtered by; null shows all. */
  filterTag: string | null;
  /** The key of a start not answered yet: a reload resends the same submission, never a second run. */
  pendingKey: string | null;
}

export function isViewState(value: unknown): value is ViewState {
  const v = value as Partial<ViewState> | null;
  return typeof v === 'object' && v !== null && v.v === 1 && typeof v.draft === 'object' && v.draft !== null && (v.view === 'form' || v.view === 'run');
}

export type EstimateState =
  | { status: 'idle' }
  | { status: 'pending' }
  | { status: 'ok'; estimate: ScaleEstimate; text: string }
  | { status: 'error'; message: string };

const ESTIMATE_DEBOUNCE_MS = 250;
const ACTION_NOTE_MS = 6000;

export class ScaleApp extends LitElement {
  host_: HostApi<ViewState> | undefined;
  options: ScaleOptions | null = null;
  versions: LibraryVersionItem[] = [];
  draft: Draft = emptyDraft();
  view: 'form' | 'run' = 'form';
  runId: string | null = null;
  snapshot: ScaleRunSnapshot | null = null;
  estimate: EstimateState = { status: 'idle' };
  filterTag: string | null = null;
  /** Key of the start in flight; Start stays disabled until the host answers. */
  pendingKey: string | null = null;
  startError: string | null = null;
  /** Run whose Cancel was pressed; the button waits for the snapshot that says it stopped. */
  cancelRequested: string | null = null;
  addModelText = '';
  addModelError: string | null = null;
  /** The last finished button action, shown beside the buttons for a few seconds. */
  actionNote: { runId: string; action: ScaleAction; message: string } | null = null;
  private actionTimer: ReturnType<typeof setTimeout> | undefined;
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
      this.filterTag = saved.filterTag ?? null;
      this.pendingKey = saved.pendingKey ?? null;
    }
    this.unsubscribe = host.onMessage((m) => this.onHostMessage(m));
    this.post({ type: 'webview/ready' });
    this.requestUpdate();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.unsubscribe?.();
    clearTimeout(this.estimateTimer);
    clearTimeout(this.actionTimer);
  }

  post(message: WebviewMessage): void {
    this.host_?.post(message);
  }

  get running(): boolean {
    const s = this.snapshot;
    return !!s && (s.status === 'running' || s.status === 'pending');
  }

  private onHostMessage(m: HostMessage): void {
    switch (m.type) {
      case 'options/didChange': {
        const first = this.options === null;
        this.options = m.options;
        this.draft = applyOptions(this.draft, m.options);
        this.formChanged();
        // A start sent before a reload: send the same submission again; the host returns that run, never a second one.
        if (first && this.pendingKey) this.resendPendingStart();
        break;
      }
      case 'library/didChangeVersions':
        this.versions = m.versions;
        this.formChanged();
        break;
      case 'estimate/didCompute':
        if (m.requestId !== this.estimateRequestId) return; // an answer to an older form
        this.estimate = m.estimate
          ? { status: 'ok', estimate: m.estimate, text: m.text ?? '' }
          : { status: 'error', message: m.error ?? 'The estimate could not be computed.' };
        break;
      case 'scale/didFailToStart':
        if (m.idempotencyKey !== this.pendingKey) return;
        this.pendingKey = null;
        this.startError = m.message;
        break;
      case 'run/didChange':
        if (m.reveal) {
          this.view = 'run';
          if (this.runId !== m.snapshot.runId) this.filterTag = null;
          this.runId = m.snapshot.runId;
          if (this.pendingKey && m.snapshot.idempotencyKey === this.pendingKey) this.pendingKey = null;
          this.startError = null;
          window.scrollTo(0, 0);
        }
        if (m.reveal || m.snapshot.runId === this.runId || this.snapshot?.runId === m.snapshot.runId || !this.snapshot) {
          this.snapshot = m.snapshot;
        }
        if (this.pendingKey && m.snapshot.idempotencyKey === this.pendingKey) this.pendingKey = null;
        if (!this.running && this.cancelRequested === m.snapshot.runId) this.cancelRequested = null;
        break;
      case 'action/didComplete':
        this.actionNote = { runId: m.runId, action: m.action, message: m.message };
        clearTimeout(this.actionTimer);
        this.actionTimer = setTimeout(() => {
          this.actionNote = null;
          this.requestUpdate();
        }, ACTION_NOTE_MS);
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
    const form = scaleForm(this.draft, this.options);
    const key = form ? JSON.stringify(form) : '';
    if (key === this.lastEstimateKey) return;
    this.lastEstimateKey = key;
    clearTimeout(this.estimateTimer);
    if (!form) {
      this.estimateRequestId++; // any answer still on its way is now stale
      this.estimate = { status: 'idle' };
      return;
    }
    this.estimate = { status: 'pending' };
    this.estimateTimer = setTimeout(() => {
      this.post({ type: 'estimate/compute', requestId: ++this.estimateRequestId, form });
    }, ESTIMATE_DEBOUNCE_MS);
  }

  /** Start: one new key per submission; the button stays disabled until the host answers. */
  start(): void {
    if (this.pendingKey || startBlockers(this.draft, this.options, this.versions).length > 0) return;
    const form = scaleForm(this.draft, this.options);
    if (!form) return;
    this.pendingKey = newIdempotencyKey();
    this.startError = null;
    this.post({ type: 'scale/start', idempotencyKey: this.pendingKey, form });
    this.persist();
    this.requestUpdate();
  }

  private resendPendingStart(): void {
    const form = scaleForm(this.draft, this.options);
    if (form && this.pendingKey) this.post({ type: 'scale/start', idempotencyKey: this.pendingKey, form });
    else this.pendingKey = null;
  }

  cancel(runId: string): void {
    this.cancelRequested = runId;
    this.post({ type: 'scale/cancel', runId });
    this.requestUpdate();
  }

  setFilter(tag: string | null): void {
    this.filterTag = this.filterTag === tag ? null : tag;
    this.persist();
    this.requestUpdate();
  }

  showView(view: 'form' | 'run'): void {
    this.view = view;
    if (view === 'run' && this.snapshot) this.runId = this.snapshot.runId;
    this.persist();
    this.requestUpdate();
    window.scrollTo(0, 0);
  }

  persist(): void {
    this.host_?.setState({
      v: 1,
      savedAt: Date.now(),
      draft: this.draft,
      view: this.view,
      runId: this.runId,
      filterTag: this.filterTag,
      pendingKey: this.pendingKey,
    });
  }

  protected override render(): unknown {
    if (!this.options) {
      return html`<main><h1>Scale Test</h1><p class="hint" role="status">Loading…</p></main>`;
    }
    return html`<main>${this.view === 'run' && this.snapshot ? renderRunView(this, this.snapshot) : renderFormView(this)}</main>`;
  }
}

customElements.define('scale-app', ScaleApp);
