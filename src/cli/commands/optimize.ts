// `prompt-tuner optimize run | resume | status | dashboard`: Tau's prompt-optimization mode on a durable
// rollout store (with APO beyond Tau), every check before the store is created, and resume after a kill.
import * as path from 'node:path';
import { createCliGateway } from '../../core/models/cliGateway';
import type { Gateway } from '../../core/models/gateway';
import { loadModelConfig } from '../../core/models/modelConfig';
import { defaultApo, OptimizeConfigError, readOptimizeConfig } from '../../core/optimize/config';
import { StoreMissingError } from '../../core/optimize/store/errors';
import { openSqliteRolloutStore } from '../../core/optimize/store/sqliteRolloutStore';
import { ResumeError, resumeOptimization, startOptimization, type OptimizeJob } from '../../core/optimize/trainer';
import type { OptimizeConfig, OptimizeRunRow, RolloutStore } from '../../core/optimize/types';
import { parse, workspaceDir } from '../args';
import { EXIT, UsageError, type CliCommand, type CliIo } from '../cliTypes';
import { finishOutput, followOptimizeJob, type FollowMode } from './optimize/optimizeFollow';
import { RESUME_HELP, RUN_HELP } from './optimize/optimizeHelp';
import { librarySaver } from './optimize/optimizeLibrary';
import { checkModels, modelFlag, runModels, storePathOf } from './optimize/optimizePreflight';
import { optimizeDashboardCommand, optimizeStatusCommand } from './optimize/optimizeStatus';

const RUN_OPTIONS = {
  config: { type: 'string' },
  store: { type: 'string' },
  model: { type: 'string' },
  'meta-model': { type: 'string' },
  apo: { type: 'boolean' },
  events: { type: 'boolean' },
} as const;

const RESUME_OPTIONS = {
  store: { type: 'string' },
  run: { type: 'string' },
  model: { type: 'string' },
  events: { type: 'boolean' },
} as const;

function followMode(values: { json?: boolean; events?: boolean }): FollowMode {
  if (values.json && values.events) throw new UsageError('--json and --events cannot be combined: choose one');
  return values.events ? 'events' : values.json ? 'json' : 'human';
}

/** Store notices (a repaired journal) go to stderr, never into --json output. */
const notices = (io: CliIo) => (m: string) => io.err(`notice: ${m}\n`);

/** Runs the job to its end and prints what the mode asks; the gateway settles before the store closes. */
async function follow(job: OptimizeJob, gateway: Gateway, mode: FollowMode, command: string, io: CliIo): Promise<number> {
  try {
    const final = await followOptimizeJob(job, mode, io);
    return finishOutput(final, mode, command, io);
  } finally {
    await gateway.onIdle();
  }
}

async function runOptimize(args: string[], io: CliIo): Promise<number> {
  const { values } = parse(args, RUN_OPTIONS, false);
  const mode = followMode(values);
  if (values.config === undefined || values.config.trim() === '') throw new UsageError('--config F is required (a prompt-optimization config, JSON)');
  const model = modelFlag('--model', values.model);
  if (model === undefined) throw new UsageError('--model ID is required (the model the rollouts run on, provider/model)');
  const metaModel = modelFlag('--meta-model', values['meta-model']) ?? null;
  const workspace = workspaceDir(values.workspace, io.cwd);
  const storePath = storePathOf(values, io.cwd);
  const configPath = path.resolve(io.cwd, values.config);

  // Every check before the store exists: bad input writes nothing.
  let config: OptimizeConfig;
  try {
    const parsed = await readOptimizeConfig(configPath);
    for (const w of parsed.warnings) io.err(`warning: ${w}\n`);
    config = parsed.config;
  } catch (e) {
    if (!(e instanceof OptimizeConfigError)) throw e;
    io.err(`prompt-tuner optimize run: ${e.message}\n`);
    return EXIT.badInput;
  }
  if (values.apo && !config.apo) config = { ...config, apo: defaultApo() };
  if (metaModel && !config.apo) io.err('warning: --meta-model is unused without APO ("apo" in the config, or --apo)\n');
  const modelConfig = loadModelConfig(workspace);
  const gateway = createCliGateway({ env: io.env, workspace });
  if (!checkModels(runModels(config, model, metaModel), gateway, modelConfig, 'optimize run', io)) return EXIT.badInput;

  const store = await openSqliteRolloutStore(storePath, { onNotice: notices(io) });
  try {
    const deps = { store, gateway, saveBest: librarySaver(workspace, config, io) };
    const job = await startOptimization(deps, { config, configPath, model, metaModel, storePath });
    return await follow(job, gateway, mode, 'optimize run', io);
  } finally {
    await store.close();
  }
}

/** The run resume would pick, to check its models before anything changes: --run, else the newest unfinished one. */
async function runToResume(store: RolloutStore, runId: string | undefined): Promise<OptimizeRunRow | undefined> {
  if (runId !== undefined) {
    const row = await store.getRun(runId);
    if (!row) throw new UsageError(`--run: no prompt-optimization run '${runId}' in the store at '${store.location}' (prompt-tuner optimize status lists them)`);
    return row;
  }
  return (await store.listRuns()).find((r) => r.status !== 'completed');
}

async function runResume(args: string[], io: CliIo): Promise<number> {
  const { values } = parse(args, RESUME_OPTIONS, false);
  const mode = followMode(values);
  const model = modelFlag('--model', values.model);
  const workspace = workspaceDir(values.workspace, io.cwd);
  const storePath = storePathOf(values, io.cwd);
  const modelConfig = loadModelConfig(workspace);
  const gateway = createCliGateway({ env: io.env, workspace });

  let store: RolloutStore;
  try {
    store = await openSqliteRolloutStore(storePath, { create: false, onNotice: notices(io) });
  } catch (e) {
    if (e instanceof StoreMissingError) throw new UsageError(`${e.message}: nothing to resume (give --store, or start a run with prompt-tuner optimize run)`);
    throw e;
  }
  try {
    const row = await runToResume(store, values.run);
    // Without a run to resume the trainer says why (ResumeError) before it changes anything.
    if (row && !checkModels(runModels(row.config, model ?? row.model_ref, null), gateway, modelConfig, 'optimize resume', io)) return EXIT.badInput;
    const config = row?.config ?? { resources: {} };
    let job: OptimizeJob;
    try {
      job = await resumeOptimization(
        { store, gateway, saveBest: librarySaver(workspace, config, io) },
        { ...(values.run !== undefined ? { runId: values.run } : {}), ...(model !== undefined ? { model } : {}) },
      );
    } catch (e) {
      if (e instanceof ResumeError) throw new UsageError(e.message);
      throw e;
    }
    return await follow(job, gateway, mode, 'optimize resume', io);
  } finally {
    await store.close();
  }
}

export const optimizeRunCommand: CliCommand = {
  path: ['optimize', 'run'],
  summary: "Prompt optimization (Tau's rollout mode, with APO) on a config file",
  help: RUN_HELP,
  run: runOptimize,
};

export const optimizeResumeCommand: CliCommand = {
  path: ['optimize', 'resume'],
  summary: 'Continue an interrupted prompt-optimization run',
  help: RESUME_HELP,
  run: runResume,
};

export const OPTIMIZE_COMMANDS: CliCommand[] = [optimizeRunCommand, optimizeResumeCommand, optimizeStatusCommand, optimizeDashboardCommand];
