// Commands that change the library's records: Rename Label, Delete Version, Delete Prompt (both confirmed).
import * as vscode from 'vscode';
import type { PromptVersion } from '../../core/library/types';
import type { HostCommand } from '../commandTypes';
import type { HostContext } from '../hostContext';
import { versionTitle } from './libraryPresentation';
import { promptFromArg, versionFromArg } from './libraryPickers';
import { VersionNode } from './libraryTreeNodes';

export function editCommands(): HostCommand[] {
  return [
    { id: 'library.renameLabel', run: (ctx, arg) => renameLabel(ctx, arg) },
    { id: 'library.deleteVersion', run: (ctx, arg, selection) => deleteVersion(ctx, arg, selection) },
    { id: 'library.deletePrompt', run: (ctx, arg) => deletePrompt(ctx, arg) },
  ];
}

async function renameLabel(ctx: HostContext, arg: unknown): Promise<PromptVersion | undefined> {
  const version = await versionFromArg(ctx, arg, 'Version to label', 'Rename Label');
  if (!version) return undefined;
  const typed = await vscode.window.showInputBox({
    title: `Rename Label: ${versionTitle(version)}`,
    prompt: `Label for ${versionTitle(version)} (empty removes the label)`,
    value: version.label ?? '',
    validateInput: (value) =>
      value.trim().length > 200 ? `At most 200 characters (now ${value.trim().length}).` : undefined,
  });
  if (typed === undefined) return undefined;
  const library = await ctx.getLibrary();
  const renamed = library.renameLabel(version.id, typed.trim() || null);
  vscode.window.setStatusBarMessage(
    renamed.label
      ? `Labelled ${versionTitle(renamed)} “${renamed.label}”`
      : `Removed the label of ${versionTitle(renamed)}`,
    3000,
  );
  return renamed;
}

/** The versions to delete: every selected version when the clicked one is among them, else the one. */
function selectedVersions(arg: unknown, selection: unknown): PromptVersion[] | undefined {
  if (!(arg instanceof VersionNode) || !Array.isArray(selection)) return undefined;
  const chosen = selection.filter((n): n is VersionNode => n instanceof VersionNode).map((n) => n.version);
  return chosen.some((v) => v.id === arg.version.id) && chosen.length > 1 ? chosen : undefined;
}

async function deleteVersion(ctx: HostContext, arg: unknown, selection: unknown): Promise<number> {
  const picked = selectedVersions(arg, selection);
  const versions =
    picked ??
    [await versionFromArg(ctx, arg, 'Version to delete', 'Delete Version')].filter((v): v is PromptVersion => !!v);
  if (versions.length === 0) return 0;
  const library = await ctx.getLibrary();

  // A prompt whose every version goes is deleted as a whole, so no empty prompt is left in the tree.
  const byPrompt = new Map<number, PromptVersion[]>();
  for (const v of versions) byPrompt.set(v.promptId, [...(byPrompt.get(v.promptId) ?? []), v]);
  const wholePrompts = [...byPrompt.entries()].filter(
    ([promptId, vs]) => library.listVersions(promptId).length <= vs.length,
  );

  const active = await ctx.activeContext.get();
  const names = versions.map(versionTitle);
  const question =
    versions.length === 1 ? `Delete ${names[0]}?` : `Delete ${versions.length} versions (${names.join(', ')})?`;
  const details = [
    'The text is removed from the Prompt Library. Version numbers are not reused.',
    ...wholePrompts.map(([, vs]) => `“${vs[0]!.promptName}” has no other version: the prompt is deleted too.`),
    active && versions.some((v) => v.id === active.id)
      ? `${versionTitle(active)} is the active context; it will be cleared.`
      : undefined,
  ].filter((d): d is string => !!d);
  const choice = await vscode.window.showWarningMessage(
    question,
    { modal: true, detail: details.join('\n') },
    'Delete',
  );
  if (choice !== 'Delete') return 0;

  if (active && versions.some((v) => v.id === active.id)) await ctx.activeContext.set(null);
  const whole = new Set(wholePrompts.map(([id]) => id));
  for (const id of whole) library.deletePrompt(id);
  for (const v of versions) if (!whole.has(v.promptId)) library.deleteVersion(v.id);
  ctx.log.info(`Deleted ${names.join(', ')}`);
  vscode.window.setStatusBarMessage(`Deleted ${names.join(', ')}`, 4000);
  return versions.length;
}

async function deletePrompt(ctx: HostContext, arg: unknown): Promise<boolean> {
  const prompt = await promptFromArg(ctx, arg, 'Prompt to delete with all its versions');
  if (!prompt) return false;
  const active = await ctx.activeContext.get();
  const holdsActive = active?.promptId === prompt.id;
  const count = `${prompt.versionCount} ${prompt.versionCount === 1 ? 'version' : 'versions'}`;
  const choice = await vscode.window.showWarningMessage(
    `Delete the prompt “${prompt.name}” and its ${count}?`,
    {
      modal: true,
      detail: [
        'Every version’s text is removed from the Prompt Library. Export the library first to keep a copy.',
        holdsActive ? `${versionTitle(active)} is the active context; it will be cleared.` : undefined,
      ]
        .filter(Boolean)
        .join('\n'),
    },
    'Delete Prompt',
  );
  if (choice !== 'Delete Prompt') return false;
  const library = await ctx.getLibrary();
  if (holdsActive) await ctx.activeContext.set(null);
  library.deletePrompt(prompt.id);
  ctx.log.info(`Deleted the prompt ${prompt.name} (${count})`);
  vscode.window.setStatusBarMessage(`Deleted “${prompt.name}” (${count})`, 4000);
  return true;
}
