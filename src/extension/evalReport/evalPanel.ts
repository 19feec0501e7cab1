// The "Evaluation Report" WebviewPanel: the last report of this window (one prompt, or two compared), sent whole
// on ready (a hidden webview is torn down and says ready again), every webview message validated before it is
// acted on. The report lives in memory only: it is the result of a run the user just made, not a stored record.
// The webview keeps a copy in its saved state, so a panel VS Code restores after a window reload (revive) shows
// it again.
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  parseSavedReport,
  parseWebviewMessage,
  type EvalReportView,
  type HostMessage,
  type ValidWebviewMessage,
} from '../../protocol/evalPanel';
import type { HostContext } from '../hostContext';
import { UserError } from '../runCommand';
import { LatestByType } from '../latestByType';
import { panelColumn, postOrKeep, reportPanelFailure, setUpPanel, webviewOptions } from '../panelHost';
import { EVAL_PAGE } from './evalPage';
import { caseOffset } from './suiteCaseRange';

/** A report and where it came from (for Open in Suite, Compare and the log). */
export interface ShownReport {
  view: EvalReportView;
  /** The suite file the report is about; null when a restored report's suite is no longer in the workspace. */
  suiteUri: vscode.Uri | null;
  /** The text log of the same report. */
  output: vscode.OutputChannel;
}

export class EvalPanel implements vscode.Disposable {
  private static current: EvalPanel | undefined;

  /** Opens the panel (or brings it to the front) with this report; the editor keeps the focus. */
  static show(ctx: HostContext, report: ShownReport): EvalPanel {
    const existing = EvalPanel.current;
    if (existing) {
      existing.panel.reveal(panelColumn(), true);
      existing.setReport(report);
      return existing;
    }
    const panel = vscode.window.createWebviewPanel(
      EVAL_PAGE.viewType,
      EVAL_PAGE.title,
      { viewColumn: panelColumn(), preserveFocus: true },
      webviewOptions(ctx),
    );
    EvalPanel.current = new EvalPanel(panel, ctx, report);
    return EvalPanel.current;
  }

  /**
   * The serializer's entry: a panel VS Code restored after a reload, with the webview's saved state (which
   * holds the report it showed). Show Log then opens the channel of this window, which starts empty.
   */
  static async revive(
    ctx: HostContext,
    output: vscode.OutputChannel,
    panel: vscode.WebviewPanel,
    state: unknown,
  ): Promise<EvalPanel> {
    EvalPanel.current?.dispose();
    panel.webview.options = webviewOptions(ctx);
    const saved = parseSavedReport(state);
    if (saved.error) ctx.log.warn(`Evaluation report panel: the saved report was not restored: ${saved.error}`);
    const view = saved.report;
    const report = view ? { view, suiteUri: await findSuite(view.suiteFile), output } : null;
    EvalPanel.current = new EvalPanel(panel, ctx, report);
    return EvalPanel.current;
  }

  /** The panel now showing, if any. */
  static get shown(): EvalPanel | undefined {
    return EvalPanel.current;
  }

  private ready = false;
  private readonly pending = new LatestByType<HostMessage>();
  private readonly disposables: vscode.Disposable[] = [];
  private disposed = false;

  private constructor(
    readonly panel: vscode.WebviewPanel,
    private readonly ctx: HostContext,
    private report: ShownReport | null,
  ) {
    setUpPanel(panel, ctx, EVAL_PAGE);
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      panel.webview.onDidReceiveMessage((raw: unknown) => void this.onMessage(raw)),
      // A hidden webview is torn down (no retained context): it says ready again when shown.
      panel.onDidChangeViewState(() => {
        if (!panel.visible) this.ready = false;
      }),
    );
  }

  setReport(report: ShownReport): void {
    this.report = report;
    this.post({ type: 'report/didChange', report: report.view });
  }

  private post(message: HostMessage): void {
    postOrKeep(this.panel, this.ready && this.panel.visible, this.pending, message);
  }

  private async onMessage(raw: unknown): Promise<void> {
    const parsed = parseWebviewMessage(raw);
    if (!parsed.ok) {
      this.ctx.log.warn(`Evaluation report panel: refused a message: ${parsed.error}`);
      return;
    }
    try {
      await this.handle(parsed.message);
    } catch (error) {
      reportPanelFailure(this.ctx, 'Evaluation report', EVAL_PAGE, parsed.message.type, error);
    }
  }

  private async handle(m: ValidWebviewMessage): Promise<void> {
    switch (m.type) {
      case 'webview/ready':
        this.ready = true;
        this.pending.drain();
        // The whole report, always: a reloaded webview has nothing.
        this.post({ type: 'report/didChange', report: this.report?.view ?? null });
        return;
      case 'log/show':
        this.report?.output.show(false);
        return;
      case 'compare/start':
        await vscode.commands.executeCommand('promptTuner.suites.compare', this.report?.suiteUri ?? undefined);
        return;
      case 'case/openInSuite': {
        const report = this.report;
        if (!report?.view.cases.some((c) => c.id === m.caseId))
          throw new Error(`case "${m.caseId}" is not in this report`);
        if (!report.suiteUri) throw new UserError(`${report.view.suiteFile} is no longer in this workspace.`);
        const doc = await vscode.workspace.openTextDocument(report.suiteUri);
        const offset = caseOffset(doc.getText(), m.caseId);
        const at = doc.positionAt(offset ?? 0);
        await vscode.window.showTextDocument(doc, {
          viewColumn: vscode.ViewColumn.Beside,
          selection: new vscode.Range(at, at),
        });
        if (offset === undefined)
          void vscode.window.showWarningMessage(`Case "${m.caseId}" is no longer in ${report.view.suiteFile}.`);
        return;
      }
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (EvalPanel.current === this) EvalPanel.current = undefined;
    for (const d of this.disposables.splice(0)) d.dispose();
    this.panel.dispose();
  }
}

/**
 * The suite file of a restored report, from the workspace-relative path the report shows (the saved state is
 * the webview's, so no URI is taken from it): only a suite file, in a workspace folder, or the path itself when
 * the report was about a file outside the workspace; with several folders, the first one that holds it.
 */
async function findSuite(suiteFile: string): Promise<vscode.Uri | null> {
  if (!suiteFile.endsWith('.suite.json')) return null;
  if (path.isAbsolute(suiteFile)) return vscode.Uri.file(suiteFile);
  if (suiteFile.split(/[\\/]/).includes('..')) return null;
  const folders = vscode.workspace.workspaceFolders ?? [];
  if (folders.length === 1) return vscode.Uri.joinPath(folders[0]!.uri, suiteFile);
  for (const folder of folders) {
    const uri = vscode.Uri.joinPath(folder.uri, suiteFile);
    try {
      await vscode.workspace.fs.stat(uri);
      return uri;
    } catch {
      // Not in this folder: the next one.
    }
  }
  return null;
}
