// What the run panels (tuning, scale, optimization) do alike with a run's prompt and the Prompt Library: ask
// for the name it is saved under, save it once (the version saved earlier is reused), say so, and make a saved
// version the active context.
import * as vscode from 'vscode';
import type { PromptVersion } from '../../core/library/types';
import type { HostContext } from '../hostContext';
import { promptNameProblem } from './libraryPresentation';

/** Asks for the prompt's name, SUGGESTED filled in; the trimmed name, or undefined when dismissed. */
export async function askPromptName(suggested: string, title = 'Save to Prompt Library'): Promise<string | undefined> {
  const typed = await vscode.window.showInputBox({
    title,
    prompt: 'Name of the prompt (a new version is added when it exists)',
    value: suggested,
    ignoreFocusOut: true,
    validateInput: promptNameProblem,
  });
  return typed?.trim();
}

/** The toast after a run's prompt went into the library. */
export function announceSaved(saved: PromptVersion): void {
  void vscode.window.showInformationMessage(`Saved ${saved.promptName} v${saved.version} to the Prompt Library`);
}

/**
 * The library version of a run's prompt: the one saved earlier (EARLIER_ID, when it still exists), else saved now
 * under the default name or, with ASK, the name the user types. Undefined when the user dismissed the question.
 */
export async function ensureSaved(
  ctx: HostContext,
  o: {
    earlierId: number | null;
    defaultName: () => Promise<string>;
    ask: boolean;
    save: (name: string) => Promise<PromptVersion>;
  },
): Promise<PromptVersion | undefined> {
  if (o.earlierId !== null) {
    const v = (await ctx.getLibrary()).getVersion(o.earlierId);
    if (v) return v;
  }
  let name = await o.defaultName();
  if (o.ask) {
    const typed = await askPromptName(name);
    if (typed === undefined) return undefined;
    name = typed;
  }
  const saved = await o.save(name);
  announceSaved(saved);
  return saved;
}

/** Makes a run's saved prompt the active context; FROM says which run, for the log. */
export async function applyToContext(ctx: HostContext, v: PromptVersion, from: string): Promise<void> {
  await ctx.activeContext.set(v.id);
  ctx.log.info(`Active context: ${v.promptName} v${v.version} (from ${from})`);
  void vscode.window.showInformationMessage(`${v.promptName} v${v.version} is now the active system prompt`);
}
