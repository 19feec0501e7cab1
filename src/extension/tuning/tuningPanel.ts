// The "Prompt Tuning" WebviewPanel: HTML with a strict CSP, the ready handshake, the newest message of each
// type kept while the webview is hidden or reloading, and every webview message validated before it is acted on.
import * as vscode from 'vscode';
import { parseTuneConfig } from '../../core/tuning/config';
import type { TuneRunSnapshot } from '../../core/tuning/types';
import {
  parseWebviewMessage,
  type HostMessage,
  type ValidWebviewMessage,
} from '../../protocol/tuningPanel';
import type { HostContext } from '../hostContext';
import { isUserFacing, UserError } from '../runCommand';
import { newNonce, TUNING_PANEL_TITLE, TUNING_VIEW_TYPE, tuningHtml } from './tuningHtml';
import { buildOptions, libraryItems } from './tuningOptions';
import type { TuningService } from './tuningService';
import { bestActions } from './bestActions';
import { LatestByType } from './latestByType';

/** What the panel restores after a reload: the webview's own setState value. */
function runIdOfState(state: unknown): string | null {
  const s = state as { view?: unknown; runId?: unknown } | null | undefined;
  return s && s.view === 'run' && typeof s.runId === 'string' ? s.runId : null;
}

export class TuningPanel implements vscode.Disposable {
  private static current: TuningPanel | undefined;

  /**
   * Opens the panel or brings it to the front; with a run id it switches to that run. With a base prompt
   * (Tune from Revised Prompt) it opens a fresh form that starts from that prompt.
   */
  static show(ctx: HostContext, service: TuningService, runId?: string, init?: { basePrompt: string }): TuningPanel {
    const column = vscode.window.activeTextEditor?.viewColumn ?? vscode.ViewColumn.One;
    // A form's draft lives in its webview's state: only a new panel's form starts from the given prompt.
    if (init) TuningPanel.current?.dispose();
    if (TuningPanel.current) {
      TuningPanel.current.panel.reveal(column);
      if (runId) TuningPanel.current.follow(runId, true);
      return TuningPanel.current;
    }
    const panel = vscode.window.createWebviewPanel(TUNING_VIEW_TYPE, TUNING_PANEL_TITLE, column, TuningPanel.webviewOptions(ctx));
    TuningPanel.current = new TuningPanel(panel, ctx, service, runId ?? null, runId !== undefined, init?.basePrompt ?? null);
    return TuningPanel.current;
  }

  /** The serializer's entry: a panel VS Code restored after a reload, with the webview's saved state. */
  static revive(ctx: HostContext, service: TuningService, panel: vscode.WebviewPanel, state: unknown): TuningPanel {
    TuningPanel.current?.dispose();
    panel.webview.options = TuningPanel.webviewOptions(ctx);
    TuningPanel.current = new TuningPanel(panel, ctx, service, runIdOfState(state), false);
    return TuningPanel.current;
  }

  private static webviewOptions(ctx: HostContext): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    const root = ctx.extension.extensionUri;
    return {
      enableScripts: true,
      // Only the bundle, the codicons and our media can be loaded; no retained context: snapshots rebuild the view.
      localResourceRoots: [vscode.Uri.joinPath(root, 'dist'), vscode.Uri.joinPath(root, 'media')],
      retainContextWhenHidden: false,
      enableFindWidget: true,
    };
  }

  private ready = false;
  private readonly pending = new LatestByType<HostMessage>();
  private readonly disposables: vscode.Disposable[] = [];
  private storeListener: (() => void) | undefined;
  /** Suites offered in the last options: the only files an estimate may read. */
  private suiteFiles = new Set<string>();
  private versionsTimer: ReturnType<typeof setTimeout> | undefined;

  private constructor(
    readonly panel: vscode.WebviewPanel,
    private readonly ctx: HostContext,
    private readonly service: TuningService,
    /** The run this panel shows; null while it shows only the form. */
    private runId: string | null,
    /** Switch the webview to the run view on the next snapshot (a run was opened from a command). */
    private revealRun: boolean,
    /** The base prompt a new form starts from (instead of the active context or the default); null: none given. */
    private readonly initialBasePrompt: string | null = null,
  ) {
    // Reopened after a run started in this window (running, or finished while the panel was closed): show it.
    if (!this.runId && initialBasePrompt === null && service.lastRun()) {
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
      // A new active context becomes the base prompt of a form the user has not edited.
      ctx.activeContext.onDidChange(() => void this.sendOptions().catch((e: unknown) => this.fail('Options', e))),
    );
  }

  private html(): string {
    const webview = this.panel.webview;
    const root = this.ctx.extension.extensionUri;
    return tuningHtml({
      cspSource: webview.cspSource,
      nonce: newNonce(),
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(root, 'dist', 'webview', 'tuning.js')).toString(),
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

  private postRun(snapshot: TuneRunSnapshot): void {
    const reveal = this.revealRun;
    // Reveal stays pending until the webview listens, so a queued snapshot still switches the view.
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

  private async sendRun(): Promise<void> {
    if (!this.runId) return;
    const s = await this.service.snapshot(this.runId);
    if (s) this.postRun(s);
    else this.ctx.log.warn(`Tuning run ${this.runId} was not found in the store`);
  }

  private async sendOptions(): Promise<void> {
    const built = await buildOptions(this.ctx, await this.service.recentModels());
    // A form the user has not edited takes the default base prompt: here, the one this panel was opened with.
    const options = this.initialBasePrompt !== null ? { ...built, defaultBasePrompt: this.initialBasePrompt, activeContext: null } : built;
    this.suiteFiles = new Set(options.suites.map((s) => s.file));
    this.post({ type: 'options/didChange', options });
  }

  private async sendVersions(): Promise<void> {
    const library = await this.ctx.getLibrary();
    this.post({ type: 'library/didChangeVersions', versions: libraryItems(library) });
    if (!this.storeListener) {
      const store = await this.ctx.getStore();
      // Saves from the tree, the CLI or another window show up in "Load from Library" too.
      this.storeListener = store.onDidChange(() => {
        clearTimeout(this.versionsTimer);
        this.versionsTimer = setTimeout(() => void this.sendVersions().catch((e: unknown) => this.fail('Library', e)), 300);
      });
    }
  }

  private async onMessage(raw: unknown): Promise<void> {
    const parsed = parseWebviewMessage(raw);
    if (!parsed.ok) {
      this.ctx.log.warn(`Tuning panel: refused a message: ${parsed.error}`);
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
      case 'webview/ready':
        this.ready = true;
        this.flush();
        await Promise.all([
          this.sendOptions(),
          this.sendVersions().catch((e: unknown) => this.fail('Library', e)),
          this.sendRun(),
        ]);
        return;
      case 'options/refresh':
        await this.sendOptions();
        return;
      case 'estimate/compute':
        try {
          if (!this.suiteFiles.has(m.params.suiteFile)) throw new UserError('This suite is no longer in the workspace: refresh the list.');
          const estimate = await this.service.estimate(m.params);
          this.post({ type: 'estimate/didCompute', requestId: m.requestId, estimate, error: null });
        } catch (error) {
          this.post({ type: 'estimate/didCompute', requestId: m.requestId, estimate: null, error: messageOf(error) });
        }
        return;
      case 'tuning/start':
        try {
          await this.start(m.config);
        } catch (error) {
          this.post({ type: 'tuning/didFailToStart', message: messageOf(error) });
          if (!isUserFacing(error)) this.ctx.log.error('Starting a tuning run failed', error);
        }
        return;
      case 'tuning/cancel':
        if (!this.service.cancel(m.runId)) void vscode.window.showInformationMessage('This run is not running any more.');
        return;
      case 'library/saveBasePrompt': {
        const saved = await bestActions.saveText(this.ctx, m.text);
        if (saved) {
          this.post({
            type: 'library/didSaveBasePrompt',
            version: { id: saved.id, promptName: saved.promptName, version: saved.version, label: saved.label, source: saved.source, createdAt: saved.createdAt, score: saved.score, text: saved.text },
          });
          await this.sendVersions();
        }
        return;
      }
      case 'best/applyToContext':
        await bestActions.apply(this.ctx, this.service, m.runId);
        return;
      case 'best/saveToLibrary':
        await bestActions.save(this.ctx, this.service, m.runId);
        return;
      case 'best/viewInLibrary':
        await bestActions.view(this.ctx, this.service, m.runId);
        return;
      case 'best/copy':
        await bestActions.copy(this.service, m.runId);
        return;
      case 'best/showDiff':
        await bestActions.diff(this.service, m.runId);
        return;
    }
  }

  private async start(config: unknown): Promise<void> {
    const parsed = parseTuneConfig(config);
    // Only a suite the host itself found may be opened: the webview does not pick files.
    const suites = (await vscode.workspace.findFiles('**/*.suite.json', '**/{node_modules,.git,.prompt-tuner}/**', 500)).map((u) => u.fsPath);
    if (!suites.includes(parsed.suiteFile)) throw new UserError(`suiteFile: ${parsed.suiteFile} is not a *.suite.json file of this workspace.`);
    const snapshot = await this.service.start(parsed);
    this.runId = snapshot.runId;
    this.revealRun = true;
    this.postRun(snapshot);
  }

  private fail(what: string, error: unknown): void {
    if (isUserFacing(error)) {
      void vscode.window.showErrorMessage(error.message);
      return;
    }
    this.ctx.log.error(`Tuning panel: ${what} failed`, error);
    void vscode.window.showErrorMessage(`Prompt Tuning: ${what} failed: ${messageOf(error)}`);
  }

  dispose(): void {
    if (TuningPanel.current === this) TuningPanel.current = undefined;
    clearTimeout(this.versionsTimer);
    this.storeListener?.();
    for (const d of this.disposables.splice(0)) d.dispose();
    this.panel.dispose();
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
