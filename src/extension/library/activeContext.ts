// The active system prompt ("Apply to Context"): kept in the store so the CLI and other windows agree,
// cached here so the status bar and other features read it without a query each time.
import * as vscode from 'vscode';
import type { PromptVersion } from '../../core/library/types';
import type { HostContext } from '../hostContext';

export class ActiveContext implements vscode.Disposable {
  private current: PromptVersion | undefined;
  private loaded = false;
  private loading: Promise<PromptVersion | undefined> | undefined;
  private readonly didChange = new vscode.EventEmitter<PromptVersion | undefined>();
  private readonly disposables: vscode.Disposable[] = [this.didChange];

  /** Fires with the new active version (undefined when cleared), also when another process changed it. */
  readonly onDidChange = this.didChange.event;

  constructor(private readonly ctx: HostContext) {
    // Whoever opens the store first (tree, command), the active context follows without a load of its own.
    this.disposables.push(ctx.onDidOpenStore(() => void this.get().catch(() => undefined)));
  }

  /** The cached value without opening the store: undefined until the store was opened. */
  peek(): PromptVersion | undefined {
    return this.current;
  }

  /** The active version, opening the store when needed. */
  get(): Promise<PromptVersion | undefined> {
    if (this.loaded) return Promise.resolve(this.current);
    this.loading ??= this.load().finally(() => (this.loading = undefined));
    return this.loading;
  }

  /** Makes a version the active system prompt, or clears it with null. */
  async set(versionId: number | null): Promise<PromptVersion | undefined> {
    await this.get(); // subscribes to store changes before the first write
    const library = await this.ctx.getLibrary();
    library.setActive(versionId);
    this.update(library.getActive());
    return this.current;
  }

  private async load(): Promise<PromptVersion | undefined> {
    const [store, library] = await Promise.all([this.ctx.getStore(), this.ctx.getLibrary()]);
    if (!this.loaded) {
      this.loaded = true;
      // Re-read after every commit, ours or another process's: deleting the active version clears it,
      // and another window may apply a different one.
      const off = store.onDidChange(() => {
        try {
          this.update(library.getActive());
        } catch (error) {
          this.ctx.log.error('Reading the active context failed', error);
        }
      });
      this.disposables.push({ dispose: off });
      this.update(library.getActive(), true);
    }
    return this.current;
  }

  private update(next: PromptVersion | undefined, force = false): void {
    const prev = this.current;
    this.current = next;
    const same = prev?.id === next?.id && prev?.label === next?.label && prev?.promptName === next?.promptName;
    if (force || !same) this.didChange.fire(next);
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
