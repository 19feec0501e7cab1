// Save Selection to Library / Save File to Library: a new prompt or a new version of an existing one.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { PromptSummary, PromptVersion } from '../../core/library/types';
import type { HostCommand } from '../commandTypes';
import type { HostContext } from '../hostContext';
import { UserError } from '../runCommand';
import { promptDescription, promptNameProblem, selectedText, versionTitle } from './libraryPresentation';
import type { LibraryView } from './libraryView';

const PICK_TITLE = 'Save to Prompt Library';
const NEW_PROMPT = 'New prompt…';

interface TargetItem extends vscode.QuickPickItem {
  prompt?: PromptSummary;
}

export function saveCommands(view: LibraryView): HostCommand[] {
  return [
    { id: 'library.saveSelection', run: (ctx) => saveSelection(ctx, view) },
    { id: 'library.saveFile', run: (ctx, arg) => saveFile(ctx, view, arg) },
  ];
}

async function saveSelection(ctx: HostContext, view: LibraryView): Promise<PromptVersion | undefined> {
  const editor = vscode.window.activeTextEditor;
  if (!editor)
    throw new UserError(
      'Open a file and select the prompt text first: Save Selection to Library saves the selected text.',
    );
  const doc = editor.document;
  const text = selectedText(editor.selections.map((s) => ({ text: doc.getText(s), start: doc.offsetAt(s.start) })));
  if (text.trim().length === 0) {
    throw new UserError(
      'Select some text first: Save Selection to Library saves the selected text (use Save File to Library for the whole file).',
    );
  }
  return saveAndReveal(ctx, view, text, undefined);
}

async function saveFile(ctx: HostContext, view: LibraryView, arg: unknown): Promise<PromptVersion | undefined> {
  const uri = arg instanceof vscode.Uri ? arg : vscode.window.activeTextEditor?.document.uri;
  if (!uri)
    throw new UserError('Open the file to save first: Save File to Library saves the whole file of the active editor.');
  const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
  const text = open ? open.getText() : new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
  const fileName = path.posix.basename(uri.path);
  if (text.trim().length === 0) throw new UserError(`${fileName} is empty: there is nothing to save.`);
  return saveAndReveal(ctx, view, text, fileName.replace(/\.[^.]+$/, ''));
}

async function saveAndReveal(
  ctx: HostContext,
  view: LibraryView,
  text: string,
  suggestedName: string | undefined,
): Promise<PromptVersion | undefined> {
  const saved = await askAndSaveText(ctx, text, suggestedName);
  if (saved) await view.reveal(saved);
  return saved;
}

/**
 * The one save flow (the library's commands and the tuning panel's "Save to Library"): pick a prompt or
 * "New prompt…", name it, label the version, save. Undefined when the user dismissed a step.
 */
export async function askAndSaveText(
  ctx: HostContext,
  text: string,
  suggestedName?: string,
): Promise<PromptVersion | undefined> {
  const library = await ctx.getLibrary();
  const prompts = library.listPrompts();
  const items: TargetItem[] = [
    { label: NEW_PROMPT, iconPath: new vscode.ThemeIcon('add'), alwaysShow: true },
    ...prompts.map((p) => ({ label: p.name, description: `add a version · ${promptDescription(p)}`, prompt: p })),
  ];
  const target = await vscode.window.showQuickPick(items, {
    title: PICK_TITLE,
    placeHolder: prompts.length > 0 ? 'Save as a new prompt, or as a new version of a prompt' : 'Save as a new prompt',
    matchOnDescription: false,
  });
  if (!target) return undefined;

  let name = target.prompt?.name;
  if (!name) {
    const existing = new Set(prompts.map((p) => p.name.toLowerCase()));
    const typed = await vscode.window.showInputBox({
      title: PICK_TITLE,
      prompt: 'Name of the new prompt',
      placeHolder: 'e.g. travel-agent',
      value: suggestedName,
      ignoreFocusOut: true,
      validateInput: (value) => {
        const problem = promptNameProblem(value);
        if (problem) return problem;
        return existing.has(value.trim().toLowerCase())
          ? {
              message: 'A prompt with this name exists: this saves a new version of it.',
              severity: vscode.InputBoxValidationSeverity.Warning,
            }
          : undefined;
      },
    });
    if (typed === undefined) return undefined;
    name = typed.trim();
  }

  const label = await vscode.window.showInputBox({
    title: `${PICK_TITLE}: ${name}`,
    prompt: 'Label for this version (optional)',
    placeHolder: 'e.g. shorter rules; press Enter to skip',
    ignoreFocusOut: true,
    validateInput: (value) =>
      value.trim().length > 200 ? `At most 200 characters (now ${value.trim().length}).` : undefined,
  });
  if (label === undefined) return undefined;

  const saved = library.addVersion({ name, text, label: label.trim() || null, source: 'manual' });
  ctx.log.info(`Saved ${versionTitle(saved)} (version id ${saved.id}, ${text.length} chars)`);
  void vscode.window.showInformationMessage(`Saved ${versionTitle(saved)} to the Prompt Library`);
  return saved;
}
