// A runner worker (Tau's TrainingRunner), local to a trainer or in an `optimize worker` process: registers, polls
// the queue, heartbeats on a timer (the worker row and its attempt), executes a claim and records how it ended.
// A result the watchdog already took is dropped. Every claim, span write and recorded ending is a heartbeat too,
// so a beat within half an interval of one is skipped: each is a durable commit, and the watchdog only acts after
// three silent intervals (the longest silence this leaves is about one and a half; half, not a whole one, so that
// an idle worker's ticks are never skipped). A claim whose rollout wants beats more often than the worker's own
// interval (a run with a shorter heartbeat_interval_ms) is beaten at the rollout's pace while in hand.
// A store that cannot be reached (a database restart, a network drop) does not end the worker: each call backs
// off and retries until the database is back; the attempt in hand is then recorded, or the watchdog has taken it
// meanwhile and finishAttempt says 'lost' (never lost, never succeeded twice).
import { hostname } from 'node:os';
import type { ModelGateway, ModelResult } from '../models/types';
import { executeRollout, isStopError } from './executor';
import { AttemptLostError } from './store/errors';
import { isStoreUnavailable, retryWhileUnavailable, type RetryOptions } from './storeOutage';
import type { Claim, RewardSpec, RolloutStore, Span } from './types';

/** How a claim is scored: its run's reward (a worker process serves every run of a store) and judge model. */
export interface ClaimReward {
  reward: RewardSpec;
  judgeModel?: string;
}

/** The store could not be reached (`down`, with the wait before the next try) or is reachable again (`up`). */
export type StoreOutageEvent =
  { state: 'down'; error: unknown; retryInMs: number; call: string } | { state: 'up'; call: string };

export interface WorkerOptions {
  store: RolloutStore;
  gateway: ModelGateway;
  workerId: string;
  /** Only this run's rollouts; null: any run's (an `optimize worker` process). */
  runId: string | null;
  model: string;
  /** One reward for every claim (a trainer's workers), or looked up per claim (a worker process: the run's). */
  reward: RewardSpec | ((claim: Claim) => Promise<ClaimReward>);
  judgeModel?: string;
  pollIntervalMs: number;
  heartbeatIntervalMs: number;
  /** Aborts the call in flight and stops the worker (cancel). Its attempt is left to the canceller. */
  signal: AbortSignal;
  onCall?: (result: ModelResult) => void;
  /** After each claim (before it runs). */
  onClaim?: (claim: Claim) => void;
  /** After each claim ended (recorded, or lost to the watchdog). */
  onRolloutEnd?: (claim: Claim, outcome: 'succeeded' | 'failed' | 'lost') => void;
  /** The store went out of reach or came back (the worker waits meanwhile). */
  onStoreOutage?: (event: StoreOutageEvent) => void;
  /** The backoff while the store is out of reach (tests shorten it). */
  backoff?: Pick<RetryOptions, 'baseMs' | 'maxMs'>;
  pid?: number;
  host?: string;
}
export interface WorkerStats {
  workerId: string;
  /** Attempts recorded as succeeded / failed. */
  succeeded: number;
  failed: number;
  /** Results dropped because the watchdog had already taken the attempt. */
  lost: number;
  /** The attempt in flight when the signal aborted; the canceller ends it (cancelRollouts). */
  abandoned: string | null;
}

export interface LocalWorker {
  workerId: string;
  /** Finish the claim in hand, then stop (the trainer's batches are over). */
  stop(): void;
  /** A heartbeat now (worker row and attempt in hand), unless a write that counts as one is under half an interval old. */
  beat(): Promise<void>;
  /** Resolves when the loop has ended and the worker is stopped in the store; rejects on a store failure. */
  done: Promise<WorkerStats>;
}

/** Sleeps ms, or less when the signal aborts or `wake` is called (stop). */
function abortableSleep(ms: number, signal: AbortSignal, onWake: (wake: () => void) => void): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      onWake(() => undefined);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
    onWake(done);
  });
}

export function startWorker(opts: WorkerOptions): LocalWorker {
  const { store, workerId, signal } = opts;
  let stopping = false;
  let wakeUp: () => void = () => undefined;
  const onWake = (wake: () => void) => {
    wakeUp = wake;
  };
  // Aborted by stop() or the signal: cuts short the waits of an idle worker (a poll, a retry of register/dequeue),
  // never the recording of a claim in hand.
  const idle = new AbortController();
  const onAbort = () => idle.abort();
  if (signal.aborted) idle.abort();
  else signal.addEventListener('abort', onAbort, { once: true });
  const stats: WorkerStats = { workerId, succeeded: 0, failed: 0, lost: 0, abandoned: null };
  let activeAttempt: string | null = null;
  let beating: Promise<void> = Promise.resolve();
  let heartbeatError: unknown;

  // One outage is reported once (down), then once more when a call succeeds again (up).
  let down = false;
  const retry = <T>(call: string, fn: () => Promise<T>, stop: AbortSignal): Promise<T> =>
    retryWhileUnavailable(fn, {
      ...opts.backoff,
      signal: stop,
      onRetry: (error, retryInMs) => {
        if (down) return;
        down = true;
        opts.onStoreOutage?.({ state: 'down', error, retryInMs, call });
      },
    }).then((v) => {
      if (down) {
        down = false;
        opts.onStoreOutage?.({ state: 'up', call });
      }
      return v;
    });

  // When the store last recorded this worker's heartbeat and that of the attempt in hand (monotonic ms): by its
  // registration, a claim, a span write, a recorded ending or a heartbeat. A claim changes the attempt in hand and
  // is itself its first heartbeat, so a time set here never stands for an attempt before.
  let beatenAt = -Infinity;
  const beaten = () => {
    beatenAt = performance.now();
  };

  // The heartbeat interval in force: the worker's own, or the claim's rollout's when that is shorter (its
  // unresponsive_seconds is 3 of its run's intervals).
  let intervalMs = opts.heartbeatIntervalMs;
  let timer: ReturnType<typeof setInterval> | undefined;
  const setBeatInterval = (ms: number) => {
    intervalMs = ms;
    if (timer !== undefined) {
      clearInterval(timer);
      timer = setInterval(beat, intervalMs);
    }
  };
  const claimInterval = (claim: Claim) => {
    const own = (claim.rollout.config.unresponsive_seconds * 1000) / 3;
    return Number.isFinite(own) && own > 0 ? Math.min(opts.heartbeatIntervalMs, own) : opts.heartbeatIntervalMs;
  };

  // One heartbeat at a time: a slow write is not stacked up behind by the next tick.
  let beatInFlight = false;
  let ended = false;
  function beat(): void {
    if (beatInFlight || ended || performance.now() - beatenAt < intervalMs / 2) return;
    beatInFlight = true;
    beating = store
      .heartbeat(workerId, activeAttempt)
      .then(beaten)
      .catch((e: unknown) => {
        // A lost attempt is the executor's to find out (its next span throws); an unreachable store is retried by
        // the next tick; anything else stops the worker.
        if (e instanceof AttemptLostError) return;
        if (isStoreUnavailable(e)) return;
        heartbeatError ??= e;
      })
      .finally(() => {
        beatInFlight = false;
      });
  }

  const loop = async (): Promise<WorkerStats> => {
    try {
      await retry(
        'registerWorker',
        () =>
          store.registerWorker({
            worker_id: workerId,
            run_id: opts.runId,
            pid: opts.pid ?? process.pid,
            host: opts.host ?? hostname(),
          }),
        idle.signal,
      );
    } catch (e) {
      // Stopped before the store was ever reached: nothing to finish.
      if (idle.signal.aborted && isStoreUnavailable(e)) return stats;
      throw e;
    }
    beaten();
    timer = setInterval(beat, intervalMs);
    try {
      while (!stopping && !signal.aborted) {
        // eslint-disable-next-line @typescript-eslint/only-throw-error -- rethrows the heartbeat's failure unchanged, whatever it is
        if (heartbeatError !== undefined) throw heartbeatError;
        // A run's worker takes only its run's rollouts: it runs that run's model.
        let claim: Claim | undefined;
        try {
          claim = await retry(
            'dequeue',
            () => store.dequeue(workerId, opts.runId === null ? {} : { runId: opts.runId }),
            idle.signal,
          );
        } catch (e) {
          // Stopped while the store was out of reach: a claim made by a commit whose answer was lost is the watchdog's.
          if (idle.signal.aborted && isStoreUnavailable(e)) break;
          throw e;
        }
        if (!claim) {
          await abortableSleep(opts.pollIntervalMs, signal, onWake);
          continue;
        }
        activeAttempt = claim.attempt.attempt_id;
        // The claim's commit set both heartbeats.
        beaten();
        setBeatInterval(claimInterval(claim));
        try {
          await runClaim(claim);
        } finally {
          activeAttempt = null;
          setBeatInterval(opts.heartbeatIntervalMs);
        }
      }
    } finally {
      ended = true;
      clearInterval(timer);
      timer = undefined;
      await beating;
    }
    return stats;
  };

  // The executor's store: its reads and span writes wait out an unreachable store too (a span write retried after
  // a commit whose answer was lost may be stored twice; the attempt's ending is recorded once whatever happens).
  const execStore: RolloutStore = Object.assign(Object.create(store) as RolloutStore, {
    getResources: (id: string) => retry('getResources', () => store.getResources(id), signal),
    addSpans: (attemptId: string, spans: Parameters<RolloutStore['addSpans']>[1]) =>
      retry('addSpans', () => store.addSpans(attemptId, spans), signal),
  });

  const rewardOf = async (claim: Claim): Promise<ClaimReward> => {
    if (typeof opts.reward !== 'function')
      return { reward: opts.reward, ...(opts.judgeModel ? { judgeModel: opts.judgeModel } : {}) };
    const lookup = opts.reward;
    return retry('reward', () => lookup(claim), signal);
  };

  const runClaim = async (claim: Claim): Promise<void> => {
    const attemptId = claim.attempt.attempt_id;
    opts.onClaim?.(claim);
    try {
      let scoring: ClaimReward | undefined;
      let unscored: string | undefined;
      try {
        scoring = await rewardOf(claim);
      } catch (e) {
        if (isStopError(e, signal) || isStoreUnavailable(e)) throw e;
        unscored = `the rollout's reward could not be read: ${e instanceof Error ? e.message : String(e)}`;
      }
      const outcome = scoring
        ? await executeRollout(
            {
              store: execStore,
              gateway: opts.gateway,
              model: opts.model,
              reward: scoring.reward,
              ...(scoring.judgeModel ? { judgeModel: scoring.judgeModel } : {}),
              signal,
              ...(opts.onCall ? { onCall: opts.onCall } : {}),
              onSpansWritten: beaten,
            },
            claim,
          )
        : ({
            status: 'failed',
            error: unscored ?? 'the rollout could not be scored',
            reward: null,
            answer: null,
            spans: [] as Span[],
          } as const);
      // The last spans go with the ending: one commit. Retried until the store is back (a retry after a commit
      // whose answer was lost finds the attempt ended: 'lost', nothing written twice); a stop does not cut it short.
      const recorded = await retry(
        'finishAttempt',
        () =>
          store.finishAttempt(
            attemptId,
            outcome.status === 'succeeded'
              ? { status: 'succeeded', reward: outcome.reward, answer: outcome.answer, spans: outcome.spans }
              : { status: 'failed', error: outcome.error, reward: null, answer: outcome.answer, spans: outcome.spans },
          ),
        signal,
      );
      if (recorded === 'lost') {
        stats.lost++;
        opts.onRolloutEnd?.(claim, 'lost');
        return;
      }
      // The ending set the worker's heartbeat; it is idle now.
      beaten();
      stats[outcome.status]++;
      opts.onRolloutEnd?.(claim, outcome.status);
    } catch (e) {
      if (e instanceof AttemptLostError) {
        stats.lost++;
        opts.onRolloutEnd?.(claim, 'lost');
        return;
      }
      if (isStopError(e, signal)) {
        stats.abandoned = attemptId;
        return;
      }
      throw e;
    }
  };

  const done = (async () => {
    try {
      return await loop();
    } finally {
      signal.removeEventListener('abort', onAbort);
      try {
        // A few seconds for a store that is briefly out of reach; past that the stale row is the watchdog's.
        await retryWhileUnavailable(() => store.stopWorker(workerId), {
          ...opts.backoff,
          deadlineMs: Date.now() + 10_000,
        });
      } catch {
        // The store failed; the loop's own error (if any) says so, and a stale worker row is what the watchdog expects.
      }
    }
  })();
  return {
    workerId,
    stop: () => {
      stopping = true;
      idle.abort();
      wakeUp();
    },
    beat: async () => {
      beat();
      await beating;
    },
    done,
  };
}
