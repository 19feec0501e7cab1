// What every panel's form offers alike: the models the user can pick, the library versions (newest first)
// and the active context prompt.
import * as vscode from 'vscode';
import type { LibraryRepository } from '../core/library/libraryRepository';
import type { ActiveContextPrompt, LibraryVersionItem, ModelOption } from '../protocol/panelMessages';
import type { HostContext } from './hostContext';

const MAX_VERSIONS = 300;

function option(id: string, source: string): ModelOption {
  const slash = id.indexOf('/');
  return { id, label: slash > 0 ? `${id.slice(slash + 1)} (${id.slice(0, slash)})` : id, source };
}

const MODEL_ID = /^[^/\s]+\/\S+$/;

/**
 * Models to offer, first source wins for an id: the model layer's list (providers with a key, endpoints),
 * models used in earlier runs, and VS Code's language models. Anything else can be typed with "Add model…".
 */
export async function knownModels(ctx: HostContext, recent: string[]): Promise<ModelOption[]> {
  const out = new Map<string, ModelOption>();
  const add = (id: string, source: string): void => {
    // An endpoint without a model name (`ollama/`) is not pickable: the user types the model with "Add model…".
    if (MODEL_ID.test(id) && !out.has(id)) out.set(id, option(id, source));
  };
  try {
    for (const m of await ctx.listModels()) add(m.id, m.source);
  } catch (error) {
    ctx.log.warn(`Listing the configured models failed: ${String(error)}`);
  }
  for (const id of recent) add(id, 'used before');
  try {
    // Only lists; VS Code asks for consent when a model is first used, not here.
    const lm = await vscode.lm.selectChatModels();
    for (const m of lm) add(`vscode-lm/${m.id}`, `VS Code · ${m.vendor}`);
  } catch {
    // No language-model API here (e.g. code-server without Copilot): nothing to offer from it.
  }
  return [...out.values()];
}

export function libraryItems(library: LibraryRepository): LibraryVersionItem[] {
  const items: LibraryVersionItem[] = [];
  for (const p of library.listPrompts()) {
    for (const v of library.listVersions(p.id)) {
      items.push({
        id: v.id,
        promptName: v.promptName,
        version: v.version,
        label: v.label,
        source: v.source,
        createdAt: v.createdAt,
        score: v.score,
        text: v.text,
      });
    }
  }
  items.sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : b.id - a.id));
  return items.slice(0, MAX_VERSIONS);
}

/** The prompt applied with "Apply to Context"; null when none (or when it cannot be read: logged, the form goes on). */
export async function activeContextPrompt(ctx: HostContext): Promise<ActiveContextPrompt | null> {
  const active = await ctx.activeContext.get().catch((error: unknown) => {
    ctx.log.warn(`Reading the active context failed: ${String(error)}`);
    return undefined;
  });
  return active ? { versionId: active.id, name: active.promptName, version: active.version, text: active.text } : null;
}
