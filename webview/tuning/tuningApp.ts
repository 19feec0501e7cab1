// The tuning panel's root element: its view state, what it does with each host message, and the config or
// the run view. Connecting, the draft, the estimate and following the run are PanelApp's.
import { html } from 'lit';
import type {
  EstimateParams,
  EstimateResult,
  HostMessage,
  LibraryVersionItem,
  TuningOptions,
  TuningRunView,
  WebviewMessage,
} from '../../src/protocol/tuningPanel';
import { PanelApp } from '../shared/panelApp';
import { applyOptions, emptyDraft, estimateParams, type Draft } from './formState';
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
  // Saved by an earlier (maybe older) webview: every field is unchecked until tested here.
  const v = value as Partial<Record<keyof ViewState, unknown>> | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    v.v === 1 &&
    typeof v.draft === 'object' &&
    v.draft !== null &&
    (v.view === 'config' || v.view === 'run')
  );
}

interface TuningShape {
  state: ViewState;
  draft: Draft;
  formView: 'config';
  estimateInput: EstimateParams;
  estimate: EstimateResult;
  snapshot: TuningRunView;
  post: WebviewMessage;
  receive: HostMessage;
}

export class TuningApp extends PanelApp<TuningShape> {
  options: TuningOptions | null = null;
  versions: LibraryVersionItem[] = [];
  draft: Draft = emptyDraft();
  view: 'config' | 'run' = 'config';
  expanded = new Set<string>();
  libraryOpen = false;
  startPending = false;
  /** Run whose Resume was pressed, until the host answers (the run again, or why it could not go on). */
  resumeRequested: string | null = null;

  protected override restore(saved: ViewState): void {
    this.draft = { ...emptyDraft(), ...saved.draft };
    this.view = saved.view;
    this.runId = saved.runId;
    this.expanded = new Set(saved.expanded);
  }

  protected override viewState(): ViewState {
    return {
      v: 1,
      savedAt: Date.now(),
      draft: this.draft,
      view: this.view,
      runId: this.runId,
      expanded: [...this.expanded],
    };
  }

  protected override estimateInput(): EstimateParams | null {
    return estimateParams(this.draft, this.options);
  }

  protected override estimateRequest(requestId: number, params: EstimateParams): WebviewMessage {
    return { type: 'estimate/compute', requestId, params };
  }

  protected override cancelMessage(runId: string): WebviewMessage {
    return { type: 'tuning/cancel', runId };
  }

  protected override onHostMessage(m: HostMessage): void {
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
          this.draft = {
            ...this.draft,
            baseVersion: {
              id: m.version.id,
              name: m.version.promptName,
              version: m.version.version,
              text: m.version.text,
            },
          };
        }
        break;
      case 'estimate/didCompute':
        if (!this.answerEstimate(m.requestId, m.estimate, m.error)) return;
        break;
      case 'tuning/didFailToStart':
        this.startPending = false;
        this.resumeRequested = null;
        this.startError = m.message;
        break;
      case 'run/didChange':
        if (m.reveal) this.startPending = false;
        if (m.snapshot.runId === this.resumeRequested && (m.reveal || m.snapshot.status === 'running'))
          this.resumeRequested = null;
        this.showRun(m.snapshot, m.reveal);
        if (
          m.snapshot.status !== 'running' &&
          m.snapshot.status !== 'pending' &&
          this.cancelRequested === m.snapshot.runId
        )
          this.cancelRequested = null;
        break;
    }
    this.persist();
    this.requestUpdate();
  }

  /** Asks the host to go on with a stored run; an error comes back as `tuning/didFailToStart`. */
  resume(runId: string): void {
    this.resumeRequested = runId;
    this.startError = null;
    this.post({ type: 'tuning/resume', runId });
    this.requestUpdate();
  }

  toggleExpanded(id: string): void {
    if (this.expanded.has(id)) this.expanded.delete(id);
    else this.expanded.add(id);
    this.persist();
    this.requestUpdate();
  }

  protected override render(): unknown {
    if (!this.options) {
      return html`<h1>Prompt Tuning</h1>
        <p class="hint" role="status">Loading…</p>`;
    }
    if (this.view === 'run') return renderRunView(this);
    return renderConfigView(this);
  }
}

customElements.define('tuning-app', TuningApp);
