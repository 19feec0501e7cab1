// Nodes of the Prompt Library tree and how each presents itself. Ids are stable row ids, so a node built
// later (after a save) matches the one on screen and reveal() finds it.
import * as vscode from 'vscode';
import type { PromptSummary, PromptVersion } from '../../core/library/types';
import {
  PROMPT_CONTEXT_VALUE,
  SOURCE_ICONS,
  formatDateTime,
  promptDescription,
  versionContextValue,
  versionDescription,
  versionTitle,
  versionTooltipMarkdown,
} from './libraryPresentation';

export class PromptNode {
  readonly kind = 'prompt';
  constructor(readonly prompt: PromptSummary) {}

  get id(): string {
    return `prompt:${this.prompt.id}`;
  }

  toTreeItem(activeVersion: PromptVersion | undefined): vscode.TreeItem {
    const p = this.prompt;
    const item = new vscode.TreeItem(p.name, vscode.TreeItemCollapsibleState.Collapsed);
    item.id = this.id;
    item.description = promptDescription(p);
    const holdsActive = activeVersion?.promptId === p.id;
    item.iconPath = new vscode.ThemeIcon(
      'symbol-keyword',
      holdsActive ? new vscode.ThemeColor('charts.green') : undefined,
    );
    item.tooltip =
      `${p.name}\n${promptDescription(p)}, last saved ${formatDateTime(p.updatedAt)}` +
      (holdsActive ? `\nActive context: v${activeVersion.version}` : '');
    item.contextValue = PROMPT_CONTEXT_VALUE;
    return item;
  }
}

export class VersionNode {
  readonly kind = 'version';
  constructor(
    readonly version: PromptVersion,
    readonly parent: PromptNode,
    /** An older version of the same prompt exists (enables Compare with Previous). */
    readonly hasPrevious: boolean,
  ) {}

  get id(): string {
    return `version:${this.version.id}`;
  }

  toTreeItem(activeVersionId: number | undefined): vscode.TreeItem {
    const v = this.version;
    const active = v.id === activeVersionId;
    const item = new vscode.TreeItem(`v${v.version}`, vscode.TreeItemCollapsibleState.None);
    item.id = this.id;
    item.description = versionDescription(v, { active });
    item.iconPath = new vscode.ThemeIcon(
      SOURCE_ICONS[v.source],
      active ? new vscode.ThemeColor('charts.green') : undefined,
    );
    item.tooltip = new vscode.MarkdownString(versionTooltipMarkdown(v, { active }));
    item.contextValue = versionContextValue({ hasPrevious: this.hasPrevious, active });
    item.accessibilityInformation = { label: `${versionTitle(v)}, ${versionDescription(v, { active })}` };
    item.command = {
      command: 'promptTuner.library.open',
      title: 'Open',
      arguments: [v.id, { preview: true, preserveFocus: true }],
    };
    return item;
  }
}

export type LibraryNode = PromptNode | VersionNode;
