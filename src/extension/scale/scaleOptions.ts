// What the form offers: the workspace's agent files (loaded, or the reason they do not load), the models,
// the active context and the engine's ranges.
import { stat } from 'node:fs/promises';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Agent } from '../../core/agents/agentSchema';
import { SCALE_LIMITS } from '../../core/scale/config';
import type { AgentOption, ScaleOptions } from '../../protocol/scalePanel';
import type { HostContext } from '../hostContext';
import { activeContextPrompt, knownModels } from '../formOptions';

const MAX_AGENTS = 200;
const EXCLUDE = '**/{node_modules,.git,.prompt-tuner}/**';

/** The folder runs are stored for (the store lives in the first folder's .prompt-tuner/). */
export function workspaceRoot(): string | undefined {
  return vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
}

/** How an agent file is named in a run: relative to the workspace when inside it (so a resume finds it), else absolute. */
export function agentLabel(file: string): string {
  const root = workspaceRoot();
  if (!root) return file;
  const rel = path.relative(root, file);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel.split(path.sep).join('/') : file;
}

/** Loads agent files once per file version; the error is the loader's message (file, JSON path, problem). */
export class AgentCache {
  private readonly byFile = new Map<string, { mtimeMs: number; result: { agent: Agent } | { error: string } }>();

  async load(file: string): Promise<{ agent: Agent } | { error: string }> {
    let mtimeMs: number;
    try {
      mtimeMs = (await stat(file)).mtimeMs;
    } catch {
      return { error: `${agentLabel(file)} cannot be read (was it deleted?)` };
    }
    const hit = this.byFile.get(file);
    if (hit && hit.mtimeMs === mtimeMs) return hit.result;
    const { loadAgent, AgentError } = await import('../../core/agents/loadAgent');
    let result: { agent: Agent } | { error: string };
    try {
      result = { agent: await loadAgent(file, agentLabel(file)) };
    } catch (e) {
      if (!(e instanceof AgentError)) throw e;
      result = { error: e.message };
    }
    this.byFile.set(file, { mtimeMs, result });
    return result;
  }

  /** The agent, or a UserError-worthy message. */
  async require(file: string): Promise<Agent> {
    const r = await this.load(file);
    if ('error' in r) throw new AgentFileProblem(r.error);
    return r.agent;
  }
}

/** An agent file that does not load, told to the user as the loader wrote it. */
export class AgentFileProblem extends Error {
  override name = 'AgentFileProblem';
}

export async function findAgentFiles(): Promise<string[]> {
  const uris = await vscode.workspace.findFiles('**/*.agent.json', EXCLUDE, MAX_AGENTS);
  return uris.filter((u) => u.scheme === 'file').map((u) => u.fsPath);
}

/** The agent's own prompt text: its systemPrompt, or its promptRef's library version; null when neither resolves. */
export async function agentPromptText(
  ctx: HostContext,
  agent: Agent,
): Promise<{ text: string; versionId?: number } | { error: string }> {
  if (agent.systemPrompt !== undefined) return { text: agent.systemPrompt };
  if (agent.promptRef === undefined)
    return { error: 'it has neither systemPrompt nor promptRef: choose the active context or a library version' };
  const { parseVersionRef } = await import('../../core/library/versionRef');
  const library = await ctx.getLibrary();
  const version = library.resolve(parseVersionRef(agent.promptRef));
  return version
    ? { text: version.text, versionId: version.id }
    : { error: `promptRef: no prompt version "${agent.promptRef}" in the Prompt Library` };
}

async function agentOption(ctx: HostContext, cache: AgentCache, file: string): Promise<AgentOption> {
  const relativePath = vscode.workspace.asRelativePath(file, (vscode.workspace.workspaceFolders?.length ?? 0) > 1);
  const loaded = await cache.load(file);
  if ('error' in loaded) {
    // The loader's message starts with the file name; the form shows the file beside it already.
    const error = loaded.error
      .split('\n')
      .map((l) => l.replace(/^[^:]*\.agent\.json: /, ''))
      .join('; ');
    return {
      file,
      relativePath,
      name: path.basename(file),
      systemPrompt: null,
      promptRef: null,
      scenarioCount: 0,
      toolCount: 0,
      maxTurns: 0,
      error,
    };
  }
  const a = loaded.agent;
  const prompt = await agentPromptText(ctx, a).catch((e: unknown) => ({
    error: e instanceof Error ? e.message : String(e),
  }));
  return {
    file,
    relativePath,
    name: a.name,
    systemPrompt: 'text' in prompt ? prompt.text : null,
    promptRef: a.promptRef ?? null,
    scenarioCount: a.scenarios?.length ?? 0,
    toolCount: a.tools.length,
    maxTurns: a.maxTurns,
    // A promptRef that does not resolve only matters when the agent's prompt is the one chosen (the form says so).
    error: null,
  };
}

export async function buildScaleOptions(
  ctx: HostContext,
  cache: AgentCache,
  recentModels: string[],
  preselectAgentFile: string | null,
): Promise<ScaleOptions> {
  const [files, models, active] = await Promise.all([
    findAgentFiles(),
    knownModels(ctx, recentModels),
    activeContextPrompt(ctx),
  ]);
  const agents = (await Promise.all(files.map((f) => agentOption(ctx, cache, f)))).sort((a, b) =>
    a.relativePath.localeCompare(b.relativePath),
  );
  return {
    agents,
    models,
    activeContext: active,
    limits: {
      runs: { ...SCALE_LIMITS.runs },
      concurrency: { ...SCALE_LIMITS.concurrency },
    },
    preselectAgentFile,
    trusted: vscode.workspace.isTrusted,
  };
}
