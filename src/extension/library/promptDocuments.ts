// Read-only documents of library versions (`prompt-tuner:/NAME/v3.md?id=12`), used by Open and the diffs.
import * as vscode from 'vscode';
import type { PromptVersion } from '../../core/library/types';
import type { HostContext } from '../hostContext';
import { PROMPT_SCHEME, versionDocumentParts, versionIdFromQuery } from './libraryPresentation';

export function versionUri(v: Pick<PromptVersion, 'id' | 'promptName' | 'version'>): vscode.Uri {
  const { path, query } = versionDocumentParts(v);
  return vscode.Uri.from({ scheme: PROMPT_SCHEME, path, query });
}

/** The version id a `prompt-tuner:` URI points at. */
export function versionIdOfUri(uri: vscode.Uri): number | undefined {
  return uri.scheme === PROMPT_SCHEME ? versionIdFromQuery(uri.query) : undefined;
}

export class PromptDocumentProvider implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly didChange = new vscode.EventEmitter<vscode.Uri>();
  private readonly disposables: vscode.Disposable[] = [this.didChange];

  readonly onDidChange = this.didChange.event;

  constructor(private readonly ctx: HostContext) {
    // Versions never change, but one can be deleted (here, by the CLI or another window): open documents say so.
    this.disposables.push(
      ctx.onDidOpenStore((store) => {
        const off = store.onDidChange(() => {
          for (const doc of vscode.workspace.textDocuments) {
            if (doc.uri.scheme === PROMPT_SCHEME) this.didChange.fire(doc.uri);
          }
        });
        this.disposables.push({ dispose: off });
      }),
    );
  }

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const id = versionIdOfUri(uri);
    if (id === undefined)
      return `This address does not name a Prompt Library version (expected ?id=N): ${uri.toString()}`;
    const library = await this.ctx.getLibrary();
    const version = library.getVersion(id);
    return version ? version.text : 'This version is no longer in the Prompt Library (it was deleted).';
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
