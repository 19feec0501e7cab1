// What the panels with a form and a run view do alike, on top of HostedApp's talking to the host: keep the
// form draft and ask for a debounced estimate when the estimate's inputs change, and follow the run the host shows.
import type { PanelRunSnapshot } from '../../src/protocol/panelMessages';
import { HostedApp } from './hostedApp';

/** The estimate box: T is what a computed estimate shows. */
export type EstimateState<T extends object> =
  { status: 'idle' } | { status: 'pending' } | ({ status: 'ok' } & T) | { status: 'error'; message: string };

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

export abstract class PanelApp<P extends PanelShape> extends HostedApp<P['state'], P['post'], P['receive']> {
  abstract draft: P['draft'];
  abstract view: P['formView'] | 'run';
  snapshot: P['snapshot'] | null = null;
  estimate: EstimateState<P['estimate']> = { status: 'idle' };
  startError: string | null = null;
  addModelText = '';
  addModelError: string | null = null;
  private estimateTimer: ReturnType<typeof setTimeout> | undefined;
  private estimateRequestId = 0;
  private lastEstimateKey = '';

  /** What the estimate depends on; null while it cannot be computed (the box says what is missing). */
  protected abstract estimateInput(): P['estimateInput'] | null;
  /** The `estimate/compute` message for this input. */
  protected abstract estimateRequest(requestId: number, input: P['estimateInput']): P['post'];

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    clearTimeout(this.estimateTimer);
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
    this.estimate = estimate
      ? { status: 'ok', ...estimate }
      : { status: 'error', message: error ?? 'The estimate could not be computed.' };
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

  showView(view: P['formView'] | 'run'): void {
    this.view = view;
    if (view === 'run' && this.snapshot) this.runId = this.snapshot.runId;
    this.persist();
    this.requestUpdate();
    window.scrollTo(0, 0);
  }
}
