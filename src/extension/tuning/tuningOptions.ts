// What the config form offers: the workspace's suites, the models the user can pick, the defaults.
import * as vscode from 'vscode';
import type { LibraryRepository } from '../../core/library/libraryRepository';
import { TUNE_LIMITS } from '../../core/tuning/config';
import { CALL_WARNING_THRESHOLD } from '../../core/tuning/estimate';
import type { LibraryVersionItem, ModelOption, SuiteOption, TuningOptions } from '../../protocol/tuningPanel';
import type { HostContext } from '../hostContext';

/** The base prompt a new form starts with when no context prompt is active. */
export const DEFAULT_BASE_PROMPT =
  'You are a helpful assistant. Use the available tools when a request needs them, with exactly the arguments the user gave; otherwise answer directly.';

const MAX_SUITES = 500;
const MAX_VERSIONS = 300;

export async function findSuites(): Promise<SuiteOption[]> {
  const uris = await vscode.workspace.findFiles('**/*.suite.json', '**/{node_modules,.git,.prompt-tuner}/**', MAX_SUITES);
  return uris
    .filter((u) => u.scheme === 'file')
    .map((u) => ({ file: u.fsPath, relativePath: vscode.workspace.asRelativePath(u, vscode.workspace.workspaceFolders !== undefined && vscode.workspace.workspaceFolders.length > 1) }))
    .sort((a, b) => a.relativePath.localeCompare(b.relativePath));
}

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
      items.push({ id: v.id, promptName: v.promptName, version: v.version, label: v.label, source: v.source, createdAt: v.createdAt, score: v.score, text: v.text });
    }
  }
  items.sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : b.id - a.id));
  return items.slice(0, MAX_VERSIONS);
}

export async function buildOptions(ctx: HostContext, recentModels: string[]): Promise<TuningOptions> {
  const [suites, models, active] = await Promise.all([
    findSuites(),
    knownModels(ctx, recentModels),
    ctx.activeContext.get().catch((error: unknown) => {
      ctx.log.warn(`Reading the active context failed: ${String(error)}`);
      return undefined;
    }),
  ]);
  return {
    suites,
    models,
    defaultBasePrompt: DEFAULT_BASE_PROMPT,
    activeContext: active ? { versionId: active.id, name: active.promptName, version: active.version, text: active.text } : null,
    limits: {
      population: { ...TUNE_LIMITS.population },
      generations: { ...TUNE_LIMITS.generations },
      selectionRatio: { ...TUNE_LIMITS.selectionRatio },
      validationSplit: { ...TUNE_LIMITS.validationSplit },
    },
    callWarningThreshold: CALL_WARNING_THRESHOLD,
    trusted: vscode.workspace.isTrusted,
  };
}
