// The prompt library in the editor: the tree, read-only version documents, the active-context status bar,
// and the library's commands. Nothing here opens the store during activate(): the first getChildren or
// command does, or, in a workspace that has one already, a read scheduled right after activation.
import { existsSync } from 'node:fs';
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
  // A workspace that already has a store (it activated us through workspaceContains) shows its active
  // prompt in the status bar after a reload; read after activate() returns so activation stays cheap.
  if (existsSync(ctx.storeLocation.dir)) {
    setTimeout(
      () =>
        void ctx.activeContext
          .get()
          .catch((error: unknown) => ctx.log.warn(`Reading the active context failed: ${String(error)}`)),
      0,
    );
  }
  return [...saveCommands(view), ...useCommands(files), ...editCommands(), ...transferCommands(view)];
}
