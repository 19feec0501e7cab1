// Which version or prompt a command acts on: the tree node it was run on, an id (status bar, tree click),
// a `prompt-tuner:` document, or, from the palette, a QuickPick whose items read "NAME v1".
import * as vscode from 'vscode';
import type { LibraryRepository } from '../../core/library/libraryRepository';
import type { PromptSummary, PromptVersion } from '../../core/library/types';
import type { HostContext } from '../hostContext';
import { UserError } from '../runCommand';
import { pickDescription, promptDescription, versionTitle } from './libraryPresentation';
import { PromptNode, VersionNode } from './libraryTreeNodes';
import { versionIdOfUri } from './promptDocuments';

export const EMPTY_LIBRARY =
  'The Prompt Library is empty. Save a prompt first: select its text and run “Prompt Tuner: Save Selection to Library”.';

interface VersionItem extends vscode.QuickPickItem {
  version: PromptVersion;
}

function allVersions(library: LibraryRepository): PromptVersion[] {
  return library.listPrompts().flatMap((p) => library.listVersions(p.id));
}

/** A QuickPick of versions; undefined when dismissed. `first` lists that prompt's versions on top. */
export async function pickVersion(
  ctx: HostContext,
  placeHolder: string,
  options: { exclude?: number; first?: number; title?: string; onlyWithPrevious?: boolean } = {},
): Promise<PromptVersion | undefined> {
  const library = await ctx.getLibrary();
  const every = allVersions(library);
  if (every.length === 0) throw new UserError(EMPTY_LIBRARY);
  let versions = every.filter((v) => v.id !== options.exclude);
  if (options.onlyWithPrevious) {
    const oldest = new Map<number, number>();
    for (const v of versions) oldest.set(v.promptId, Math.min(v.version, oldest.get(v.promptId) ?? Infinity));
    versions = versions.filter((v) => v.version !== oldest.get(v.promptId));
    if (versions.length === 0)
      throw new UserError('No prompt has two versions yet: save another version of a prompt, then compare.');
  }
  if (versions.length === 0) throw new UserError('The Prompt Library holds no other version to compare with.');
  if (options.first !== undefined) {
    versions = [
      ...versions.filter((v) => v.promptId === options.first),
      ...versions.filter((v) => v.promptId !== options.first),
    ];
  }
  const activeId = ctx.activeContext.peek()?.id;
  const items: VersionItem[] = versions.map((v) => ({
    label: versionTitle(v),
    description: pickDescription(v),
    detail: v.id === activeId ? '$(symbol-keyword) active context' : undefined,
    version: v,
  }));
  const picked = await vscode.window.showQuickPick(items, {
    title: options.title,
    placeHolder,
    matchOnDescription: true,
  });
  return picked?.version;
}

/** The version a command was run on: a tree node (a prompt means its latest version), an id, a document, or a pick. */
export async function versionFromArg(
  ctx: HostContext,
  arg: unknown,
  placeHolder: string,
  title?: string,
  pickOptions: { onlyWithPrevious?: boolean } = {},
): Promise<PromptVersion | undefined> {
  if (arg instanceof VersionNode) return existingVersion(ctx, arg.version.id, versionTitle(arg.version));
  if (arg instanceof PromptNode) {
    const library = await ctx.getLibrary();
    const latest = library.listVersions(arg.prompt.id)[0];
    if (!latest) throw new UserError(`The prompt “${arg.prompt.name}” is no longer in the Prompt Library.`);
    return latest;
  }
  if (typeof arg === 'number') return existingVersion(ctx, arg, `Version ${arg}`);
  if (arg instanceof vscode.Uri) {
    const id = versionIdOfUri(arg);
    if (id !== undefined) return existingVersion(ctx, id, `Version ${id}`);
  }
  return pickVersion(ctx, placeHolder, { title, ...pickOptions });
}

async function existingVersion(ctx: HostContext, id: number, what: string): Promise<PromptVersion> {
  const library = await ctx.getLibrary();
  const version = library.getVersion(id);
  if (!version)
    throw new UserError(`${what} is no longer in the Prompt Library (deleted here, by the CLI or in another window).`);
  return version;
}

interface PromptItem extends vscode.QuickPickItem {
  prompt: PromptSummary;
}

/** The prompt a command was run on: a prompt node, a version node's prompt, or a pick. */
export async function promptFromArg(
  ctx: HostContext,
  arg: unknown,
  placeHolder: string,
): Promise<PromptSummary | undefined> {
  const library = await ctx.getLibrary();
  const prompts = library.listPrompts();
  let promptId: number | undefined;
  if (arg instanceof PromptNode) promptId = arg.prompt.id;
  else if (arg instanceof VersionNode) promptId = arg.version.promptId;
  if (promptId !== undefined) {
    const found = prompts.find((p) => p.id === promptId);
    if (!found) throw new UserError('That prompt is no longer in the Prompt Library.');
    return found;
  }
  if (prompts.length === 0) throw new UserError(EMPTY_LIBRARY);
  const items: PromptItem[] = prompts.map((p) => ({ label: p.name, description: promptDescription(p), prompt: p }));
  return (await vscode.window.showQuickPick(items, { placeHolder }))?.prompt;
}
