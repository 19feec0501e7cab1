// What every WebviewPanel of the extension does alike, the form-and-run panels (RunPanel) and the optimization
// panel: its options, its column, its HTML, posting or keeping a message, and how a failure reaches the user.
import * as vscode from 'vscode';
import type { HostContext } from './hostContext';
import type { LatestByType } from './latestByType';
import { isUserFacing } from './runCommand';
import { newNonce, webviewHtml, type WebviewPage } from './webviewHtml';

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Only the bundle, the codicons and our media can be loaded; no retained context: the host's messages rebuild the view. */
export function webviewOptions(ctx: HostContext): vscode.WebviewPanelOptions & vscode.WebviewOptions {
  const root = ctx.extension.extensionUri;
  return {
    enableScripts: true,
    localResourceRoots: [vscode.Uri.joinPath(root, 'dist'), vscode.Uri.joinPath(root, 'media')],
    retainContextWhenHidden: false,
    enableFindWidget: true,
  };
}

/** Where a panel opens or comes back: beside the active editor. */
export function panelColumn(): vscode.ViewColumn {
  return vscode.window.activeTextEditor?.viewColumn ?? vscode.ViewColumn.One;
}

/** The panel's icon and its page (strict CSP, the page's bundle and the codicons). */
export function setUpPanel(panel: vscode.WebviewPanel, ctx: HostContext, page: WebviewPage): void {
  const webview = panel.webview;
  const root = ctx.extension.extensionUri;
  panel.iconPath = vscode.Uri.joinPath(root, 'media', 'promptTuner.svg');
  webview.html = webviewHtml(page, {
    cspSource: webview.cspSource,
    nonce: newNonce(),
    scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(root, 'dist', 'webview', `${page.bundle}.js`)).toString(),
    codiconCssUri: webview.asWebviewUri(vscode.Uri.joinPath(root, 'dist', 'codicons', 'codicon.css')).toString(),
  });
}

/** Posts now when the webview listens, else (or when it was not delivered) keeps it as the newest of its type. */
export function postOrKeep<M extends { type: string }>(
  panel: vscode.WebviewPanel,
  listening: boolean,
  pending: LatestByType<M>,
  message: M,
): void {
  if (!listening) {
    pending.set(message);
    return;
  }
  void panel.webview.postMessage(message).then(
    (delivered) => {
      if (!delivered) pending.set(message);
    },
    () => pending.set(message),
  );
}

/** A user-facing error as it is; anything else logged (NOUN: "Tuning", "Optimization"…) and shown with the panel's title. */
export function reportPanelFailure(
  ctx: HostContext,
  noun: string,
  page: WebviewPage,
  what: string,
  error: unknown,
): void {
  if (isUserFacing(error)) {
    void vscode.window.showErrorMessage(error.message);
    return;
  }
  ctx.log.error(`${noun} panel: ${what} failed`, error);
  void vscode.window.showErrorMessage(`${page.title}: ${what} failed: ${messageOf(error)}`);
}
