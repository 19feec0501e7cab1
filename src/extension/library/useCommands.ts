// Commands that use a version: Insert into File, Apply to Context, Clear Active Context, Copy, Open,
// Compare with Previous, Compare with….
import * as vscode from 'vscode';
import type { PromptVersion } from '../../core/library/types';
import type { HostCommand } from '../commandTypes';
import type { HostContext } from '../hostContext';
import { UserError } from '../runCommand';
import type { FileEditorTracker } from './fileEditorTracker';
import { diffTitle, versionTitle } from './libraryPresentation';
import { pickVersion, versionFromArg } from './libraryPickers';
import { VersionNode } from './libraryTreeNodes';
import { versionUri } from './promptDocuments';

export function useCommands(files: FileEditorTracker): HostCommand[] {
  return [
    { id: 'library.insert', run: (ctx, arg) => insert(ctx, files, arg) },
    { id: 'library.apply', run: (ctx, arg) => apply(ctx, arg) },
    { id: 'clearContext', run: (ctx) => clearContext(ctx) },
    { id: 'library.copy', run: (ctx, arg) => copy(ctx, arg) },
    { id: 'library.open', run: (ctx, arg, options) => open(ctx, arg, options) },
    { id: 'library.compareWithPrevious', run: (ctx, arg) => compareWithPrevious(ctx, arg) },
    { id: 'library.compareWith', run: (ctx, arg, selection) => compareWith(ctx, arg, selection) },
  ];
}

async function insert(ctx: HostContext, files: FileEditorTracker, arg: unknown): Promise<PromptVersion | undefined> {
  // Checked before asking for a version, so the user is not asked for nothing.
  const target = files.target();
  if (!target)
    throw new UserError(
      'Open a file to insert into: Insert into File puts the prompt text at the cursor of the active editor.',
    );
  const version = await versionFromArg(ctx, arg, 'Version to insert at the cursor', 'Insert into File');
  if (!version) return undefined;
  const editor = await files.show(target);
  // Every cursor gets the text; a selection is replaced.
  const ok = await editor.edit((edit) => {
    for (const selection of editor.selections) edit.replace(selection, version.text);
  });
  if (!ok) throw new UserError(`The editor did not accept the edit: is ${editor.document.fileName} read-only?`);
  await vscode.window.showTextDocument(editor.document, { viewColumn: editor.viewColumn, preserveFocus: false });
  ctx.log.info(`Inserted ${versionTitle(version)} into ${editor.document.uri.toString(true)}`);
  return version;
}

async function apply(ctx: HostContext, arg: unknown): Promise<PromptVersion | undefined> {
  const version = await versionFromArg(ctx, arg, 'Version to make the active system prompt', 'Apply to Context');
  if (!version) return undefined;
  await ctx.activeContext.set(version.id);
  ctx.log.info(`Active context: ${versionTitle(version)} (version id ${version.id})`);
  vscode.window.setStatusBarMessage(`$(symbol-keyword) ${versionTitle(version)} is now the active system prompt`, 4000);
  return version;
}

async function clearContext(ctx: HostContext): Promise<void> {
  const active = await ctx.activeContext.get();
  if (!active) {
    void vscode.window.showInformationMessage(
      'No active context to clear: Apply to Context sets one from the Prompt Library.',
    );
    return;
  }
  await ctx.activeContext.set(null);
  ctx.log.info(`Active context cleared (was ${versionTitle(active)})`);
  vscode.window.setStatusBarMessage(`Cleared the active system prompt (${versionTitle(active)})`, 4000);
}

async function copy(ctx: HostContext, arg: unknown): Promise<PromptVersion | undefined> {
  const version = await versionFromArg(ctx, arg, 'Version to copy to the clipboard', 'Copy');
  if (!version) return undefined;
  await vscode.env.clipboard.writeText(version.text);
  vscode.window.setStatusBarMessage(`$(copy) Copied ${versionTitle(version)} to the clipboard`, 3000);
  return version;
}

/** Options the tree's click passes; anything else (a multi-selection array) is ignored. */
function showOptions(value: unknown): vscode.TextDocumentShowOptions {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const o = value as { preview?: unknown; preserveFocus?: unknown };
    return {
      preview: typeof o.preview === 'boolean' ? o.preview : undefined,
      preserveFocus: typeof o.preserveFocus === 'boolean' ? o.preserveFocus : undefined,
    };
  }
  return { preview: false };
}

async function open(ctx: HostContext, arg: unknown, options: unknown): Promise<vscode.TextEditor | undefined> {
  const version = await versionFromArg(ctx, arg, 'Version to open (read-only)', 'Open');
  if (!version) return undefined;
  const doc = await vscode.workspace.openTextDocument(versionUri(version));
  return vscode.window.showTextDocument(doc, showOptions(options));
}

async function diff(left: PromptVersion, right: PromptVersion): Promise<void> {
  await vscode.commands.executeCommand('vscode.diff', versionUri(left), versionUri(right), diffTitle(left, right), {
    preview: true,
  });
}

async function compareWithPrevious(ctx: HostContext, arg: unknown): Promise<void> {
  const version = await versionFromArg(ctx, arg, 'Version to compare with the one before it', 'Compare with Previous', {
    onlyWithPrevious: true,
  });
  if (!version) return;
  const library = await ctx.getLibrary();
  const previous = library.previousVersion(version.id);
  if (!previous)
    throw new UserError(
      `${versionTitle(version)} is the first version of “${version.promptName}”: there is no previous one to compare with.`,
    );
  await diff(previous, version);
}

async function compareWith(ctx: HostContext, arg: unknown, selection: unknown): Promise<void> {
  // Two versions selected in the tree: compare them without asking.
  if (arg instanceof VersionNode && Array.isArray(selection)) {
    const chosen = selection.filter((n): n is VersionNode => n instanceof VersionNode);
    if (chosen.length === 2) {
      const [a, b] = chosen.map((n) => n.version).sort((x, y) => x.id - y.id) as [PromptVersion, PromptVersion];
      await diff(a, b);
      return;
    }
  }
  const version = await versionFromArg(ctx, arg, 'Version to compare', 'Compare with…');
  if (!version) return;
  const other = await pickVersion(ctx, `Compare ${versionTitle(version)} with…`, {
    exclude: version.id,
    first: version.promptId,
    title: 'Compare with…',
  });
  if (!other) return;
  // Older on the left, as in a history diff.
  const [left, right] = other.id < version.id ? [other, version] : [version, other];
  await diff(left, right);
}
