// Which models the Testing view runs suites on: the `promptTuner.evaluation.models` setting, else the models
// last picked in Evaluate Prompt on Suite (so a user who evaluated once gets the same profiles).
import * as vscode from 'vscode';
import { z } from 'zod';

/** Where Evaluate Prompt on Suite remembers its last models (evaluateCommand.ts writes it). */
export const LAST_MODELS_KEY = 'promptTuner.suites.lastModels';

const ModelIds = z.array(
  z.string().regex(/^[^/\s]+\/\S+$/, 'must be written provider/model, e.g. openai/gpt-4o-mini'),
  'expected an array of model ids',
);

export interface TargetModels {
  models: string[];
  /** Why the setting was not used, naming the setting and the entry; absent when it is fine. */
  problem?: string;
}

function splitIds(text: string): string[] {
  return text
    .split(/[,\s]+/)
    .map((s) => s.trim())
    .filter(Boolean);
}

/** The configured target models, without duplicates; an invalid setting is reported and the last picks are used. */
export function targetModels(workspaceState: vscode.Memento): TargetModels {
  const raw = vscode.workspace.getConfiguration('promptTuner').get<unknown>('evaluation.models') ?? [];
  const configured = ModelIds.safeParse(raw);
  const last = [...new Set(splitIds(workspaceState.get<string>(LAST_MODELS_KEY) ?? ''))];
  if (!configured.success) {
    const issue = configured.error.issues[0];
    const where = issue?.path.length ? `[${issue.path.join('][')}]` : '';
    return { models: last, problem: `promptTuner.evaluation.models${where}: ${issue?.message ?? 'invalid'}` };
  }
  return { models: configured.data.length > 0 ? [...new Set(configured.data)] : last };
}
