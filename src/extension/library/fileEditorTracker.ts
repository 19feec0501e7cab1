// The file editor Insert into File writes to. Clicking a version opens its read-only document, which
// becomes the active editor; the insert still belongs in the file the user was editing before.
import * as vscode from 'vscode';
import { PROMPT_SCHEME } from './libraryPresentation';

/** Schemes of editors that are not the user's files. */
const NOT_FILES = new Set([PROMPT_SCHEME, 'output', 'debug', 'vscode-settings', 'git']);

export interface InsertTarget {
  editor?: vscode.TextEditor;
  uri: vscode.Uri;
  viewColumn: vscode.ViewColumn | undefined;
}

export class FileEditorTracker implements vscode.Disposable {
  private last: InsertTarget | undefined;
  private readonly subscription: vscode.Disposable;

  constructor() {
    this.remember(vscode.window.activeTextEditor);
    this.subscription = vscode.window.onDidChangeActiveTextEditor((e) => this.remember(e));
  }

  private remember(editor: vscode.TextEditor | undefined): void {
    if (editor && !NOT_FILES.has(editor.document.uri.scheme)) {
      this.last = { uri: editor.document.uri, viewColumn: editor.viewColumn };
    }
  }

  /** The active editor when it is a file, else the file editor active before it; undefined when none. */
  target(): InsertTarget | undefined {
    const active = vscode.window.activeTextEditor;
    if (active && !NOT_FILES.has(active.document.uri.scheme)) {
      return { editor: active, uri: active.document.uri, viewColumn: active.viewColumn };
    }
    if (!this.last) return undefined;
    const closed = !vscode.workspace.textDocuments.some(
      (d) => d.uri.toString() === this.last?.uri.toString() && !d.isClosed,
    );
    return closed && this.last.uri.scheme === 'untitled' ? undefined : this.last;
  }

  /** A live editor for the target, brought to the front (its cursor restored by VS Code's view state). */
  async show(target: InsertTarget): Promise<vscode.TextEditor> {
    if (target.editor && target.editor === vscode.window.activeTextEditor) return target.editor;
    return vscode.window.showTextDocument(target.uri, { viewColumn: target.viewColumn, preview: false });
  }

  dispose(): void {
    this.subscription.dispose();
  }
}
