// `prompt-tuner tune --resume RUN_ID`: a cancelled, failed, budget-stopped or interrupted tuning run goes on
// from what is stored, with the settings it was started with; the lines `tune` prints at Ctrl-C say how.
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { LibraryRepository } from '../../core/library/libraryRepository';
import { createCliGateway } from '../../core/models/cliGateway';
import { loadTuneResume, resumeEstimate, TuneResumeError } from '../../core/runs/tuneResume';
import type { Store } from '../../core/store/store';
import { loadSuite } from '../../core/suites/loadSuite';
import { resumeTuning } from '../../core/tuning/engine';
import { formatEstimate } from '../../core/tuning/estimate';
import { parseTuneConfig, TUNE_LIMITS, type TuneConfig } from '../../core/tuning/config';
import { TuneRunsRepository } from '../../core/tuning/runsRepository';
import { assertKnownProviders, numberFlag, workspaceDir } from '../args';
import { EXIT, UsageError, type CliIo } from '../cliTypes';
import { waitingNotes } from '../jobFollow';
import { checkKeys, concurrencyOf, readModelConfig, runGatewayOptions, TIMEOUT_S_RANGE } from '../keyPreflight';
import { openExistingStore } from './scale/scaleRuns';
import { followTuneJob, reportTuneEnd } from './tune';

/** What `tune` prints after a cancelled run: how to keep its best prompt, and how to go on with it. */
export function cancelledHints(runId: string): string {
  return `Save its best prompt so far with: prompt-tuner runs save-best ${runId}\nResume it with: prompt-tuner tune --resume ${runId}\n`;
}

/** The flags `tune --resume` reads; the run's own settings come from the store. */
export interface TuneResumeFlags {
  resume?: string | undefined;
  workspace?: string | undefined;
  json?: boolean | undefined;
  events?: boolean | undefined;
  estimate?: boolean | undefined;
  [flag: string]: unknown;
}

/** Flags that set what a run is: a resumed run keeps what it was started with. */
const RUN_FLAGS = [
  'suite',
  'mode',
  'meta-model',
  'model',
  'base-prompt-file',
  'base-prompt',
  'base-library',
  'population',
  'generations',
  'selection-ratio',
  'validation-split',
  'budget-usd',
  'no-cache',
];

/** The suite as the run named it: from the current folder (as `tune` took it), else from the workspace. */
function suitePath(file: string, io: CliIo, workspace: string): string {
  const fromCwd = path.resolve(io.cwd, file);
  return existsSync(fromCwd) ? fromCwd : path.resolve(workspace, file);
}

/** The USD cap a resumed run has left: what it spent before counts against it. */
function budgetLeft(config: TuneConfig, spent: number, runId: string): number | undefined {
  if (config.budgetUsd === undefined) return undefined;
  const left = config.budgetUsd - spent;
  if (left <= 0)
    throw new UsageError(
      `--resume: run ${runId} spent $${spent.toFixed(4)} of its $${config.budgetUsd} budget already; nothing is left to spend`,
    );
  return left;
}

async function openStore(workspace: string, io: CliIo, runId: string): Promise<Store> {
  const store = await openExistingStore(workspace, io);
  if (!store) throw new UsageError(`--resume: no tuning run ${runId} in ${workspace} (it has no store)`);
  return store;
}

export async function runTuneResume(values: TuneResumeFlags, io: CliIo): Promise<number> {
  let runId = values.resume?.trim();
  if (!runId) throw new UsageError('--resume: expected a run id (see prompt-tuner runs list)');
  const given = RUN_FLAGS.filter((f) => values[f] !== undefined);
  if (given.length)
    throw new UsageError(
      `--resume goes on with the run's own settings: drop ${given.map((f) => `--${f}`).join(', ')} (only --concurrency, --budget-calls, --timeout-s, --json, --events, --estimate and --workspace apply)`,
    );
  const workspace = workspaceDir(values.workspace, io.cwd);
  const modelConfig = readModelConfig(workspace, io);
  if (!modelConfig) return EXIT.badInput;
  const store = await openStore(workspace, io, runId);
  try {
    const runs = new TuneRunsRepository(store);
    let state;
    try {
      state = loadTuneResume(runs, runId);
    } catch (e) {
      if (e instanceof TuneResumeError) throw new UsageError(`--resume: ${e.message.replace(/^runId: /, '')}`);
      throw e;
    }
    runId = state.runId; // the whole id when a prefix was given
    const config = parseTuneConfig(state.config);
    const runModels = [config.metaModel, ...config.targetModels];
    if (!values.estimate && !checkKeys(runModels, modelConfig, 'tune', io)) return EXIT.badInput;
    const suite = await loadSuite(suitePath(config.suiteFile, io, workspace), config.suiteFile);
    const flag = (name: string) => (typeof values[name] === 'string' ? values[name] : undefined);
    const concurrency =
      numberFlag('concurrency', flag('concurrency'), { ...TUNE_LIMITS.concurrency, integer: true }) ??
      config.concurrency;
    const timeoutS = numberFlag('timeout-s', flag('timeout-s'), TIMEOUT_S_RANGE);
    const budgetCalls = numberFlag('budget-calls', flag('budget-calls'), { min: 1, integer: true });
    const budgetUsd = budgetLeft(config, state.snapshot.costUsd, runId);
    const human = !values.json && !values.events;
    const waiting = waitingNotes(io, { machine: !human });
    const gateway = waiting.track(
      createCliGateway(
        runGatewayOptions(io, workspace, store, modelConfig, {
          concurrency,
          budgetUsd,
          budgetCalls,
          timeoutS,
          noCache: config.noCache,
        }),
      ),
    );
    assertKnownProviders(
      [['--meta-model', config.metaModel], ...config.targetModels.map((t): [string, string] => ['--model', t])],
      gateway.providerIds(),
    );
    const estimate = resumeEstimate(
      config,
      suite.cases.length,
      state,
      (m) => gateway.measuredLatencyMs(m),
      concurrencyOf(modelConfig, concurrency),
    );
    if (values.estimate) {
      waiting.stop();
      if (values.json)
        io.out(
          `${JSON.stringify({ runId, calls: estimate.calls, seconds: estimate.seconds, metaCalls: estimate.metaCalls, evalCalls: estimate.evalCalls, evaluationsKept: estimate.evaluationsKept, assumedDefaultLatency: estimate.assumedDefaultLatency })}\n`,
        );
      else
        io.out(
          `Left of run ${runId}: ${formatEstimate(estimate)}\n  ${estimate.metaCalls} meta-model calls + ${estimate.evalCalls} evaluations; ${estimate.evaluationsKept} finished evaluations are kept\n`,
        );
      return EXIT.ok;
    }

    const library = new LibraryRepository(store);
    const base = config.baseVersionId ? library.getVersion(config.baseVersionId) : undefined;
    const job = resumeTuning(runId, {
      suite,
      gateway,
      store,
      library,
      saveAs: base?.promptName ?? `${suite.name} (tuned)`,
    });
    const final = await followTuneJob(
      job,
      gateway,
      waiting,
      {
        events: values.events,
        human,
        tuneStart: () => [
          `Resuming run ${runId} ("${suite.name}", ${config.mode}): ${estimate.evaluationsKept} finished evaluations kept\n  left: ${formatEstimate(estimate)}\n`,
        ],
      },
      io,
    );
    return await reportTuneEnd(
      final,
      final.callsPlanned,
      { gateway, runModels, modelConfig, json: values.json, human },
      io,
    );
  } finally {
    await store.close();
  }
}
