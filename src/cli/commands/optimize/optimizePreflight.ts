// What `optimize run` and `optimize resume` check before the store is touched: the store path, every model
// id (the run's, the meta model, APO's and the judge's) with a known provider and its key.
import * as path from 'node:path';
import type { Gateway } from '../../../core/models/gateway';
import type { ModelConfig } from '../../../core/models/modelConfig';
import type { OptimizeConfig } from '../../../core/optimize/types';
import { assertKnownProviders, workspaceDir } from '../../args';
import { UsageError, type CliIo } from '../../cliTypes';
import { missingKeys } from '../scale/scalePreflight';
import { DEFAULT_STORE } from './optimizeHelp';

/**
 * `--store P` from the current folder, else the workspace's default store; absolute, because the report,
 * status.json and a later `optimize resume` from another folder must all name the same file.
 */
export function storePathOf(values: { store?: string; workspace?: string }, cwd: string): string {
  if (values.store !== undefined) {
    if (values.store.trim() === '') throw new UsageError('--store: expected a file path');
    return path.resolve(cwd, values.store);
  }
  return path.join(workspaceDir(values.workspace, cwd), DEFAULT_STORE);
}

/** A model flag's value: provider/model. */
export function modelFlag(flag: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!/^[^/\s]+\/\S+$/.test(value.trim())) throw new UsageError(`${flag}: expected provider/model (e.g. openai/gpt-4o-mini), got "${value}"`);
  return value.trim();
}

/** Every model a run may call, with where it comes from (for messages). */
export function runModels(config: OptimizeConfig, model: string, metaModel: string | null | undefined): [source: string, model: string][] {
  const out: [string, string][] = [['--model', model]];
  if (metaModel) out.push(['--meta-model', metaModel]);
  if (config.apo) {
    if (config.apo.gradient_model) out.push(['apo.gradient_model', config.apo.gradient_model]);
    if (config.apo.edit_model) out.push(['apo.edit_model', config.apo.edit_model]);
  }
  if (config.reward.type === 'llm_judge' && config.reward.model) out.push(['reward.model', config.reward.model]);
  return out;
}

/** Unknown providers are bad input (thrown); missing keys are printed one a line and make it false. */
export function checkModels(models: [string, string][], gateway: Gateway, modelConfig: ModelConfig, command: string, io: CliIo): boolean {
  assertKnownProviders(models, gateway.providerIds());
  const missing = missingKeys(
    models.map(([, m]) => m),
    io.env,
    modelConfig,
  );
  for (const k of missing) io.err(`prompt-tuner ${command}: no API key for ${k.provider} (${k.models.join(', ')}): set ${k.variable}\n`);
  return missing.length === 0;
}
