// What every panel's root element does alike: it connects to the host (restores the view state, listens, then
// says ready: the host posts nothing before), keeps the form draft and asks for a debounced estimate when the
// estimate's inputs change, follows the run the host shows, and saves the view state with setState.
// Rendered into the light DOM so the codicon stylesheet and the adopted panel styles apply.
import { LitElement } from 'lit';
import type { PanelRunSnapshot } from '../../src/protocol/panelMessages';
import type { HostApi } from './vscodeApi';

/** The estimate box: T is what a computed estimate shows. */
export type EstimateState<T extends object> =
  | { status: 'idle' }
  | { status: 'pending' }
  | ({ status: 'ok' } & T)
  | { status: 'error'; message: string };

/** The types one panel is made of. */
export interface PanelShape {
  /** What setState keeps (never run data: the host resends that). */
  state: unknown;
  /** The form as the user left it. */
  draft: object;
  /** The view beside the run view: the form. */
  formView: string;
  /** What an estimate request carries. */
  estimateInput: unknown;
  /** What a computed estimate shows. */
  estimate: object;
  /** The run snapshot the run view draws. */
  snapshot: PanelRunSnapshot;
  /** Messages the webview posts. */
  post: { type: string };
  /** Messages the host posts. */
  receive: { type: string };
}

const ESTIMATE_DEBOUNCE_MS = 250;

export abstract class PanelApp<P extends PanelShape> extends LitElement {
  host_: HostApi<P['state'], P['post'], P['receive']> | undefined;
  abstract draft: P['draft'];
  abstract view: P['formView'] | 'run';
  /** Run shown in the run view. */
  runId: string | null = null;
  snapshot: P['snapshot'] | null = null;
  estimate: EstimateState<P['estimate']> = { status: 'idle' };
  startError: string | null = null;
  /** Run whose Cancel was pressed; the button waits for the snapshot that says it stopped. */
  cancelRequested: string | null = null;
  addModelText = '';
  addModelError: string | null = null;
  private estimateTimer: ReturnType<typeof setTimeout> | undefined;
  private estimateRequestId = 0;
  private lastEstimateKey = '';
  private unsubscribe: (() => void) | undefined;

  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  /** Puts a saved view state back (draft, view, run…). */
  protected abstract restore(saved: P['state']): void;
  /** The view state to save now. */
  protected abstract viewState(): P['state'];
  protected abstract onHostMessage(m: P['receive']): void;
  /** What the estimate depends on; null while it cannot be computed (the box says what is missing). */
  protected abstract estimateInput(): P['estimateInput'] | null;
  /** The `estimate/compute` message for this input. */
  protected abstract estimateRequest(requestId: number, input: P['estimateInput']): P['post'];
  /** The message that cancels this run. */
  protected abstract cancelMessage(runId: string): P['post'];

  /** Connects to the host: restores the view state, listens, then says ready (the host posts nothing before). */
  connect(host: HostApi<P['state'], P['post'], P['receive']>): void {
    this.host_ = host;
    const saved = host.getState();
    if (saved) this.restore(saved);
    this.unsubscribe = host.onMessage((m) => this.onHostMessage(m));
    host.post({ type: 'webview/ready' });
    this.requestUpdate();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.unsubscribe?.();
    clearTimeout(this.estimateTimer);
  }

  post(message: P['post']): void {
    this.host_?.post(message);
  }

  get running(): boolean {
    const s = this.snapshot;
    return !!s && (s.status === 'running' || s.status === 'pending');
  }

  /** Merge a change into the draft, save it, re-render, and re-estimate when the estimate inputs changed. */
  updateDraft(patch: Partial<P['draft']>): void {
    this.draft = { ...this.draft, ...patch };
    this.startError = null;
    this.formChanged();
    this.persist();
    this.requestUpdate();
  }

  protected formChanged(): void {
    const input = this.estimateInput();
    const key = input !== null ? JSON.stringify(input) : '';
    if (key === this.lastEstimateKey) return;
    this.lastEstimateKey = key;
    clearTimeout(this.estimateTimer);
    if (input === null) {
      this.estimateRequestId++; // any answer still on its way is now stale
      this.estimate = { status: 'idle' };
      return;
    }
    this.estimate = { status: 'pending' };
    this.estimateTimer = setTimeout(() => {
      this.post(this.estimateRequest(++this.estimateRequestId, input));
    }, ESTIMATE_DEBOUNCE_MS);
  }

  /** Takes the host's answer to an estimate request; false (and nothing changes) for an answer to an older form. */
  protected answerEstimate(requestId: number, estimate: P['estimate'] | null, error: string | null): boolean {
    if (requestId !== this.estimateRequestId) return false;
    this.estimate = estimate ? { status: 'ok', ...estimate } : { status: 'error', message: error ?? 'The estimate could not be computed.' };
    return true;
  }

  /** Takes a run snapshot: a revealed one switches to the run view; others update the run shown (or the first one). */
  protected showRun(snapshot: P['snapshot'], reveal: boolean): void {
    if (reveal) {
      this.view = 'run';
      this.runId = snapshot.runId;
      this.startError = null;
    }
    if (reveal || snapshot.runId === this.runId || this.snapshot?.runId === snapshot.runId || !this.snapshot) {
      this.snapshot = snapshot;
    }
  }

  cancel(runId: string): void {
    this.cancelRequested = runId;
    this.post(this.cancelMessage(runId));
    this.requestUpdate();
  }

  showView(view: P['formView'] | 'run'): void {
    this.view = view;
    if (view === 'run' && this.snapshot) this.runId = this.snapshot.runId;
    this.persist();
    this.requestUpdate();
    window.scrollTo(0, 0);
  }

  persist(): void {
    this.host_?.setState(this.viewState());
  }
}
