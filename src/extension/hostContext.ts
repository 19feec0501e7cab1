// The composition root's one context object: built once in activate(), passed to every feature.
// Heavy pieces (sql.js, the model SDKs) load on first use through the lazy getters.
import * as vscode from 'vscode';

export interface HostContext {
  readonly extension: vscode.ExtensionContext;
  readonly log: vscode.LogOutputChannel;
}
