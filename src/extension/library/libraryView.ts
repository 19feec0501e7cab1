// The Prompt Library tree view: adapts LibraryTreeModel to TreeItems, shows the filter in the view's
// description, and explains an empty or failed view in the view's message.
import * as vscode from 'vscode';
import type { PromptVersion } from '../../core/library/types';
import type { HostContext } from '../hostContext';
import { LibraryTreeModel } from './libraryTreeModel';
import { PromptNode, VersionNode, type LibraryNode } from './libraryTreeNodes';

export const LIBRARY_VIEW_ID = 'promptTuner.library';
/** Context key: a filter is set (shows Clear Filter in the view title). */
const FILTERED_KEY = 'promptTuner.library.filtered';

class LibraryTreeProvider implements vscode.TreeDataProvider<LibraryNode>, vscode.Disposable {
  private readonly didChangeTreeData = new vscode.EventEmitter<LibraryNode | undefined>();
  readonly onDidChangeTreeData = this.didChangeTreeData.event;
  private readonly subscription: vscode.Disposable;
  /** Set by the view: a message to show above the (possibly empty) tree. */
  onMessage: (message: string | undefined) => void = () => undefined;

  constructor(
    private readonly model: LibraryTreeModel,
    private readonly ctx: HostContext,
  ) {
    this.subscription = model.onDidChange(() => this.didChangeTreeData.fire(undefined));
  }

  getTreeItem(node: LibraryNode): vscode.TreeItem {
    const active = this.ctx.activeContext.peek();
    return node instanceof PromptNode ? node.toTreeItem(active) : node.toTreeItem(active?.id);
  }

  async getChildren(node?: LibraryNode): Promise<LibraryNode[]> {
    try {
      if (!node) {
        const prompts = await this.model.prompts();
        const filter = this.model.filter;
        this.onMessage(filter && prompts.length === 0 ? `No prompt matches “${filter}”.` : undefined);
        return prompts.map((p) => new PromptNode(p));
      }
      if (node instanceof PromptNode) {
        const versions = await this.model.versions(node.prompt.id);
        return versions.map((v, i) => new VersionNode(v, node, i < versions.length - 1));
      }
      return [];
    } catch (error) {
      this.ctx.log.error('Loading the Prompt Library failed', error);
      const reason = error instanceof Error ? error.message : String(error);
      this.onMessage(`Could not open the Prompt Library: ${reason}. See the Prompt Tuner log.`);
      return [];
    }
  }

  getParent(node: LibraryNode): LibraryNode | undefined {
    return node instanceof VersionNode ? node.parent : undefined;
  }

  dispose(): void {
    this.subscription.dispose();
    this.didChangeTreeData.dispose();
  }
}

export class LibraryView implements vscode.Disposable {
  readonly model: LibraryTreeModel;
  private readonly provider: LibraryTreeProvider;
  readonly treeView: vscode.TreeView<LibraryNode>;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly ctx: HostContext) {
    this.model = new LibraryTreeModel(ctx);
    this.provider = new LibraryTreeProvider(this.model, ctx);
    // Creating the view loads nothing: the store opens on the first getChildren.
    this.treeView = vscode.window.createTreeView(LIBRARY_VIEW_ID, {
      treeDataProvider: this.provider,
      showCollapseAll: true,
      canSelectMany: true,
    });
    this.provider.onMessage = (message) => (this.treeView.message = message);
    this.disposables.push(this.model, this.provider, this.treeView);
  }

  get filter(): string {
    return this.model.filter;
  }

  setFilter(text: string): void {
    this.model.setFilter(text);
    const filter = this.model.filter;
    this.treeView.description = filter ? `Filter: ${filter}` : undefined;
    void vscode.commands.executeCommand('setContext', FILTERED_KEY, filter.length > 0);
  }

  /** Selected version nodes (multi-select), for commands that act on two or more. */
  selectedVersions(): PromptVersion[] {
    return this.treeView.selection.filter((n): n is VersionNode => n instanceof VersionNode).map((n) => n.version);
  }

  /** Shows a version in the tree, expanding its prompt; false when the filter hides it. */
  async reveal(version: PromptVersion): Promise<boolean> {
    const prompt = await this.model.prompt(version.promptId);
    if (!prompt) return false;
    if (this.model.filter && !(await this.model.prompts()).some((p) => p.id === prompt.id)) return false;
    const versions = await this.model.versions(prompt.id);
    const index = versions.findIndex((v) => v.id === version.id);
    if (index < 0) return false;
    const node = new VersionNode(versions[index]!, new PromptNode(prompt), index < versions.length - 1);
    try {
      await this.treeView.reveal(node, { select: true, focus: false, expand: true });
      return true;
    } catch (error) {
      this.ctx.log.warn(`Could not reveal ${version.promptName} v${version.version} in the tree: ${String(error)}`);
      return false;
    }
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
