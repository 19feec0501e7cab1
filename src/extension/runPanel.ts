// What every form-and-run WebviewPanel does alike: HTML with a strict CSP, the ready handshake, the newest
// message of each type kept while the webview is hidden or reloading, the run it follows, the library versions
// it offers, and every webview message validated before it is acted on. A panel (tuning, scale) adds its
// options and its messages. Closing a panel stops nothing: its service owns the jobs.
import * as vscode from 'vscode';
import type { LibraryDidChangeVersions, PanelRunSnapshot, RunDidChange } from '../protocol/panelMessages';
import { libraryItems } from './formOptions';
import type { HostContext } from './hostContext';
import { LatestByType } from './latestByType';
import { panelColumn, postOrKeep, reportPanelFailure, setUpPanel, webviewOptions } from './panelHost';
import type { WebviewPage } from './webviewHtml';

export { messageOf } from './panelHost';

/** The service behind a panel: it owns the runs, so the panel only follows one. */
export interface RunSource<S> {
  /** Every snapshot of every run of this window, as it changes. */
  readonly onDidChangeRun: vscode.Event<S>;
  /** The run's snapshot, live or stored; undefined when the store does not know it. */
  snapshot(runId: string): Promise<S | undefined>;
  /** The run last started in this window; null when none. */
  lastRun(): string | null;
}

/** What names one panel kind and checks what its webview posts. */
export interface RunPanelKind<W> {
  page: WebviewPage;
  /** "Tuning", "Scale": names the panel and its runs in the log. */
  noun: string;
  /** The panel's protocol check (parseWebviewMessage). */
  parse(raw: unknown): { ok: true; message: W } | { ok: false; error: string };
}

/** The run a new panel shows first. */
export interface FirstRun {
  /** Run to show; null: only the form. */
  runId: string | null;
  /** Switch the webview to the run view on the next snapshot (a run was opened from a command). */
  reveal: boolean;
  /** With no run given, show the run last started in this window (running, or finished while the panel was closed). */
  orLastRun: boolean;
}

/** What the panel restores after a reload: the webview's own setState value. */
export function runIdOfState(state: unknown): string | null {
  const s = state as { view?: unknown; runId?: unknown } | null | undefined;
  return s && s.view === 'run' && typeof s.runId === 'string' ? s.runId : null;
}

/** Host messages the shared plumbing posts itself. */
type SharedHostMessage<S> = RunDidChange<S> | LibraryDidChangeVersions;

// Narrows a queued message of a panel's (generic) host union to the run snapshot it is.
function isRunDidChange<S>(m: { type: string }): m is RunDidChange<S> {
  return m.type === 'run/didChange';
}

export abstract class RunPanel<H extends { type: string }, W extends { type: string }, S extends PanelRunSnapshot>
  implements vscode.Disposable
{
  protected static webviewOptions(ctx: HostContext): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    return webviewOptions(ctx);
  }

  /** A new panel of this kind beside the active editor. */
  protected static createPanel(ctx: HostContext, page: WebviewPage): vscode.WebviewPanel {
    return vscode.window.createWebviewPanel(page.viewType, page.title, RunPanel.column(), RunPanel.webviewOptions(ctx));
  }

  protected static column(): vscode.ViewColumn {
    return panelColumn();
  }

  private ready = false;
  private readonly pending = new LatestByType<H | SharedHostMessage<S>>();
  private readonly disposables: vscode.Disposable[] = [];
  private storeListener: (() => void) | undefined;
  private versionsTimer: ReturnType<typeof setTimeout> | undefined;
  /** The run this panel shows; null while it shows only the form. */
  protected runId: string | null;
  /** Switch the webview to the run view on the next snapshot. */
  private revealRun: boolean;

  protected constructor(
    private readonly kind: RunPanelKind<W>,
    readonly panel: vscode.WebviewPanel,
    protected readonly ctx: HostContext,
    private readonly runs: RunSource<S>,
    first: FirstRun,
  ) {
    this.runId = first.runId;
    this.revealRun = first.reveal;
    if (!this.runId && first.orLastRun && runs.lastRun()) {
      this.runId = runs.lastRun();
      this.revealRun = true;
    }
    setUpPanel(panel, ctx, kind.page);
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      panel.webview.onDidReceiveMessage((raw: unknown) => void this.onMessage(raw)),
      // A hidden webview is torn down (no retained context): it says ready again when shown.
      panel.onDidChangeViewState(() => {
        if (!panel.visible) this.ready = false;
      }),
      runs.onDidChangeRun((s) => {
        if (s.runId === this.runId) this.postRun(s);
      }),
      // A new active context changes what the form offers (tuning: the base prompt of a form not edited yet).
      ctx.activeContext.onDidChange(() => void this.sendOptions().catch((e: unknown) => this.fail('Options', e))),
    );
  }

  /** Posts the form's options (whole) to the webview. */
  protected abstract sendOptions(): Promise<void>;

  /** Acts on a validated message other than the ready handshake and the refresh request. */
  protected abstract handle(m: W): Promise<void>;

  /** Posts now when the webview listens, else keeps it as the newest of its type until it does. */
  post(message: H | SharedHostMessage<S>): void {
    postOrKeep(this.panel, this.ready && this.panel.visible, this.pending, message);
  }

  private flush(): void {
    for (const m of this.pending.drain()) this.post(m);
  }

  protected postRun(snapshot: S): void {
    const reveal = this.revealRun;
    // Reveal stays pending until the webview listens, so a queued snapshot still switches the view.
    if (this.ready && this.panel.visible) this.revealRun = false;
    // A newer snapshot replaces a queued one but must not drop its request to switch views.
    const queued = this.pending.get('run/didChange');
    const queuedReveal = queued !== undefined && isRunDidChange<S>(queued) && queued.reveal;
    this.post({ type: 'run/didChange', snapshot, reveal: reveal || queuedReveal });
  }

  /** Shows another run in this panel. */
  follow(runId: string, reveal: boolean): void {
    this.runId = runId;
    this.revealRun = reveal;
    void this.sendRun();
  }

  /** Shows a run this panel just started (its first snapshot), switching to the run view. */
  protected showStarted(snapshot: S): void {
    this.runId = snapshot.runId;
    this.revealRun = true;
    this.postRun(snapshot);
  }

  protected async sendRun(): Promise<void> {
    if (!this.runId) return;
    const s = await this.runs.snapshot(this.runId);
    if (s) this.postRun(s);
    else this.ctx.log.warn(`${this.kind.noun} run ${this.runId} was not found in the store`);
  }

  protected async sendVersions(): Promise<void> {
    const library = await this.ctx.getLibrary();
    this.post({ type: 'library/didChangeVersions', versions: libraryItems(library) });
    if (!this.storeListener) {
      const store = await this.ctx.getStore();
      // Saves from the tree, the CLI or another window show up in the form's library choices too.
      this.storeListener = store.onDidChange(() => {
        clearTimeout(this.versionsTimer);
        this.versionsTimer = setTimeout(
          () => void this.sendVersions().catch((e: unknown) => this.fail('Library', e)),
          300,
        );
      });
    }
  }

  private async onMessage(raw: unknown): Promise<void> {
    const parsed = this.kind.parse(raw);
    if (!parsed.ok) {
      this.ctx.log.warn(`${this.kind.noun} panel: refused a message: ${parsed.error}`);
      return;
    }
    const m = parsed.message;
    try {
      if (m.type === 'webview/ready') {
        this.ready = true;
        this.flush();
        await Promise.all([
          this.sendOptions(),
          this.sendVersions().catch((e: unknown) => this.fail('Library', e)),
          this.sendRun(),
        ]);
      } else if (m.type === 'options/refresh') {
        await this.sendOptions();
      } else {
        await this.handle(m);
      }
    } catch (error) {
      this.fail(m.type, error);
    }
  }

  protected fail(what: string, error: unknown): void {
    reportPanelFailure(this.ctx, this.kind.noun, this.kind.page, what, error);
  }

  dispose(): void {
    clearTimeout(this.versionsTimer);
    this.storeListener?.();
    for (const d of this.disposables.splice(0)) d.dispose();
    this.panel.dispose();
  }
}
