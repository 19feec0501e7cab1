// What every panel's root element does to talk to its host: connect (restore the view state, listen, then say
// ready: the host posts nothing before), post, a Cancel that waits until the run stops, and save the view state.
// Rendered into the light DOM so the codicon stylesheet and the adopted panel styles apply.
import { LitElement } from 'lit';
import type { HostApi } from './vscodeApi';

export abstract class HostedApp<S, Post extends { type: string }, Receive extends { type: string }> extends LitElement {
  host_: HostApi<S, Post, Receive> | undefined;
  /** Run shown. */
  runId: string | null = null;
  /** Run whose Cancel was pressed; the button waits until the host says it stopped. */
  cancelRequested: string | null = null;
  private unsubscribe: (() => void) | undefined;

  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  /** Puts a saved view state back (draft, view, run…). */
  protected abstract restore(saved: S): void;
  /** The view state to save now. */
  protected abstract viewState(): S;
  protected abstract onHostMessage(m: Receive): void;
  /** The message that cancels this run. */
  protected abstract cancelMessage(runId: string): Post;
  /** What the panel tells the host right after ready (a reloaded panel's choices the host cannot know). */
  protected afterReady(): void {}

  /** Connects to the host: restores the view state, listens, then says ready (the host posts nothing before). */
  connect(host: HostApi<S, Post, Receive>): void {
    this.host_ = host;
    const saved = host.getState();
    if (saved) this.restore(saved);
    this.unsubscribe = host.onMessage((m) => this.onHostMessage(m));
    host.post({ type: 'webview/ready' });
    this.afterReady();
    this.requestUpdate();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.unsubscribe?.();
  }

  post(message: Post): void {
    this.host_?.post(message);
  }

  cancel(runId: string): void {
    this.cancelRequested = runId;
    this.post(this.cancelMessage(runId));
    this.requestUpdate();
  }

  persist(): void {
    this.host_?.setState(this.viewState());
  }
}
