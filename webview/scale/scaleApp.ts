// The scale panel's root element: its view state, what it does with each host message, a start with its
// idempotency key, the failure filter, and the form or the run view. Connecting, the draft, the estimate and
// following the run are PanelApp's.
import { html } from 'lit';
import type {
  HostMessage,
  LibraryVersionItem,
  ScaleAction,
  ScaleEstimate,
  ScaleForm,
  ScaleOptions,
  ScaleRunSnapshot,
  WebviewMessage,
} from '../../src/protocol/scalePanel';
import { ActionNotes, type ActionNote } from '../shared/actionNote';
import { PanelApp } from '../shared/panelApp';
import { newIdempotencyKey } from '../shared/vscodeApi';
import { applyOptions, emptyDraft, scaleForm, startBlockers, type Draft } from './formState';
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
  // Saved by an earlier (maybe older) webview: every field is unchecked until tested here.
  const v = value as Partial<Record<keyof ViewState, unknown>> | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    v.v === 1 &&
    typeof v.draft === 'object' &&
    v.draft !== null &&
    (v.view === 'form' || v.view === 'run')
  );
}

interface ScaleShape {
  state: ViewState;
  draft: Draft;
  formView: 'form';
  estimateInput: ScaleForm;
  estimate: { estimate: ScaleEstimate; text: string };
  snapshot: ScaleRunSnapshot;
  post: WebviewMessage;
  receive: HostMessage;
}

export class ScaleApp extends PanelApp<ScaleShape> {
  options: ScaleOptions | null = null;
  versions: LibraryVersionItem[] = [];
  draft: Draft = emptyDraft();
  view: 'form' | 'run' = 'form';
  filterTag: string | null = null;
  /** Key of the start in flight; Start stays disabled until the host answers. */
  pendingKey: string | null = null;
  private readonly notes = new ActionNotes<ScaleAction>(this);

  /** The last finished button action, shown beside the buttons for a few seconds. */
  get actionNote(): ActionNote<ScaleAction> | null {
    return this.notes.current;
  }

  protected override restore(saved: ViewState): void {
    this.draft = { ...emptyDraft(), ...saved.draft };
    this.view = saved.view;
    this.runId = saved.runId;
    this.filterTag = saved.filterTag ?? null;
    this.pendingKey = saved.pendingKey ?? null;
  }

  protected override viewState(): ViewState {
    return {
      v: 1,
      savedAt: Date.now(),
      draft: this.draft,
      view: this.view,
      runId: this.runId,
      filterTag: this.filterTag,
      pendingKey: this.pendingKey,
    };
  }

  protected override estimateInput(): ScaleForm | null {
    return scaleForm(this.draft, this.options);
  }

  protected override estimateRequest(requestId: number, form: ScaleForm): WebviewMessage {
    return { type: 'estimate/compute', requestId, form };
  }

  protected override cancelMessage(runId: string): WebviewMessage {
    return { type: 'scale/cancel', runId };
  }

  protected override onHostMessage(m: HostMessage): void {
    switch (m.type) {
      case 'options/didChange': {
        const first = this.options === null;
        this.options = m.options;
        this.draft = applyOptions(this.draft, m.options);
        // Run Scale Test on an agent file (the explorer) asks for the form with that agent, even over a run shown.
        const preselect = m.options.preselectAgentFile;
        if (preselect && m.options.agents.some((a) => a.file === preselect)) this.view = 'form';
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
        if (
          !this.answerEstimate(m.requestId, m.estimate ? { estimate: m.estimate, text: m.text ?? '' } : null, m.error)
        )
          return;
        break;
      case 'scale/didFailToStart':
        if (m.idempotencyKey !== this.pendingKey) return;
        this.pendingKey = null;
        this.startError = m.message;
        break;
      case 'run/didChange':
        if (m.reveal && this.runId !== m.snapshot.runId) this.filterTag = null;
        this.showRun(m.snapshot, m.reveal);
        if (m.reveal) window.scrollTo(0, 0);
        if (this.pendingKey && m.snapshot.idempotencyKey === this.pendingKey) this.pendingKey = null;
        if (!this.running && this.cancelRequested === m.snapshot.runId) this.cancelRequested = null;
        break;
      case 'action/didComplete':
        this.notes.show({ runId: m.runId, action: m.action, message: m.message });
        break;
    }
    this.persist();
    this.requestUpdate();
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

  setFilter(tag: string | null): void {
    this.filterTag = this.filterTag === tag ? null : tag;
    this.persist();
    this.requestUpdate();
  }

  protected override render(): unknown {
    if (!this.options) {
      return html`<main>
        <h1>Scale Test</h1>
        <p class="hint" role="status">Loading…</p>
      </main>`;
    }
    return html`<main>
      ${this.view === 'run' && this.snapshot ? renderRunView(this, this.snapshot) : renderFormView(this)}
    </main>`;
  }
}

customElements.define('scale-app', ScaleApp);
