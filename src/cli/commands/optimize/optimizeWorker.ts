// `prompt-tuner optimize worker`: a process of runner workers on a shared store (a PostgreSQL URL for several
// machines, or a SQLite file for one), beside trainers that run with --no-local-workers. Its workers take any
// run's rollouts, run them on the worker's --model with the run's reward, heartbeat, write spans, and wait out a
// database that is briefly gone; a watchdog sweeps here too (every process does, on the store's clock). SIGTERM
// or Ctrl-C stops dequeuing and finishes the attempts in flight, then exits 0; a second signal quits at once (the
// watchdog of another process then takes the attempts back).
import { hostname } from 'node:os';
import { createCliGateway } from '../../../core/models/cliGateway';
import { loadModelConfig } from '../../../core/models/modelConfig';
import { TAU_DEFAULTS, type Claim, type RolloutStore, type WatchdogAction } from '../../../core/optimize/types';
import { startWatchdog } from '../../../core/optimize/watchdog';
import {
  startWorker,
  type ClaimReward,
  type LocalWorker,
  type StoreOutageEvent,
  type WorkerStats,
} from '../../../core/optimize/worker';
import { numberFlag, parse, workspaceDir } from '../../args';
import { EXIT, UsageError, type CliCommand, type CliIo } from '../../cliTypes';
import { DEFAULT_STORE } from './optimizeHelp';
import { checkModels, modelFlag, openCliStore, storePathOf, storeShown } from './optimizePreflight';

const WORKER_OPTIONS = {
  store: { type: 'string' },
  model: { type: 'string' },
  'worker-count': { type: 'string' },
  'poll-ms': { type: 'string' },
  'heartbeat-ms': { type: 'string' },
} as const;

/** The worker's own heartbeat when not given: Tau's default; a claim of a run that beats faster is beaten at its pace. */
const DEFAULT_HEARTBEAT_MS = TAU_DEFAULTS.heartbeat_interval_ms;

export const WORKER_HELP = `Usage: prompt-tuner optimize worker --model ID [--store URL|P] [--worker-count N] [--poll-ms N]
                                   [--heartbeat-ms N] [--json] [--workspace DIR]

Runs rollout workers for the prompt-optimization runs of a shared store until stopped: start a trainer
with prompt-tuner optimize run --no-local-workers (on any machine), and as many worker processes as you
like on the same store (a postgres:// URL for several machines; a SQLite file works for one machine).
Each worker registers in the store (its id names the host and the pid), takes the oldest queued
rollout of any run, runs it on --model with the run's system prompt and reward, heartbeats and writes
Tau's spans. A watchdog runs here too: attempts of a worker that went silent (or was killed) are
marked unresponsive and requeued while the run's max_attempts allow.

A database that goes away (a restart, a network drop) is waited out with a jittered backoff of up to a
few seconds; the attempt in flight is recorded when it is back, unless the watchdog took it meanwhile.

Stopping: SIGTERM or Ctrl-C stops taking rollouts, finishes the attempts in flight, marks the workers
stopped and exits 0; a second signal quits at once (the attempts left are taken back by a watchdog).

Options:
  --model ID             the model the rollouts run on (provider/model); every run's rollouts use it
  --store URL|P          the store: postgres://user@host/db (the password from PGPASSWORD, PG* variables
                         or ~/.pgpass; output shows the URL with any password masked), or a SQLite file
                         (default <workspace>/${DEFAULT_STORE})
  --worker-count N       workers in this process (default ${TAU_DEFAULTS.worker_count})
  --poll-ms N            how often an idle worker looks at the queue (default ${TAU_DEFAULTS.poll_interval_ms})
  --heartbeat-ms N       the heartbeat and watchdog interval (default ${DEFAULT_HEARTBEAT_MS}; a rollout whose run
                         beats faster is beaten at its run's heartbeat_interval_ms)
  --json                 one JSON object per line per event (worker_start, claim, rollout_end, watchdog,
                         store_outage, stopping, worker_stop) instead of progress lines
  --workspace DIR        the workspace (config.json for model endpoints, the default store)
  --help                 this text

Keys come from OPENAI_API_KEY / ANTHROPIC_API_KEY; OPENAI_BASE_URL / ANTHROPIC_BASE_URL point at other servers.

Exit codes: 0 stopped by a signal after finishing its attempts, 1 a store or worker failure, 2 bad input,
130 a second signal (quit at once).

Examples:
  prompt-tuner optimize worker --store postgres://tuner@db.internal/prompts --model openai/gpt-4o-mini --worker-count 4
  prompt-tuner optimize run --config po.json --model openai/gpt-4o-mini --store postgres://tuner@db.internal/prompts --no-local-workers
`;

/** One line of --json output. */
type WorkerEvent =
  | { type: 'worker_start'; store: string; model: string; host: string; pid: number; worker_ids: string[] }
  | { type: 'claim'; worker_id: string; run_id: string; rollout_id: string; attempt_id: string }
  | {
      type: 'rollout_end';
      worker_id: string;
      run_id: string;
      rollout_id: string;
      attempt_id: string;
      outcome: 'succeeded' | 'failed' | 'lost';
    }
  | { type: 'watchdog'; actions: WatchdogAction[] }
  | {
      type: 'store_outage';
      worker_id: string | null;
      state: 'down' | 'up';
      call: string;
      message: string | null;
      retry_in_ms: number | null;
    }
  | { type: 'stopping'; in_flight: number }
  | { type: 'worker_stop'; workers: WorkerStats[]; error: string | null };

function human(e: WorkerEvent): string {
  switch (e.type) {
    case 'worker_start':
      return `optimize worker: ${e.worker_ids.length} worker(s) on ${e.store}, model ${e.model} (pid ${e.pid} on ${e.host}); waiting for rollouts`;
    case 'claim':
      return `${e.worker_id}: ${e.rollout_id} (run ${e.run_id}) started`;
    case 'rollout_end':
      return `${e.worker_id}: ${e.rollout_id} ${e.outcome === 'lost' ? 'lost (the watchdog had taken it back; its result is dropped)' : e.outcome}`;
    case 'watchdog':
      return e.actions
        .map((a) => `watchdog: ${a.attempt_id} ${a.attempt_status}, rollout ${a.rollout_status} (${a.reason})`)
        .join('\n');
    case 'store_outage':
      return e.state === 'down'
        ? `${e.worker_id ?? 'watchdog'}: the store is unreachable (${e.message}); retrying with backoff`
        : `${e.worker_id ?? 'watchdog'}: the store is reachable again`;
    case 'stopping':
      return `stopping: finishing ${e.in_flight} attempt(s) in flight (a second signal quits at once)`;
    case 'worker_stop': {
      const sum = (k: 'succeeded' | 'failed' | 'lost') => e.workers.reduce((n, w) => n + w[k], 0);
      return `optimize worker stopped: ${sum('succeeded')} succeeded, ${sum('failed')} failed, ${sum('lost')} lost${e.error ? `; error: ${e.error}` : ''}`;
    }
  }
}

const messageOf = (e: unknown) => (e instanceof Error ? e.message : String(e));

/**
 * The reward of a claim: its run's (a run's config holds its reward and, for llm_judge, the judge model the
 * trainer wrote into it). Read once per run; a run asking for another model than this worker's is noted once.
 */
function runRewards(
  store: RolloutStore,
  model: string,
  note: (line: string) => void,
): (claim: Claim) => Promise<ClaimReward> {
  const byRun = new Map<string, Promise<ClaimReward>>();
  return (claim) => {
    const runId = claim.rollout.run_id;
    let found = byRun.get(runId);
    if (!found) {
      found = store.getRun(runId).then((row) => {
        if (!row) throw new Error(`run '${runId}' of rollout '${claim.rollout.rollout_id}' is not in the store`);
        if (row.model_ref !== model)
          note(`note: run ${runId} was started with model ${row.model_ref}; this worker runs its rollouts on ${model}`);
        const reward = row.config.reward;
        return { reward, ...(reward.type === 'llm_judge' ? { judgeModel: reward.model ?? row.model_ref } : {}) };
      });
      // A failed read (the store was out of reach) is tried again by the next claim of that run.
      found.catch(() => byRun.delete(runId));
      byRun.set(runId, found);
    }
    return found;
  };
}

async function runWorkerCommand(args: string[], io: CliIo): Promise<number> {
  const { values } = parse(args, WORKER_OPTIONS, false);
  const model = modelFlag('--model', values.model);
  if (model === undefined)
    throw new UsageError('--model ID is required (the model the rollouts run on, provider/model)');
  const workerCount =
    numberFlag('worker-count', values['worker-count'], { min: 1, max: 256, integer: true }) ??
    TAU_DEFAULTS.worker_count;
  const pollMs = numberFlag('poll-ms', values['poll-ms'], { min: 1, integer: true }) ?? TAU_DEFAULTS.poll_interval_ms;
  const heartbeatMs =
    numberFlag('heartbeat-ms', values['heartbeat-ms'], { min: 10, integer: true }) ?? DEFAULT_HEARTBEAT_MS;
  const workspace = workspaceDir(values.workspace, io.cwd);
  const location = storePathOf(values, io.cwd);
  const modelConfig = loadModelConfig(workspace);
  const gateway = createCliGateway({ env: io.env, workspace });
  if (!checkModels([['--model', model]], gateway, modelConfig, 'optimize worker', io)) return EXIT.badInput;

  const print = (e: WorkerEvent) => {
    if (values.json) io.out(`${JSON.stringify(e)}\n`);
    else io.out(`${human(e)}\n`);
  };
  const note = (line: string) => io.err(`${line}\n`);

  const store = await openCliStore(location, { create: true, io });
  const host = hostname();
  const pid = process.pid;
  // The workers' calls are never aborted by the first signal (they finish); only a failure stops them hard.
  const hard = new AbortController();
  let workers: LocalWorker[] = [];
  const inFlight = new Set<string>();
  const outage = (workerId: string | null) => (e: StoreOutageEvent) =>
    print({
      type: 'store_outage',
      worker_id: workerId,
      state: e.state,
      call: e.call,
      message: e.state === 'down' ? messageOf(e.error) : null,
      retry_in_ms: e.state === 'down' ? Math.round(e.retryInMs) : null,
    });

  let watchdogDown = false;
  const watchdog = startWatchdog({
    store,
    intervalMs: heartbeatMs,
    beforeSweep: async () => {
      await Promise.all(workers.map((w) => w.beat()));
    },
    onActions: (actions) => print({ type: 'watchdog', actions }),
    onError: (e) => {
      // The workers report an outage; the watchdog only once per stretch of failures.
      if (watchdogDown) return;
      watchdogDown = true;
      print({
        type: 'store_outage',
        worker_id: null,
        state: 'down',
        call: 'sweep',
        message: messageOf(e),
        retry_in_ms: heartbeatMs,
      });
    },
  });
  const rewards = runRewards(store, model, note);
  let failure: unknown;
  try {
    workers = Array.from({ length: workerCount }, (_, i) =>
      startWorker({
        store,
        gateway,
        workerId: `worker-${host}-pid${pid}-${i + 1}`,
        runId: null,
        model,
        reward: rewards,
        pollIntervalMs: pollMs,
        heartbeatIntervalMs: heartbeatMs,
        signal: hard.signal,
        host,
        pid,
        onClaim: (c) => {
          watchdogDown = false;
          inFlight.add(c.attempt.attempt_id);
          print({
            type: 'claim',
            worker_id: c.attempt.worker_id,
            run_id: c.rollout.run_id,
            rollout_id: c.rollout.rollout_id,
            attempt_id: c.attempt.attempt_id,
          });
        },
        onRolloutEnd: (c, outcome) => {
          inFlight.delete(c.attempt.attempt_id);
          print({
            type: 'rollout_end',
            worker_id: c.attempt.worker_id,
            run_id: c.rollout.run_id,
            rollout_id: c.rollout.rollout_id,
            attempt_id: c.attempt.attempt_id,
            outcome,
          });
        },
        onStoreOutage: outage(`worker-${host}-pid${pid}-${i + 1}`),
      }),
    );
    print({
      type: 'worker_start',
      store: storeShown(store.location),
      model,
      host,
      pid,
      worker_ids: workers.map((w) => w.workerId),
    });

    const stopAll = () => {
      for (const w of workers) w.stop();
    };
    const onSignal = () => {
      print({ type: 'stopping', in_flight: inFlight.size });
      stopAll();
    };
    if (io.signal.aborted) onSignal();
    else io.signal.addEventListener('abort', onSignal, { once: true });
    // One worker's failure (not an unreachable store: that is waited out) stops the others; its error is the exit's.
    for (const w of workers) {
      w.done.catch((e: unknown) => {
        failure ??= e;
        hard.abort(e);
        stopAll();
      });
    }
    const settled = await Promise.allSettled(workers.map((w) => w.done));
    io.signal.removeEventListener('abort', onSignal);
    const stats = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    print({ type: 'worker_stop', workers: stats, error: failure === undefined ? null : messageOf(failure) });
  } finally {
    await watchdog.stop();
    await gateway.onIdle();
    await store.close();
  }
  if (failure !== undefined) {
    io.err(`prompt-tuner optimize worker: ${messageOf(failure)}\n`);
    return EXIT.failed;
  }
  return EXIT.ok;
}

export const optimizeWorkerCommand: CliCommand = {
  path: ['optimize', 'worker'],
  summary: 'Rollout workers for runs on a shared store (PostgreSQL), until SIGTERM',
  help: WORKER_HELP,
  run: runWorkerCommand,
};
