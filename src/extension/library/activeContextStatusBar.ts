// Status-bar item of the active system prompt: "$(symbol-keyword) NAME v1"; a click opens the version.
import * as vscode from 'vscode';
import type { PromptVersion } from '../../core/library/types';
import type { ActiveContext } from './activeContext';
import { statusBarText, statusBarTooltip } from './libraryPresentation';

export class ActiveContextStatusBar implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private readonly subscription: vscode.Disposable;

  constructor(activeContext: ActiveContext) {
    this.item = vscode.window.createStatusBarItem('promptTuner.activeContext', vscode.StatusBarAlignment.Right, 100);
    this.item.name = 'Prompt Tuner: Active Context';
    this.subscription = activeContext.onDidChange((v) => this.show(v));
    this.show(activeContext.peek());
  }

  private show(v: PromptVersion | undefined): void {
    if (!v) {
      this.item.hide();
      return;
    }
    this.item.text = statusBarText(v);
    this.item.tooltip = statusBarTooltip(v);
    this.item.accessibilityInformation = { label: `Active system prompt ${v.promptName} version ${v.version}` };
    this.item.command = { command: 'promptTuner.library.open', title: 'Open', arguments: [v.id] };
    this.item.show();
  }

  dispose(): void {
    this.subscription.dispose();
    this.item.dispose();
  }
}
