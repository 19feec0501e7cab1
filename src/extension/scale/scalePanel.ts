// The "Scale Test" WebviewPanel: HTML with a strict CSP, the ready handshake, the newest message of each type
// kept while the webview is hidden or reloading, and every webview message validated before it is acted on.
// Closing the panel stops nothing: the service owns the jobs.
import * as vscode from 'vscode';
import type { ScaleRunSnapshot } from '../../core/scale/types';
import { parseWebviewMessage, type HostMessage, type ScaleAction, type ValidWebviewMessage } from '../../protocol/scalePanel';
import type { HostContext } from '../hostContext';
import { isUserFacing, UserError } from '../runCommand';
import { LatestByType } from '../tuning/latestByType';
import { libraryItems } from '../tuning/tuningOptions';
import * as actions from './scaleActions';
import { newNonce, SCALE_PANEL_TITLE, SCALE_VIEW_TYPE, scaleHtml } from './scaleHtml';
import { buildScaleOptions } from './scaleOptions';
import type { ScaleService } from './scaleService';

/** What the panel restores after a reload: the webview's own setState value. */
function runIdOfState(state: unknown): string | null {
  const s = state as { view?: unknown; runId?: unknown } | null | undefined;
  return s && s.view === 'run' && typeof s.runId === 'string' ? s.runId : null;
}

export interface ShowOptions {
  /** Show this run (a run id from Open Scale Test Run… or a notification). */
  runId?: string;
  /** Select this agent file in the form (the explorer's Run Scale Test). */
  agentFile?: string;
}

export class ScalePanel implements vscode.Disposable {
  private static current: ScalePanel | undefined;

  /** Opens the panel or brings it to the front; with a run id it switches to that run. */
  static show(ctx: HostContext, service: ScaleService, opts: ShowOptions = {}): ScalePanel {
    const column = vscode.window.activeTextEditor?.viewColumn ?? vscode.ViewColumn.One;
    const existing = ScalePanel.current;
    if (existing) {
      existing.panel.reveal(column);
      if (opts.runId) existing.follow(opts.runId, true);
      if (opts.agentFile) existing.preselect(opts.agentFile);
      return existing;
    }
    const panel = vscode.window.createWebviewPanel(SCALE_VIEW_TYPE, SCALE_PANEL_TITLE, column, ScalePanel.webviewOptions(ctx));
    ScalePanel.current = new ScalePanel(panel, ctx, service, opts.runId ?? null, opts.runId !== undefined, opts.agentFile ?? null);
    return ScalePanel.current;
  }

  /** The serializer's entry: a panel VS Code restored after a reload, with the webview's saved state. */
  static revive(ctx: HostContext, service: ScaleService, panel: vscode.WebviewPanel, state: unknown): ScalePanel {
    ScalePanel.current?.dispose();
    panel.webview.options = ScalePanel.webviewOptions(ctx);
    ScalePanel.current = new ScalePanel(panel, ctx, service, runIdOfState(state), false, null);
    return ScalePanel.current;
  }

  private static webviewOptions(ctx: HostContext): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    const root = ctx.extension.extensionUri;
    return {
      enableScripts: true,
      // Only the bundle and the codicons can be loaded; no retained context: snapshots rebuild the view.
      localResourceRoots: [vscode.Uri.joinPath(root, 'dist'), vscode.Uri.joinPath(root, 'media')],
      retainContextWhenHidden: false,
      enableFindWidget: true,
    };
  }

  private ready = false;
  private readonly pending = new LatestByType<HostMessage>();
  private readonly disposables: vscode.Disposable[] = [];
  private storeListener: (() => void) | undefined;
  private versionsTimer: ReturnType<typeof setTimeout> | undefined;
  /** Agent files offered in the last options: the only files an estimate or a start may read. */
  private agentFiles = new Set<string>();

  private constructor(
    readonly panel: vscode.WebviewPanel,
    private readonly ctx: HostContext,
    private readonly service: ScaleService,
    /** The run this panel shows; null while it shows only the form. */
    private runId: string | null,
    /** Switch the webview to the run view on the next snapshot. */
    private revealRun: boolean,
    /** Agent file a new form selects; sent once with the options. */
    private preselectAgentFile: string | null,
  ) {
    // Reopened after a run started in this window (running, or finished while the panel was closed): show it.
    if (!this.runId && !preselectAgentFile && service.lastRun()) {
      this.runId = service.lastRun();
      this.revealRun = true;
    }
    panel.iconPath = vscode.Uri.joinPath(ctx.extension.extensionUri, 'media', 'promptTuner.svg');
    panel.webview.html = this.html();
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      panel.webview.onDidReceiveMessage((raw: unknown) => void this.onMessage(raw)),
      // A hidden webview is torn down (no retained context): it says ready again when shown.
      panel.onDidChangeViewState(() => {
        if (!panel.visible) this.ready = false;
      }),
      service.onDidChangeRun((s) => {
        if (s.runId === this.runId) this.postRun(s);
      }),
      ctx.activeContext.onDidChange(() => void this.sendOptions().catch((e: unknown) => this.fail('Options', e))),
    );
  }

  private html(): string {
    const webview = this.panel.webview;
    const root = this.ctx.extension.extensionUri;
    return scaleHtml({
      cspSource: webview.cspSource,
      nonce: newNonce(),
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(root, 'dist', 'webview', 'scale.js')).toString(),
      codiconCssUri: webview.asWebviewUri(vscode.Uri.joinPath(root, 'dist', 'codicons', 'codicon.css')).toString(),
    });
  }

  /** Posts now when the webview listens, else keeps it as the newest of its type until it does. */
  post(message: HostMessage): void {
    if (!this.ready || !this.panel.visible) {
      this.pending.set(message);
      return;
    }
    void this.panel.webview.postMessage(message).then(
      (delivered) => {
        if (!delivered) this.pending.set(message);
      },
      () => this.pending.set(message),
    );
  }

  private flush(): void {
    for (const m of this.pending.drain()) this.post(m);
  }

  private postRun(snapshot: ScaleRunSnapshot): void {
    const reveal = this.revealRun;
    if (this.ready && this.panel.visible) this.revealRun = false;
    // A newer snapshot replaces a queued one but must not drop its request to switch views.
    const queued = this.pending.get('run/didChange');
    this.post({ type: 'run/didChange', snapshot, reveal: reveal || (queued?.reveal ?? false) });
  }

  /** Shows another run in this panel. */
  follow(runId: string, reveal: boolean): void {
    this.runId = runId;
    this.revealRun = reveal;
    void this.sendRun();
  }

  private preselect(agentFile: string): void {
    this.preselectAgentFile = agentFile;
    void this.sendOptions().catch((e: unknown) => this.fail('Options', e));
  }

  private async sendRun(): Promise<void> {
    if (!this.runId) return;
    const s = await this.service.snapshot(this.runId);
    if (s) this.postRun(s);
    else this.ctx.log.warn(`Scale run ${this.runId} was not found in the store`);
  }

  private async sendOptions(): Promise<void> {
    const options = await buildScaleOptions(this.ctx, this.service.agents, await this.service.recentModels(), this.preselectAgentFile);
    // The preselection applies to the form once; later options leave the user's choice alone.
    this.preselectAgentFile = null;
    this.agentFiles = new Set(options.agents.map((a) => a.file));
    this.post({ type: 'options/didChange', options });
  }

  private async sendVersions(): Promise<void> {
    const library = await this.ctx.getLibrary();
    this.post({ type: 'library/didChangeVersions', versions: libraryItems(library) });
    if (!this.storeListener) {
      const store = await this.ctx.getStore();
      // Saves from the tree, the CLI or another window show up in the system-prompt choice too.
      this.storeListener = store.onDidChange(() => {
        clearTimeout(this.versionsTimer);
        this.versionsTimer = setTimeout(() => void this.sendVersions().catch((e: unknown) => this.fail('Library', e)), 300);
      });
    }
  }

  private async onMessage(raw: unknown): Promise<void> {
    const parsed = parseWebviewMessage(raw);
    if (!parsed.ok) {
      this.ctx.log.warn(`Scale panel: refused a message: ${parsed.error}`);
      return;
    }
    const m = parsed.message;
    try {
      await this.handle(m);
    } catch (error) {
      this.fail(m.type, error);
    }
  }

  private assertAgent(file: string): void {
    // Only an agent file the host itself found may be read: the webview does not pick files.
    if (!this.agentFiles.has(file)) throw new UserError(`agentFile: ${file} is not a *.agent.json file of this workspace: refresh the list.`);
  }

  private done(runId: string, action: ScaleAction, message: string | undefined): void {
    if (message) this.post({ type: 'action/didComplete', runId, action, message });
  }

  private async handle(m: ValidWebviewMessage): Promise<void> {
    switch (m.type) {
      case 'webview/ready':
        this.ready = true;
        this.flush();
        await Promise.all([this.sendOptions(), this.sendVersions().catch((e: unknown) => this.fail('Library', e)), this.sendRun()]);
        return;
      case 'options/refresh':
        await this.sendOptions();
        return;
      case 'estimate/compute':
        try {
          this.assertAgent(m.form.agentFile);
          const { estimate, text } = await this.service.estimate(m.form);
          this.post({ type: 'estimate/didCompute', requestId: m.requestId, estimate, text, error: null });
        } catch (error) {
          if (!isUserFacing(error)) this.ctx.log.error('Scale estimate failed', error);
          this.post({ type: 'estimate/didCompute', requestId: m.requestId, estimate: null, text: null, error: messageOf(error) });
        }
        return;
      case 'scale/start':
        try {
          this.assertAgent(m.form.agentFile);
          const snapshot = await this.service.start(m.form, m.idempotencyKey, (estimate, text) => this.confirmOverBudget(estimate.usd, m.form.maxBudgetUsd, text));
          this.runId = snapshot.runId;
          this.revealRun = true;
          this.postRun(snapshot);
        } catch (error) {
          this.post({ type: 'scale/didFailToStart', idempotencyKey: m.idempotencyKey, message: messageOf(error) });
          if (!isUserFacing(error)) this.ctx.log.error('Starting a scale run failed', error);
        }
        return;
      case 'scale/cancel':
        if (!this.service.cancel(m.runId)) void vscode.window.showInformationMessage('This run is not running in this window any more.');
        return;
      case 'scale/resume': {
        const s = await this.service.resume(m.runId);
        this.follow(s.runId, true);
        return;
      }
      case 'run/show':
        this.follow(m.runId, true);
        return;
      case 'transcript/open':
        this.done(m.runId, 'transcript', await actions.openTranscript(this.service, m.runId, m.conversationId, m.turn));
        return;
      case 'report/copy':
        this.done(m.runId, 'copy', await actions.copy(this.service, m.runId, m.what));
        return;
      case 'report/verify': {
        const v = await this.service.verify(m.runId);
        this.done(m.runId, 'verify', `Verification started (${v.total} conversations)`);
        // The original run's snapshot now carries the verification's progress.
        await this.sendRun();
        return;
      }
      case 'report/saveRevised':
        this.done(m.runId, 'saveRevised', await actions.saveRevised(this.ctx, this.service, m.runId));
        return;
      case 'report/showDiff':
        this.done(m.runId, 'showDiff', await actions.showDiff(this.service, m.runId));
        return;
      case 'report/tuneFromRevised':
        this.done(m.runId, 'tuneFromRevised', await actions.tuneFromRevised(this.service, m.runId));
        return;
      case 'conversation/addToSuite':
        this.done(m.runId, 'addToSuite', await actions.addToSuite(this.service, m.runId, m.conversationId));
        return;
    }
  }

  private async confirmOverBudget(usd: number | null, cap: number | undefined, text: string): Promise<boolean> {
    const start = 'Start Anyway';
    const choice = await vscode.window.showWarningMessage(
      `The estimate (${usd === null ? 'unknown' : `$${usd.toFixed(4)}`}) is over the budget of $${cap ?? '?'}. Start anyway? No call starts that would exceed the cap, so the run may stop early with a partial report.`,
      { modal: true, detail: text },
      start,
    );
    return choice === start;
  }

  private fail(what: string, error: unknown): void {
    if (isUserFacing(error)) {
      void vscode.window.showErrorMessage(error.message);
      return;
    }
    this.ctx.log.error(`Scale panel: ${what} failed`, error);
    void vscode.window.showErrorMessage(`Scale Test: ${what} failed: ${messageOf(error)}`);
  }

  dispose(): void {
    if (ScalePanel.current === this) ScalePanel.current = undefined;
    clearTimeout(this.versionsTimer);
    this.storeListener?.();
    for (const d of this.disposables.splice(0)) d.dispose();
    this.panel.dispose();
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
