// What the config form offers: the workspace's suites, the models the user can pick, the defaults.
import * as vscode from 'vscode';
import { TUNE_LIMITS } from '../../core/tuning/config';
import { CALL_WARNING_THRESHOLD } from '../../core/tuning/estimate';
import type { SuiteOption, TuningOptions } from '../../protocol/tuningPanel';
import { activeContextPrompt, knownModels } from '../formOptions';
import type { HostContext } from '../hostContext';

/** The base prompt a new form starts with when no context prompt is active. */
export const DEFAULT_BASE_PROMPT =
  'You are a helpful assistant. Use the available tools when a request needs them, with exactly the arguments the user gave; otherwise answer directly.';

const MAX_SUITES = 500;

export async function findSuites(): Promise<SuiteOption[]> {
  const uris = await vscode.workspace.findFiles(
    '**/*.suite.json',
    '**/{node_modules,.git,.prompt-tuner}/**',
    MAX_SUITES,
  );
  return uris
    .filter((u) => u.scheme === 'file')
    .map((u) => ({
      file: u.fsPath,
      relativePath: vscode.workspace.asRelativePath(
        u,
        vscode.workspace.workspaceFolders !== undefined && vscode.workspace.workspaceFolders.length > 1,
      ),
    }))
    .sort((a, b) => a.relativePath.localeCompare(b.relativePath));
}

export async function buildOptions(ctx: HostContext, recentModels: string[]): Promise<TuningOptions> {
  const [suites, models, active] = await Promise.all([
    findSuites(),
    knownModels(ctx, recentModels),
    activeContextPrompt(ctx),
  ]);
  return {
    suites,
    models,
    defaultBasePrompt: DEFAULT_BASE_PROMPT,
    activeContext: active,
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
