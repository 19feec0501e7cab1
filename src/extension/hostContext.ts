// The composition root's one context object: built once in activate(), passed to every feature.
// Heavy pieces (sql.js, the model SDKs) load on first use through the lazy getters: activate() stays cheap.
import * as vscode from 'vscode';
import type { Store } from '../core/store/store';
import type { LibraryRepository } from '../core/library/libraryRepository';
import type { ModelGateway } from '../core/models/types';
import type * as WorkspaceStoreModule from '../core/workspaceStore';
import type * as LibraryRepositoryModule from '../core/library/libraryRepository';
import { ActiveContext } from './library/activeContext';
import { storeLocation, type StoreLocation } from './storeLocation';

// require() on first use, not import(): esbuild keeps a required module lazy (sql.js is evaluated on this call,
// not at activation), and the same code runs under mocha's tsx/cjs, which does not resolve dynamic import().
// The `import type` lines above are erased at build time, so they do not undo the laziness.
function loadStoreModule(): typeof WorkspaceStoreModule {
  // Lazy: sql.js must not load at activation
  return require('../core/workspaceStore') as typeof WorkspaceStoreModule;
}
function loadLibraryModule(): typeof LibraryRepositoryModule {
  // Lazy: keeps the library code out of activation
  return require('../core/library/libraryRepository') as typeof LibraryRepositoryModule;
}

export class HostContext implements vscode.Disposable {
  private storePromise: Promise<Store> | undefined;
  private libraryPromise: Promise<LibraryRepository> | undefined;
  private activeContextService: ActiveContext | undefined;
  private readonly didOpenStore = new vscode.EventEmitter<Store>();
  private readonly disposables: vscode.Disposable[] = [this.didOpenStore];

  /** Fires once, when the store is first opened by whichever feature needs it first. */
  readonly onDidOpenStore = this.didOpenStore.event;

  constructor(
    readonly extension: vscode.ExtensionContext,
    readonly log: vscode.LogOutputChannel,
  ) {}

  /** Where the database lives: the first workspace folder's `.prompt-tuner/`, else global storage. */
  get storeLocation(): StoreLocation {
    return storeLocation(vscode.workspace.workspaceFolders?.[0]?.uri.fsPath, this.extension.globalStorageUri.fsPath);
  }

  /** The workspace store, opened once; it watches for writes by the CLI or another window. */
  getStore(): Promise<Store> {
    if (!this.storePromise) {
      this.storePromise = this.openStore();
      // A failed open (permissions, disk full) must not stick: the next caller tries again.
      this.storePromise.catch(() => (this.storePromise = undefined));
    }
    return this.storePromise;
  }

  getLibrary(): Promise<LibraryRepository> {
    if (!this.libraryPromise) {
      this.libraryPromise = (async () => {
        const store = await this.getStore();
        const { LibraryRepository } = loadLibraryModule();
        return new LibraryRepository(store);
      })();
      this.libraryPromise.catch(() => (this.libraryPromise = undefined));
    }
    return this.libraryPromise;
  }

  /** The model gateway (keys from SecretStorage, model settings, the store's cache); the SDKs load on first use. */
  async getGateway(): Promise<ModelGateway> {
    const { editorModelsFor } = await import('./models/editorModels');
    return editorModelsFor(this).getGateway();
  }

  /** Model ids worth offering in pickers: providers with a key and configured endpoints. */
  async listModels(): Promise<{ id: string; source: string }[]> {
    const { editorModelsFor } = await import('./models/editorModels');
    return editorModelsFor(this).listModels();
  }

  /** The version applied as the active system prompt ("Apply to Context"); other features start from it. */
  get activeContext(): ActiveContext {
    if (!this.activeContextService) {
      this.activeContextService = new ActiveContext(this);
      this.disposables.push(this.activeContextService);
    }
    return this.activeContextService;
  }

  private async openStore(): Promise<Store> {
    const location = this.storeLocation;
    const { openWorkspaceStore } = loadStoreModule();
    const started = Date.now();
    const store = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Window, title: 'Prompt Tuner: opening the library' },
      () =>
        openWorkspaceStore({
          dir: location.dir,
          wasmPath: vscode.Uri.joinPath(this.extension.extensionUri, 'dist', 'sql-wasm.wasm').fsPath,
          onNotice: (message: string) => this.notice(message),
        }),
    );
    this.log.info(`Store opened at ${store.dir} (${location.kind}) in ${Date.now() - started} ms`);
    const stopWatching = store.watch();
    this.disposables.push({
      dispose: () => {
        stopWatching();
        store.close().catch((error: unknown) => this.log.error('Closing the store failed', error));
      },
    });
    this.didOpenStore.fire(store);
    return store;
  }

  private notice(message: string): void {
    this.log.warn(message);
    void vscode.window.showWarningMessage(`Prompt Tuner: ${message}`, 'Show Log').then((choice) => {
      if (choice) this.log.show();
    });
  }

  dispose(): void {
    for (const d of this.disposables.splice(0).reverse()) d.dispose();
  }
}
