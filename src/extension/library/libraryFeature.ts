// The prompt library in the editor: the tree, read-only version documents, the active-context status bar,
// and the library's commands. Nothing here opens the store; the first getChildren or command does.
import * as vscode from 'vscode';
import type { HostCommand } from '../commandTypes';
import type { HostContext } from '../hostContext';
import { ActiveContextStatusBar } from './activeContextStatusBar';
import { editCommands } from './editCommands';
import { FileEditorTracker } from './fileEditorTracker';
import { PROMPT_SCHEME } from './libraryPresentation';
import { LibraryView } from './libraryView';
import { PromptDocumentProvider } from './promptDocuments';
import { saveCommands } from './saveCommands';
import { transferCommands } from './transferCommands';
import { useCommands } from './useCommands';

export function libraryFeature(ctx: HostContext): HostCommand[] {
  const view = new LibraryView(ctx);
  const documents = new PromptDocumentProvider(ctx);
  const files = new FileEditorTracker();
  ctx.extension.subscriptions.push(
    view,
    documents,
    files,
    vscode.workspace.registerTextDocumentContentProvider(PROMPT_SCHEME, documents),
    new ActiveContextStatusBar(ctx.activeContext),
  );
  return [...saveCommands(view), ...useCommands(files), ...editCommands(), ...transferCommands(view)];
}
