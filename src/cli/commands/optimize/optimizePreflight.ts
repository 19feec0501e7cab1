// What `optimize run`, `resume`, `status`, `dashboard` and `worker` check before the store is touched: the store
// (a file path or a PostgreSQL URL), every model id (the run's, the meta model, APO's and the judge's) with a
// known provider and its key; and the one way the CLI opens a store and names it in its output.
import * as path from 'node:path';
import type { Gateway } from '../../../core/models/gateway';
import type { ModelConfig } from '../../../core/models/modelConfig';
import { statusPathFor } from '../../../core/optimize/statusFile';
import { StoreMissingError } from '../../../core/optimize/store/errors';
import { openRolloutStore } from '../../../core/optimize/store/openRolloutStore';
import { isPostgresUrl, maskUrl } from '../../../core/optimize/store/pg/pgUrl';
import type { OptimizeConfig, RolloutStore } from '../../../core/optimize/types';
import { assertKnownProviders, workspaceDir } from '../../args';
import { UsageError, type CliIo } from '../../cliTypes';
import { checkKeys } from '../../keyPreflight';
import { DEFAULT_STORE } from './optimizeHelp';

/**
 * `--store P|URL`: a `postgres://` / `postgresql://` URL as given (its password, if any, stays in memory: the
 * output shows storeShown()), a path from the current folder, else the workspace's default store; a path is made
 * absolute, because the report, status.json and a later `optimize resume` from another folder must all name the
 * same file.
 */
export function storePathOf(values: { store?: string; workspace?: string }, cwd: string): string {
  if (values.store !== undefined) {
    const given = values.store.trim();
    if (given === '') throw new UsageError('--store: expected a file path or a postgres:// URL');
    if (isPostgresUrl(given)) return given;
    return path.resolve(cwd, values.store);
  }
  return path.join(workspaceDir(values.workspace, cwd), DEFAULT_STORE);
}

/** The store as output names it: a path as is, a URL with its password masked (never the password). */
export function storeShown(location: string): string {
  return isPostgresUrl(location) ? maskUrl(location) : location;
}

/** status.json of a store: beside a file store; the workspace's (`<workspace>/.prompt-tuner/training/`) for PostgreSQL. */
export function statusPathOf(location: string, values: { workspace?: string }, cwd: string): string {
  return statusPathFor(location, workspaceDir(values.workspace, cwd));
}

/**
 * Opens the store at a path or URL (creating a missing one when `create`); store notices go to stderr, never
 * into --json output. A store that must exist and does not is bad input: the UsageError names it (masked) and
 * ends with `hint`.
 */
export async function openCliStore(
  location: string,
  opts: { create: boolean; io: CliIo; hint?: string },
): Promise<RolloutStore> {
  try {
    return await openRolloutStore(location, {
      create: opts.create,
      onNotice: (m: string) => opts.io.err(`notice: ${m}\n`),
    });
  } catch (e) {
    if (e instanceof StoreMissingError) throw new UsageError(`${e.message}${opts.hint ? ` ${opts.hint}` : ''}`);
    throw e;
  }
}

/** A model flag's value: provider/model. */
export function modelFlag(flag: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!/^[^/\s]+\/\S+$/.test(value.trim()))
    throw new UsageError(`${flag}: expected provider/model (e.g. openai/gpt-4o-mini), got "${value}"`);
  return value.trim();
}

/** Every model a run may call, with where it comes from (for messages). */
export function runModels(
  config: OptimizeConfig,
  model: string,
  metaModel: string | null | undefined,
): [source: string, model: string][] {
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
export function checkModels(
  models: [string, string][],
  gateway: Gateway,
  modelConfig: ModelConfig,
  command: string,
  io: CliIo,
): boolean {
  assertKnownProviders(models, gateway.providerIds());
  return checkKeys(
    models.map(([, m]) => m),
    modelConfig,
    command,
    io,
  );
}
