// The Prompt Library tree's data: what to list under the current filter, and one change event for
// everything that alters it (own commits, other processes' commits, the filter, the active context).
import * as vscode from 'vscode';
import type { PromptSummary, PromptVersion } from '../../core/library/types';
import type { HostContext } from '../hostContext';

export class LibraryTreeModel implements vscode.Disposable {
  private filterText = '';
  private readonly didChange = new vscode.EventEmitter<void>();
  private readonly disposables: vscode.Disposable[] = [this.didChange];

  readonly onDidChange = this.didChange.event;

  constructor(private readonly ctx: HostContext) {
    this.disposables.push(
      ctx.onDidOpenStore((store) => {
        const off = store.onDidChange(() => this.didChange.fire());
        this.disposables.push({ dispose: off });
      }),
      ctx.activeContext.onDidChange(() => this.didChange.fire()),
    );
  }

  /** The text prompts are filtered by; empty when no filter is set. */
  get filter(): string {
    return this.filterText;
  }

  setFilter(text: string): void {
    const next = text.trim();
    if (next === this.filterText) return;
    this.filterText = next;
    this.didChange.fire();
  }

  async prompts(): Promise<PromptSummary[]> {
    const library = await this.ctx.getLibrary();
    return library.listPrompts(this.filterText || undefined);
  }

  /** Newest first. */
  async versions(promptId: number): Promise<PromptVersion[]> {
    const library = await this.ctx.getLibrary();
    return library.listVersions(promptId);
  }

  async prompt(promptId: number): Promise<PromptSummary | undefined> {
    const library = await this.ctx.getLibrary();
    return library.listPrompts().find((p) => p.id === promptId);
  }

  /** Id of the active context's version, as far as it is known without opening the store. */
  activeVersionId(): number | undefined {
    return this.ctx.activeContext.peek()?.id;
  }

  /** Takes other processes' writes now instead of waiting for the watcher, then redraws. */
  async refresh(): Promise<void> {
    const store = await this.ctx.getStore();
    store.refresh();
    this.didChange.fire();
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
