// Run Prompt Optimization: pick a config (a workspace file named *prompt-optimization*.json or *.optimize.json,
// else an open dialog; the explorer passes the file), check it (Tau's messages), pick a model from the
// configured ones (or type one), start the run in this window's host, show it in the panel and as a
// cancellable notification with the rollouts' progress.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { OptimizeJob } from '../../core/optimize/trainer';
import { knownModels } from '../formOptions';
import type { HostContext } from '../hostContext';
import { UserError } from '../runCommand';
import type { OptimizeService } from './optimizeService';

/** Config files the picker offers (VS Code glob). */
export const CONFIG_GLOB = '**/{*prompt-optimization*.json,*.optimize.json}';
const EXCLUDE_GLOB = '**/{node_modules,.git,.prompt-tuner}/**';
const MODEL_ID = /^[^/\s]+\/\S+$/;
const BROWSE = '$(folder-opened) Browse…';
const TYPE_MODEL = '$(edit) Enter a model id…';

/** What the command accepts: a config file (explorer), or the store to run on (the panel's button). */
export interface RunArgs {
  configPath?: string;
  storePath?: string;
  /** A model id: no model question (another command, a test). */
  model?: string;
}

export function runArgsOf(arg: unknown): RunArgs {
  if (arg instanceof vscode.Uri) return arg.scheme === 'file' ? { configPath: arg.fsPath } : {};
  if (typeof arg !== 'object' || arg === null) return {};
  const a = arg as Record<string, unknown>;
  return {
    ...(typeof a['configPath'] === 'string' ? { configPath: a['configPath'] } : {}),
    ...(typeof a['storePath'] === 'string' ? { storePath: a['storePath'] } : {}),
    ...(typeof a['model'] === 'string' ? { model: a['model'] } : {}),
  };
}

export async function pickConfig(): Promise<string | undefined> {
  const files = await vscode.workspace.findFiles(CONFIG_GLOB, EXCLUDE_GLOB, 200);
  const browse = async () => {
    const picked = await vscode.window.showOpenDialog({
      title: 'Prompt optimization config',
      canSelectFiles: true,
      canSelectMany: false,
      filters: { 'Prompt optimization configs': ['json'] },
      openLabel: 'Use Config',
    });
    return picked?.[0]?.fsPath;
  };
  if (files.length === 0) return browse();
  const items = [
    ...files
      .map((u) => ({ label: vscode.workspace.asRelativePath(u), file: u.fsPath }))
      .sort((a, b) => a.label.localeCompare(b.label)),
    { label: BROWSE, file: undefined as string | undefined },
  ];
  const pick = await vscode.window.showQuickPick(items, {
    title: 'Run Prompt Optimization (1/2)',
    placeHolder: 'The config: rollouts to optimize and validate, resources.system_prompt, workers, apo',
  });
  if (!pick) return undefined;
  return pick.file ?? browse();
}

export async function pickModel(ctx: HostContext, recent: string[]): Promise<string | undefined> {
  const models = await knownModels(ctx, recent);
  const items = [
    ...models.map((m) => ({ label: m.label, description: m.source, id: m.id })),
    { label: TYPE_MODEL, description: 'provider/model', id: undefined },
  ];
  const pick = await vscode.window.showQuickPick(items, {
    title: 'Run Prompt Optimization (2/2)',
    placeHolder: 'The model the workers run (APO critiques and edits with it too unless the config names others)',
  });
  if (!pick) return undefined;
  if (pick.id) return pick.id;
  const typed = await vscode.window.showInputBox({
    title: 'Run Prompt Optimization: model',
    prompt: 'Model id as provider/model, e.g. openai/gpt-4o-mini',
    ignoreFocusOut: true,
    validateInput: (v) => (MODEL_ID.test(v.trim()) ? undefined : 'Use provider/model, e.g. openai/gpt-4o-mini'),
  });
  return typed?.trim() || undefined;
}

/** The whole command; the panel opens on the run. Returns the job (undefined when the user stopped at a question). */
export async function runOptimization(
  ctx: HostContext,
  service: OptimizeService,
  args: RunArgs,
  showPanel: (storePath: string, runId: string) => void,
): Promise<OptimizeJob | undefined> {
  if (!vscode.workspace.isTrusted)
    throw new UserError('Prompt optimization is off in an untrusted workspace: trust the workspace first.');
  const configPath = args.configPath ?? (await pickConfig());
  if (!configPath) return undefined;
  const config = await service.readConfig(configPath);
  const storePath = args.storePath ?? service.defaultStorePath();
  const model = args.model ?? (await pickModel(ctx, await service.recentModels(storePath)));
  if (!model) return undefined;
  const job = await service.start({ config, configPath, model, storePath });
  showPanel(storePath, job.runId);
  void showProgress(job, path.basename(configPath));
  return job;
}

/** A notification with the rollouts ended and what the run does, and Cancel; it closes when the run ends. */
function showProgress(job: OptimizeJob, configName: string): Thenable<void> {
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Prompt optimization (${configName})`, cancellable: true },
    (progress, token) =>
      new Promise<void>((resolve) => {
        let last = 0;
        const off = job.onSnapshot((s) => {
          const c = s.counters;
          const ended = c.succeeded + c.failed + c.cancelled;
          const pct = c.total_rollouts > 0 ? Math.floor((ended / c.total_rollouts) * 100) : 0;
          progress.report({
            message: `${ended}/${c.total_rollouts} rollouts · ${s.detail}`,
            increment: Math.max(0, pct - last),
          });
          last = Math.max(last, pct);
        });
        token.onCancellationRequested(() => job.cancel('Cancelled by the user'));
        void job.done.then(() => {
          off();
          resolve();
        });
      }),
  );
}
