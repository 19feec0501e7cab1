// The "Prompt Optimization" WebviewPanel over one rollout store: HTML with a strict CSP, the ready handshake,
// the newest message of each type kept while the webview is hidden, every webview message validated before it
// is acted on, and the store's overview sent whole on ready, on a run's progress and every second while the
// panel is visible (another process, the CLI, may be writing the store). Closing the panel stops nothing.
import * as vscode from 'vscode';
import {
  parseWebviewMessage,
  type HostMessage,
  type OptimizeAction,
  type ValidWebviewMessage,
} from '../../protocol/optimizePanel';
import type { HostContext } from '../hostContext';
import { LatestByType } from '../latestByType';
import { panelColumn, postOrKeep, reportPanelFailure, setUpPanel, webviewOptions } from '../panelHost';
import * as actions from './optimizeActions';
import { OPTIMIZE_PAGE } from './optimizePage';
import type { OptimizeService } from './optimizeService';
import { sameStore } from './optimizeStores';

/** How often a visible panel reads the store again (other processes' writes show within this). */
export const REFRESH_MS = 1000;
/** A run of this window changes often: at most one read per this many ms for its snapshots. */
const CHANGE_DEBOUNCE_MS = 250;

export interface ShowOptions {
  /** The store to show; default the workspace's. */
  storePath?: string;
  /** Run to show (and switch to); default the newest. */
  runId?: string;
}

/** The command that starts a run from the panel's button (Run Prompt Optimization on this store). */
export type StartRun = (storePath: string) => Promise<void>;

export class OptimizePanel implements vscode.Disposable {
  private static current: OptimizePanel | undefined;

  /** Opens the panel or brings it to the front; a store or run given switches it. */
  static show(ctx: HostContext, service: OptimizeService, startRun: StartRun, opts: ShowOptions = {}): OptimizePanel {
    const existing = OptimizePanel.current;
    if (existing) {
      existing.panel.reveal(panelColumn());
      existing.switchTo(opts.storePath ?? existing.storePath, opts.runId ?? null, opts.runId !== undefined);
      return existing;
    }
    const panel = vscode.window.createWebviewPanel(
      OPTIMIZE_PAGE.viewType,
      OPTIMIZE_PAGE.title,
      panelColumn(),
      webviewOptions(ctx),
    );
    OptimizePanel.current = new OptimizePanel(
      panel,
      ctx,
      service,
      startRun,
      opts.storePath ?? service.defaultStorePath(),
      opts.runId ?? null,
    );
    return OptimizePanel.current;
  }

  /** The serializer's entry: a panel VS Code restored after a reload (the webview names its run once ready). */
  static revive(
    ctx: HostContext,
    service: OptimizeService,
    startRun: StartRun,
    panel: vscode.WebviewPanel,
  ): OptimizePanel {
    OptimizePanel.current?.dispose();
    panel.webview.options = webviewOptions(ctx);
    OptimizePanel.current = new OptimizePanel(panel, ctx, service, startRun, service.defaultStorePath(), null);
    return OptimizePanel.current;
  }

  /** The panel now showing, if any (tests, the run command). */
  static get shown(): OptimizePanel | undefined {
    return OptimizePanel.current;
  }

  private ready = false;
  private readonly pending = new LatestByType<HostMessage>();
  private readonly disposables: vscode.Disposable[] = [];
  private hold: vscode.Disposable;
  private timer: ReturnType<typeof setInterval> | undefined;
  private changeTimer: ReturnType<typeof setTimeout> | undefined;
  /** A read is on its way: the next one waits (reads of a big store must not pile up). */
  private reading: Promise<void> | null = null;
  private again = false;
  /** Switch the webview to this run with the next overview. */
  private reveal: string | null;
  private disposed = false;

  private constructor(
    readonly panel: vscode.WebviewPanel,
    private readonly ctx: HostContext,
    private readonly service: OptimizeService,
    private readonly startRun: StartRun,
    /** The store shown. */
    public storePath: string,
    /** The run shown; null: the newest. */
    public runId: string | null,
  ) {
    this.reveal = runId;
    this.hold = service.hold(storePath);
    setUpPanel(panel, ctx, OPTIMIZE_PAGE);
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      panel.webview.onDidReceiveMessage((raw: unknown) => void this.onMessage(raw)),
      // A hidden webview is torn down (no retained context): it says ready again when shown.
      panel.onDidChangeViewState(() => {
        if (!panel.visible) this.ready = false;
      }),
      service.onDidChange((c) => {
        if (pathEq(c.storePath, this.storePath)) this.changed();
      }),
    );
    this.timer = setInterval(() => {
      if (this.ready && this.panel.visible) void this.refresh();
    }, REFRESH_MS);
  }

  /** Shows another store or run. */
  switchTo(storePath: string, runId: string | null, reveal: boolean): void {
    if (!pathEq(storePath, this.storePath)) {
      const old = this.hold;
      this.storePath = storePath;
      this.hold = this.service.hold(storePath);
      old.dispose();
      this.runId = null;
    }
    if (runId) this.runId = runId;
    if (reveal && runId) this.reveal = runId;
    void this.refresh();
  }

  private changed(): void {
    if (this.changeTimer) return;
    this.changeTimer = setTimeout(() => {
      this.changeTimer = undefined;
      void this.refresh();
    }, CHANGE_DEBOUNCE_MS);
  }

  /** Reads the store and posts the overview (one read at a time; a request meanwhile reads once more after). */
  refresh(): Promise<void> {
    if (this.reading) {
      this.again = true;
      return this.reading;
    }
    this.reading = (async () => {
      try {
        do {
          this.again = false;
          const view = await this.service.view(this.storePath, this.runId);
          if (this.disposed) return;
          const shown = view.overview?.run?.row.run_id ?? null;
          const reveal = this.reveal && this.reveal === shown ? this.reveal : null;
          if (reveal) this.reveal = null;
          this.post({ type: 'overview/didChange', view, reveal });
          // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- both change during the await (a refresh() meanwhile, dispose()); TS keeps the narrowing from before it
        } while (this.again && !this.disposed);
      } catch (error) {
        this.fail('Reading the store', error);
      } finally {
        this.reading = null;
      }
    })();
    return this.reading;
  }

  /** Posts now when the webview listens, else keeps it as the newest of its type until it does. */
  private post(message: HostMessage): void {
    const listening = this.ready && this.panel.visible;
    if (!listening) {
      // A queued overview must keep a reveal a newer one does not carry.
      const queued = this.pending.get('overview/didChange');
      if (message.type === 'overview/didChange' && queued?.reveal && !message.reveal)
        message = { ...message, reveal: queued.reveal };
    }
    postOrKeep(this.panel, listening, this.pending, message);
  }

  private done(runId: string, action: OptimizeAction, message: string | undefined): void {
    if (message) this.post({ type: 'action/didComplete', runId, action, message });
  }

  private async onMessage(raw: unknown): Promise<void> {
    const parsed = parseWebviewMessage(raw);
    if (!parsed.ok) {
      this.ctx.log.warn(`Optimization panel: refused a message: ${parsed.error}`);
      return;
    }
    const m = parsed.message;
    try {
      await this.handle(m);
    } catch (error) {
      this.fail(m.type, error);
    }
  }

  private async handle(m: ValidWebviewMessage): Promise<void> {
    switch (m.type) {
      case 'webview/ready': {
        this.ready = true;
        for (const queued of this.pending.drain()) this.post(queued);
        await this.refresh();
        return;
      }
      case 'overview/refresh':
        await this.refresh();
        return;
      case 'run/show':
        this.runId = m.runId;
        await this.refresh();
        return;
      case 'store/pick': {
        const picked = await actions.pickStore(this.service, this.storePath);
        if (picked) this.switchTo(picked, null, false);
        return;
      }
      case 'optimize/start':
        await this.startRun(this.storePath);
        return;
      case 'optimize/cancel':
        if (!this.service.cancel(m.runId))
          void vscode.window.showInformationMessage('This run is not running in this window any more.');
        else this.done(m.runId, 'cancel', 'Cancelling: rollouts in flight end first…');
        return;
      case 'optimize/resume': {
        const job = await this.service.resume(this.storePath, m.runId);
        this.runId = job.runId;
        this.reveal = job.runId;
        this.done(m.runId, 'resume', 'Resumed');
        await this.refresh();
        return;
      }
      case 'best/apply':
        this.done(m.runId, 'apply', await actions.apply(this.ctx, this.service, this.storePath, m.runId));
        break;
      case 'best/save':
        this.done(m.runId, 'save', await actions.save(this.service, this.storePath, m.runId));
        break;
      case 'best/view':
        this.done(m.runId, 'view', await actions.view(this.service, this.storePath, m.runId));
        break;
      case 'best/copy':
        this.done(m.runId, 'copy', await actions.copy(this.service, this.storePath, m.runId));
        return;
      case 'best/diff':
        this.done(m.runId, 'diff', await actions.diff(this.service, this.storePath, m.runId));
        return;
    }
    // A save changes what the best card says (Saved as …).
    await this.refresh();
  }

  private fail(what: string, error: unknown): void {
    reportPanelFailure(this.ctx, 'Optimization', OPTIMIZE_PAGE, what, error);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (OptimizePanel.current === this) OptimizePanel.current = undefined;
    clearInterval(this.timer);
    clearTimeout(this.changeTimer);
    this.hold.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
    this.panel.dispose();
  }
}

/** One store under two names (paths, or a URL whole and masked). */
const pathEq = sameStore;
