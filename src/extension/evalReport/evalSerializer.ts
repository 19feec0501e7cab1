// Brings the Evaluation Report panel back after a window reload, showing the report its webview saved.
// Registered at activation, so the panel module (zod, the protocol) loads only when a panel is restored.
import * as vscode from 'vscode';
import type { HostContext } from '../hostContext';
import { EVAL_VIEW_TYPE } from './evalPage';

/** `output`: the text log the restored panel's Show Log opens (this window's, empty until the next run). */
export function registerEvalReportSerializer(ctx: HostContext, output: vscode.OutputChannel): vscode.Disposable {
  return vscode.window.registerWebviewPanelSerializer(EVAL_VIEW_TYPE, {
    deserializeWebviewPanel: async (panel, state) => {
      await (await import('./evalPanel')).EvalPanel.revive(ctx, output, panel, state);
    },
  });
}
