// `prompt-tuner optimize run | resume | status | dashboard | worker`: Tau's prompt-optimization mode on a durable
// rollout store (a SQLite file or PostgreSQL; with APO beyond Tau), every check before the store is created,
// resume after a kill, and trainers that leave their rollouts to `optimize worker` processes (--no-local-workers).
import * as path from 'node:path';
import { createCliGateway } from '../../core/models/cliGateway';
import type { Gateway } from '../../core/models/gateway';
import { loadModelConfig } from '../../core/models/modelConfig';
import { defaultApo, OptimizeConfigError, readOptimizeConfig } from '../../core/optimize/config';
import { ResumeError, resumeOptimization, startOptimization, type OptimizeJob } from '../../core/optimize/trainer';
import type { OptimizeConfig, OptimizeRunRow, RolloutStore } from '../../core/optimize/types';
import { parse, workspaceDir } from '../args';
import { EXIT, UsageError, type CliCommand, type CliIo } from '../cliTypes';
import { finishOutput, followOptimizeJob, type FollowMode } from './optimize/optimizeFollow';
import { RESUME_HELP, RUN_HELP } from './optimize/optimizeHelp';
import { librarySaver } from './optimize/optimizeLibrary';
import { checkModels, modelFlag, openCliStore, runModels, storePathOf, storeShown } from './optimize/optimizePreflight';
import { optimizeDashboardCommand, optimizeStatusCommand } from './optimize/optimizeStatus';
import { optimizeWorkerCommand } from './optimize/optimizeWorker';

const RUN_OPTIONS = {
  config: { type: 'string' },
  store: { type: 'string' },
  model: { type: 'string' },
  'meta-model': { type: 'string' },
  apo: { type: 'boolean' },
  events: { type: 'boolean' },
  'no-local-workers': { type: 'boolean' },
} as const;

const RESUME_OPTIONS = {
  store: { type: 'string' },
  run: { type: 'string' },
  model: { type: 'string' },
  events: { type: 'boolean' },
  'no-local-workers': { type: 'boolean' },
} as const;

function followMode(values: { json?: boolean; events?: boolean }): FollowMode {
  if (values.json && values.events) throw new UsageError('--json and --events cannot be combined: choose one');
  return values.events ? 'events' : values.json ? 'json' : 'human';
}

/**
 * The help line of --no-local-workers, put in before --workspace. Kept here with the flag (the option lines
 * before it are optimizeHelp.ts's).
 */
const NO_LOCAL_WORKERS_OPTION = `  --no-local-workers     run no workers here: the trainer only enqueues, watches (its watchdog runs) and
                         reports; prompt-tuner optimize worker processes on the same --store execute the
                         rollouts. A worker must be running: completion_timeout_secs still applies to
                         each wait for a batch of rollouts
`;
function withNoLocalWorkers(help: string): string {
  const at = help.indexOf('  --workspace DIR');
  return at < 0 ? help : help.slice(0, at) + NO_LOCAL_WORKERS_OPTION + help.slice(at);
}

/** Runs the job to its end and prints what the mode asks; the gateway settles before the store closes. */
async function follow(
  job: OptimizeJob,
  gateway: Gateway,
  mode: FollowMode,
  command: string,
  io: CliIo,
): Promise<number> {
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
  if (values.config === undefined || values.config.trim() === '')
    throw new UsageError('--config F is required (a prompt-optimization config, JSON)');
  const model = modelFlag('--model', values.model);
  if (model === undefined)
    throw new UsageError('--model ID is required (the model the rollouts run on, provider/model)');
  const metaModel = modelFlag('--meta-model', values['meta-model']) ?? null;
  const workspace = workspaceDir(values.workspace, io.cwd);
  // The location as given (a URL keeps its password in memory only); what is reported and stored is storeShown.
  const location = storePathOf(values, io.cwd);
  const storePath = storeShown(location);
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

  const store = await openCliStore(location, { create: true, io });
  try {
    const deps = { store, gateway, workspace, saveBest: librarySaver(workspace, config, io) };
    const job = await startOptimization(deps, {
      config,
      configPath,
      model,
      metaModel,
      storePath,
      localWorkers: values['no-local-workers'] !== true,
    });
    return await follow(job, gateway, mode, 'optimize run', io);
  } finally {
    await store.close();
  }
}

/** The run resume would pick, to check its models before anything changes: --run, else the newest unfinished one. */
async function runToResume(store: RolloutStore, runId: string | undefined): Promise<OptimizeRunRow | undefined> {
  if (runId !== undefined) {
    const row = await store.getRun(runId);
    if (!row)
      throw new UsageError(
        `--run: no prompt-optimization run '${runId}' in the store at '${store.location}' (prompt-tuner optimize status lists them)`,
      );
    return row;
  }
  return (await store.listRuns()).find((r) => r.status !== 'completed');
}

async function runResume(args: string[], io: CliIo): Promise<number> {
  const { values } = parse(args, RESUME_OPTIONS, false);
  const mode = followMode(values);
  const model = modelFlag('--model', values.model);
  const workspace = workspaceDir(values.workspace, io.cwd);
  const location = storePathOf(values, io.cwd);
  const modelConfig = loadModelConfig(workspace);
  const gateway = createCliGateway({ env: io.env, workspace });

  const store = await openCliStore(location, {
    create: false,
    io,
    hint: '(nothing to resume: give --store, or start a run with prompt-tuner optimize run)',
  });
  try {
    const row = await runToResume(store, values.run);
    // Without a run to resume the trainer says why (ResumeError) before it changes anything.
    if (
      row &&
      !checkModels(runModels(row.config, model ?? row.model_ref, null), gateway, modelConfig, 'optimize resume', io)
    )
      return EXIT.badInput;
    const config = row?.config ?? { resources: {} };
    let job: OptimizeJob;
    try {
      job = await resumeOptimization(
        { store, gateway, workspace, saveBest: librarySaver(workspace, config, io) },
        {
          ...(values.run !== undefined ? { runId: values.run } : {}),
          ...(model !== undefined ? { model } : {}),
          localWorkers: values['no-local-workers'] !== true,
        },
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
  help: withNoLocalWorkers(RUN_HELP),
  run: runOptimize,
};

export const optimizeResumeCommand: CliCommand = {
  path: ['optimize', 'resume'],
  summary: 'Continue an interrupted prompt-optimization run',
  help: withNoLocalWorkers(RESUME_HELP),
  run: runResume,
};

export const OPTIMIZE_COMMANDS: CliCommand[] = [
  optimizeRunCommand,
  optimizeResumeCommand,
  optimizeStatusCommand,
  optimizeDashboardCommand,
  optimizeWorkerCommand,
];
