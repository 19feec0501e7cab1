// The prompt-optimization run (Tau's trainer, then Agent Lightning's APO) on the job runtime: the run row and the
// initial resources version, local workers (unless the run's rollouts are left to `optimize worker` processes)
// and the watchdog for the whole run, the baseline batch, APO rounds, the best prompt marked latest and saved,
// status.json at each step. The CLI and the editor call only this. The run's reads wait out a store that is
// briefly unreachable (a database restart) instead of failing the run; the completion timeout still bounds a wait.
import { setMaxListeners } from 'node:events';
import { hostname } from 'node:os';
import { linkedController, newJobId } from '../jobs/job';
import { interruptedBy } from '../jobs/owner';
import { JobRuntime, type Job, type JobStop } from '../jobs/runtime';
import type { Gateway } from '../models/gateway';
import type { GatewayEvent, ModelGateway, ModelResult } from '../models/types';
import { runApo } from './apo/apo';
import type { ApoContext } from './apoContext';
import { RolloutBatches } from './batches';
import { buildReport } from './report';
import { foldOptimizeEvent, initialOptimizeSnapshot } from './snapshot';
import { emptyCounters } from './store/counters';
import { statusPathFor, writeStatusFile } from './statusFile';
import { retryWhileUnavailable } from './storeOutage';
import type {
  ApoRound,
  BestPrompt,
  Counters,
  OptimizeConfig,
  OptimizeEvent,
  OptimizeRunRow,
  OptimizeRunSnapshot,
  OptimizeRunStatus,
  ResourcesRow,
  RolloutRow,
  RolloutStore,
  StatusFile,
  WatchdogAction,
} from './types';
import { startWatchdog, type Watchdog } from './watchdog';
import { startWorker, type LocalWorker } from './worker';

export interface OptimizeDeps {
  store: RolloutStore;
  gateway: Gateway;
  /** Saves the best prompt (the CLI: the workspace library; the editor: the host's); absent: not saved. */
  saveBest?: (
    best: BestPrompt,
    run: { runId: string; configPath: string; modelRef: string },
  ) => Promise<{ name: string; version: number }>;
  /** Cancels the run too (Ctrl-C). */
  signal?: AbortSignal;
  /** ms since the epoch for status.json and the completion deadline; default Date.now. */
  clock?: () => number;
  /** The runtime's batched-write interval (ms). */
  flushIntervalMs?: number;
  /** The workspace: a PostgreSQL store's status.json is its `.prompt-tuner/training/status.json` (default: cwd). */
  workspace?: string;
}

/** How the run's rollouts are executed. */
export interface RolloutExecution {
  /**
   * Run worker_count workers in this process (default true). false: the trainer only enqueues, watches (its
   * watchdog still runs), waits and reports; `optimize worker` processes on the store execute the rollouts, and
   * without one the completion timeout fails the run.
   */
  localWorkers?: boolean;
}

export interface OptimizeStart extends RolloutExecution {
  config: OptimizeConfig;
  configPath: string;
  /** provider/model the workers run. */
  model: string;
  /** `--meta-model`: APO's critique and edit model when the config names none. */
  metaModel?: string | null;
  /** As the user gave it (reported and written to status.json). */
  storePath: string;
}

export type OptimizeJob = Job<OptimizeEvent, OptimizeRunSnapshot>;

/** Nothing to resume, or a run that may not be resumed; the message is the user's. */
export class ResumeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ResumeError';
  }
}

/** A reward at or above this passes an item (exact_match and the other 0/1 rewards: 1). */
const PASS = 1 - 1e-9;

type EventBody = OptimizeEvent extends infer E ? (E extends OptimizeEvent ? Omit<E, 'runId' | 'at'> : never) : never;

interface LaunchPlan {
  row: OptimizeRunRow;
  model: string;
  storePath: string;
  initial: ResourcesRow;
  snapshot: OptimizeRunSnapshot;
  lastSeq: number;
  resumed: boolean;
  /** What the resume's first sweep reclaimed. */
  swept: WatchdogAction[];
  localWorkers: boolean;
}

/** Model calls and their cost for the report; a call of unknown price makes the cost unknown. */
class CallTally {
  calls = 0;
  cost: number | null = 0;
  add(r: ModelResult): void {
    if (r.cached) return;
    this.calls++;
    this.cost = this.cost === null || r.costUsd === null ? null : this.cost + r.costUsd;
  }
}

function counting(inner: ModelGateway, tally: CallTally): ModelGateway {
  return {
    call: async (request, options) => {
      const r = await inner.call(request, options);
      tally.add(r);
      return r;
    },
    onEvent: (l) => inner.onEvent(l),
    stats: () => inner.stats(),
    measuredLatencyMs: (m) => inner.measuredLatencyMs(m),
  };
}

function systemPromptOf(r: ResourcesRow): string {
  return typeof r.resources.system_prompt === 'string' ? r.resources.system_prompt : '';
}

/** Mean reward of a set's rollouts; a failed one counts 0, a cancelled one not at all; null when none. */
export function meanReward(rows: readonly RolloutRow[]): number | null {
  const scored = rows.filter((r) => r.status !== 'cancelled');
  if (scored.length === 0) return null;
  return scored.reduce((sum, r) => sum + (r.reward ?? 0), 0) / scored.length;
}

/**
 * The models written into the stored config, so a resume uses the same ones: APO's critique and edit models and
 * an llm_judge reward's judge are the config's, else --meta-model, else the run's model.
 */
function withModels(config: OptimizeConfig, model: string, metaModel: string | null | undefined): OptimizeConfig {
  const meta = metaModel ?? model;
  const reward =
    config.reward.type === 'llm_judge' ? { ...config.reward, model: config.reward.model ?? meta } : config.reward;
  const apo = config.apo
    ? { ...config.apo, gradient_model: config.apo.gradient_model ?? meta, edit_model: config.apo.edit_model ?? meta }
    : null;
  return { ...config, reward, apo };
}

function throttleOf(
  ge: Extract<GatewayEvent, { type: 'throttle' }>,
  base: { runId: string; at: string },
): OptimizeEvent {
  return { type: 'throttle', ...base, provider: ge.provider, retryInMs: ge.retryInMs ?? null, queued: ge.queued };
}

function stopEventOf(stop: JobStop, base: { runId: string; at: string }): OptimizeEvent {
  if (stop.kind === 'cancelled') return { type: 'optimize_cancelled', ...base, message: stop.message };
  return { type: 'optimize_error', ...base, message: stop.message };
}

function launch(deps: OptimizeDeps, plan: LaunchPlan): OptimizeJob {
  const { store } = deps;
  const { row, model, storePath, initial } = plan;
  const config = row.config;
  const runId = row.run_id;
  const clock = deps.clock ?? Date.now;
  const statusPath = statusPathFor(storePath, deps.workspace);
  // The run's own reads and writes that are safe to repeat: retried while the store is out of reach, until the
  // run stops (a wait's completion deadline is the batches' own).
  const live = <T>(fn: () => Promise<T>): Promise<T> => retryWhileUnavailable(fn, { signal: rt.signal });
  const tally = new CallTally();
  const gateway = counting(deps.gateway, tally);

  const rt = new JobRuntime<OptimizeEvent, OptimizeRunSnapshot>({
    runId,
    initial: plan.snapshot,
    fold: foldOptimizeEvent,
    ephemeral: (e) => e.type === 'progress' || e.type === 'throttle',
    persist: (w) => store.persistJob(runId, w),
    lastSeq: plan.lastSeq,
    gateway: deps.gateway,
    throttleEvent: throttleOf,
    stopEvent: stopEventOf,
    ...(deps.flushIntervalMs !== undefined ? { flushIntervalMs: deps.flushIntervalMs } : {}),
    ...(deps.signal ? { signal: deps.signal } : {}),
  });
  // The type first, as stored and printed.
  const emit = (body: EventBody) => rt.emit(Object.assign({ type: body.type, runId, at: rt.at() }, body));

  const statusOf = (state: StatusFile['run_state'], c: Counters): StatusFile => ({
    schema_version: 1,
    updated_unix_ms: clock(),
    run_state: state,
    model_ref: model,
    store_path: storePath,
    total_rollouts: c.total_rollouts,
    succeeded: c.succeeded,
    failed: c.failed,
    cancelled: c.cancelled,
  });
  let statusWrittenAt = 0;
  const writeStatus = (state: StatusFile['run_state'], c: Counters) => {
    writeStatusFile(statusPath, statusOf(state, c));
    statusWrittenAt = clock();
  };

  // Workers get their own signal: a failed run stops their calls too, not only a cancelled one.
  const workerStop = linkedController(rt.signal);
  // Every call in flight listens on these signals: worker_count calls and their retries are not a leak.
  setMaxListeners(0, workerStop.signal, rt.signal);
  let fatal: unknown;
  const batches = new RolloutBatches({
    store,
    runId,
    runNumber: row.run_number,
    config,
    signal: rt.signal,
    clock,
    fatal: () => fatal,
    onEnqueued: (count, mode, purpose, round) => emit({ type: 'rollouts_enqueued', count, mode, purpose, round }),
    onProgress: (counters) => {
      emit({ type: 'progress', counters });
      // status.json "while running", about once a second; a failed write here waits for the next one.
      if (clock() - statusWrittenAt >= 1000) {
        try {
          writeStatus('running', counters);
        } catch {
          // the batch's own write after it ends reports a lasting failure
        }
      }
    },
  });

  let workers: LocalWorker[] = [];
  let watchdog: Watchdog | undefined;
  let stopping: Promise<void> | undefined;
  const stopAll = (): Promise<void> =>
    (stopping ??= (async () => {
      for (const w of workers) w.stop();
      await Promise.allSettled(workers.map((w) => w.done));
      await watchdog?.stop();
    })());

  const best = async (apoBest: ResourcesRow, reward: number | null): Promise<BestPrompt> => {
    await live(() => store.markLatest(apoBest.resources_id));
    const prompt: BestPrompt = {
      resources_id: apoBest.resources_id,
      resources_version: apoBest.version,
      system_prompt: systemPromptOf(apoBest),
      validate_reward: reward,
      library: null,
    };
    if (deps.saveBest) {
      try {
        prompt.library = await deps.saveBest(prompt, { runId, configPath: row.config_path, modelRef: model });
      } catch (e) {
        throw new Error(
          `the best prompt (version ${apoBest.version}) could not be saved to the library: ${e instanceof Error ? e.message : String(e)}; resume the run to try again`,
          { cause: e },
        );
      }
    }
    return prompt;
  };

  const job = rt.start(async () => {
    // The caller gets the job from an async function: wait a macrotask so it can subscribe before the first event.
    await new Promise<void>((resolve) => setImmediate(resolve));
    emit({
      type: 'optimize_start',
      model_ref: model,
      store_path: storePath,
      items: { optimize: config.optimize.length, validate: config.validate.length },
      rounds_total: config.apo?.rounds ?? 0,
      resumed: plan.resumed,
    });
    if (plan.swept.length > 0) emit({ type: 'watchdog', actions: plan.swept });
    writeStatus('running', await live(() => store.counters(runId)));
    watchdog = startWatchdog({
      store,
      intervalMs: config.heartbeat_interval_ms,
      beforeSweep: async () => {
        await Promise.all(workers.map((w) => w.beat()));
      },
      onActions: (actions) => {
        if (rt.isFinished) return;
        try {
          emit({ type: 'watchdog', actions });
        } catch {
          // the store failed: the runtime has stopped the run and says so
        }
      },
    });
    const host = hostname();
    workers = Array.from({ length: plan.localWorkers ? config.worker_count : 0 }, (_, i) =>
      startWorker({
        store,
        gateway,
        workerId: `trainer-worker-${i + 1}-run${row.run_number}-pid${process.pid}`,
        runId,
        model,
        reward: config.reward,
        pollIntervalMs: config.poll_interval_ms,
        heartbeatIntervalMs: config.heartbeat_interval_ms,
        signal: workerStop.signal,
        host,
      }),
    );
    for (const w of workers) w.done.catch((e: unknown) => (fatal ??= e));

    try {
      const all = (n: number) => Array.from({ length: n }, (_, i) => i);
      const [opt, val] = await batches.run([
        {
          resources: initial,
          set: 'optimize',
          itemIndexes: all(config.optimize.length),
          purpose: 'baseline',
          round: null,
        },
        {
          resources: initial,
          set: 'validate',
          itemIndexes: all(config.validate.length),
          purpose: 'baseline',
          round: null,
        },
      ]);
      writeStatus('running', await live(() => store.counters(runId)));
      const mean = { optimize: meanReward(opt!), validate: meanReward(val!) };
      const validatePassed = val!.filter((r) => (r.reward ?? 0) >= PASS).map((r) => r.metadata.item_index);
      emit({ type: 'baseline_scored', mean_reward: mean, validate_passed: validatePassed });

      let chosen = initial;
      let chosenReward = mean.validate;
      let rounds: ApoRound[] = rt.snapshot().rounds;
      if (config.apo) {
        const marked = config.validate.flatMap((item, i) => (item.must_not_regress === true ? [i] : []));
        const ctx: ApoContext = {
          config,
          apo: config.apo,
          gradientModel: config.apo.gradient_model ?? model,
          editModel: config.apo.edit_model ?? model,
          gateway,
          signal: rt.signal,
          seed: row.run_number,
          initial,
          baselineValidate: new Map(val!.map((r) => [r.metadata.item_index, r.reward ?? 0])),
          mustNotRegress: marked.length > 0 ? marked : validatePassed,
          completedRounds: plan.snapshot.rounds,
          evaluate: async (resources, set, itemIndexes, purpose, round) => {
            const [rows] = await batches.run([{ resources, set, itemIndexes, purpose, round }]);
            writeStatus('running', await live(() => store.counters(runId)));
            return rows!;
          },
          // Find-or-make, so a retry after a commit whose answer was lost finds the version it made.
          newCandidate: (systemPrompt, parent, round, k) =>
            batches.serial(() =>
              live(async () => {
                const label = `apo r${round} c${k}`;
                const existing = (await store.listResources(runId)).find((r) => r.label === label);
                if (existing) return existing;
                return store.addResources(
                  { ...parent.resources, system_prompt: systemPrompt },
                  { run_id: runId, label, parent_version: parent.version, latest: false },
                );
              }),
            ),
          roundStart: (round) => emit({ type: 'round_start', round }),
          roundComplete: (round) => emit({ type: 'round_complete', round }),
        };
        const result = await runApo(ctx);
        chosen = result.best;
        chosenReward = result.bestReward;
        rounds = result.rounds;
      }
      emit({ type: 'best_saved', best: await best(chosen, chosenReward) });
      await stopAll();
      const counters = await live(() => store.counters(runId));
      const report = buildReport({
        runId,
        modelRef: model,
        storePath,
        counters,
        meanReward: mean,
        best: rt.snapshot().best,
        rounds,
        calls: tally.calls,
        costUsd: tally.cost,
      });
      emit({ type: 'optimize_complete', report });
    } catch (e) {
      // Nothing of a stopped run stays queued or running: its open rollouts (and their attempts) are cancelled.
      workerStop.abort(e);
      try {
        await store.cancelRollouts(runId);
      } catch {
        // the store is failing; the run's error says why
      }
      throw e;
    } finally {
      await stopAll();
    }
  });

  const done = (async (): Promise<OptimizeRunSnapshot> => {
    const final = await job.done;
    let counters: Counters = { ...emptyCounters(), ...final.counters };
    // The run has ended (its signal may be aborted): a store out of reach gets a bounded wait, not the run's.
    const settle = <T>(fn: () => Promise<T>) => retryWhileUnavailable(fn, { deadlineMs: Date.now() + 30_000 });
    try {
      counters = await settle(() => store.counters(runId));
    } catch {
      // the last counters the run saw
    }
    const status: Exclude<OptimizeRunStatus, 'running'> = final.status === 'running' ? 'failed' : final.status;
    const report =
      final.report ??
      buildReport({
        runId,
        modelRef: model,
        storePath,
        counters,
        meanReward: final.mean_reward,
        best: final.best,
        rounds: final.rounds,
        calls: tally.calls,
        costUsd: tally.cost,
      });
    try {
      await settle(() => store.finishRun(runId, status, report, status === 'completed' ? null : final.error));
    } catch {
      // the run's error already says the store failed; the row reads back as interrupted
    }
    try {
      writeStatus(status, counters);
    } catch {
      // status.json is a convenience copy; the store has the run
    }
    return final;
  })();
  return { ...job, done };
}

/** Starts a run: its row, the initial resources version (latest), then the job. */
export async function startOptimization(deps: OptimizeDeps, start: OptimizeStart): Promise<OptimizeJob> {
  const config = withModels(start.config, start.model, start.metaModel);
  const row = await deps.store.createRun({
    run_id: newJobId(),
    model_ref: start.model,
    config_path: start.configPath,
    config,
    store_path: start.storePath,
  });
  const initial = await deps.store.addResources(config.resources, {
    run_id: row.run_id,
    label: 'initial',
    parent_version: null,
    latest: true,
  });
  const snapshot = initialOptimizeSnapshot({
    runId: row.run_id,
    model_ref: start.model,
    store_path: start.storePath,
    items: { optimize: config.optimize.length, validate: config.validate.length },
    rounds_total: config.apo?.rounds ?? 0,
    startedAt: row.started_at,
  });
  return launch(deps, {
    row,
    model: start.model,
    storePath: start.storePath,
    initial,
    snapshot,
    lastSeq: 0,
    resumed: false,
    swept: [],
    localWorkers: start.localWorkers ?? true,
  });
}

/** The run to resume: the one asked for, else the newest that did not complete. */
async function runToResume(store: RolloutStore, runId: string | undefined): Promise<OptimizeRunRow> {
  let row: OptimizeRunRow | undefined;
  if (runId !== undefined) {
    row = await store.getRun(runId);
    if (!row)
      throw new ResumeError(`no prompt-optimization run '${runId}' in '${store.location}' (see optimize status)`);
  } else {
    row = (await store.listRuns()).find((r) => r.status !== 'completed');
    if (!row) throw new ResumeError(`no unfinished prompt-optimization run in '${store.location}' to resume`);
  }
  if (row.status === 'completed') throw new ResumeError(`run '${row.run_id}' is already completed; nothing to resume`);
  if (row.status === 'running' && interruptedBy(row) === null) {
    throw new ResumeError(
      `run '${row.run_id}' is still running (pid ${row.owner_pid} on ${row.owner_host}); wait for it or stop it first`,
    );
  }
  return row;
}

/**
 * Continues an interrupted, failed or cancelled run: a sweep first (a killed process's attempts become
 * unresponsive and requeue), then the same phases; rollouts and APO rounds already made are reused.
 */
export async function resumeOptimization(
  deps: OptimizeDeps,
  opts: { runId?: string; model?: string } & RolloutExecution,
): Promise<OptimizeJob> {
  const { store } = deps;
  const found = await runToResume(store, opts.runId);
  const swept = await store.sweep();
  const model = opts.model ?? found.model_ref;
  await store.reopenRun(found.run_id, model);
  const row = (await store.getRun(found.run_id))!;
  const storePath = store.location;
  const initial =
    (await store.listResources(row.run_id)).find((r) => r.label === 'initial') ??
    (await store.addResources(row.config.resources, {
      run_id: row.run_id,
      label: 'initial',
      parent_version: null,
      latest: true,
    }));
  const stored = await store.readJob(row.run_id);
  const fresh = initialOptimizeSnapshot({
    runId: row.run_id,
    model_ref: model,
    store_path: storePath,
    items: { optimize: row.config.optimize.length, validate: row.config.validate.length },
    rounds_total: row.config.apo?.rounds ?? 0,
    startedAt: row.started_at,
  });
  const snapshot: OptimizeRunSnapshot = stored.snapshot
    ? { ...stored.snapshot, status: 'running', endedAt: null, error: null, report: null, throttle: null }
    : fresh;
  return launch(deps, {
    row,
    model,
    storePath,
    initial,
    snapshot,
    lastSeq: stored.lastSeq,
    resumed: true,
    swept,
    localWorkers: opts.localWorkers ?? true,
  });
}
