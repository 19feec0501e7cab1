// A local runner worker (Tau's TrainingRunner): registers, polls the queue, heartbeats on a timer (the worker row
// and its attempt), executes a claim and records how it ended. A result the watchdog already took is dropped.
// Every claim, span write and recorded ending is a heartbeat too, so a beat within half an interval of one is
// skipped: each is a durable commit, and the watchdog only acts after three silent intervals (the longest silence
// this leaves is about one and a half; half, not a whole one, so that an idle worker's ticks are never skipped).
import { hostname } from 'node:os';
import type { ModelGateway, ModelResult } from '../models/types';
import { executeRollout, isStopError } from './executor';
import { AttemptLostError } from './store/errors';
import type { Claim, RewardSpec, RolloutStore } from './types';

export interface WorkerOptions {
  store: RolloutStore;
  gateway: ModelGateway;
  workerId: string;
  runId: string | null;
  model: string;
  reward: RewardSpec;
  judgeModel?: string;
  pollIntervalMs: number;
  heartbeatIntervalMs: number;
  /** Aborts the call in flight and stops the worker (cancel). Its attempt is left to the canceller. */
  signal: AbortSignal;
  onCall?: (result: ModelResult) => void;
  /** After each claim ended (recorded, or lost to the watchdog). */
  onRolloutEnd?: (claim: Claim, outcome: 'succeeded' | 'failed' | 'lost') => void;
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
  const stats: WorkerStats = { workerId, succeeded: 0, failed: 0, lost: 0, abandoned: null };
  let activeAttempt: string | null = null;
  let beating: Promise<void> = Promise.resolve();
  let heartbeatError: unknown;

  // When the store last recorded this worker's heartbeat and that of the attempt in hand (monotonic ms): by its
  // registration, a claim, a span write, a recorded ending or a heartbeat. A claim changes the attempt in hand and
  // is itself its first heartbeat, so a time set here never stands for an attempt before.
  let beatenAt = -Infinity;
  const beaten = () => {
    beatenAt = performance.now();
  };

  // One heartbeat at a time: a slow write is not stacked up behind by the next tick.
  let beatInFlight = false;
  let ended = false;
  const beat = () => {
    if (beatInFlight || ended || performance.now() - beatenAt < opts.heartbeatIntervalMs / 2) return;
    beatInFlight = true;
    beating = store
      .heartbeat(workerId, activeAttempt)
      .then(beaten)
      .catch((e: unknown) => {
        // A lost attempt is the executor's to find out (its next span throws); anything else stops the worker.
        if (!(e instanceof AttemptLostError)) heartbeatError ??= e;
      })
      .finally(() => {
        beatInFlight = false;
      });
  };

  const loop = async (): Promise<WorkerStats> => {
    await store.registerWorker({ worker_id: workerId, run_id: opts.runId, pid: opts.pid ?? process.pid, host: opts.host ?? hostname() });
    beaten();
    const timer = setInterval(beat, opts.heartbeatIntervalMs);
    try {
      while (!stopping && !signal.aborted) {
        if (heartbeatError !== undefined) throw heartbeatError;
        // A run's worker takes only its run's rollouts: it runs that run's model.
        const claim = await store.dequeue(workerId, opts.runId === null ? {} : { runId: opts.runId });
        if (!claim) {
          await abortableSleep(opts.pollIntervalMs, signal, onWake);
          continue;
        }
        activeAttempt = claim.attempt.attempt_id;
        // The claim's commit set both heartbeats.
        beaten();
        try {
          await runClaim(claim);
        } finally {
          activeAttempt = null;
        }
      }
    } finally {
      ended = true;
      clearInterval(timer);
      await beating;
    }
    return stats;
  };

  const runClaim = async (claim: Claim): Promise<void> => {
    const attemptId = claim.attempt.attempt_id;
    try {
      const outcome = await executeRollout(
        {
          store,
          gateway: opts.gateway,
          model: opts.model,
          reward: opts.reward,
          ...(opts.judgeModel ? { judgeModel: opts.judgeModel } : {}),
          signal,
          ...(opts.onCall ? { onCall: opts.onCall } : {}),
          onSpansWritten: beaten,
        },
        claim,
      );
      // The last spans go with the ending: one commit.
      const recorded = await store.finishAttempt(
        attemptId,
        outcome.status === 'succeeded'
          ? { status: 'succeeded', reward: outcome.reward, answer: outcome.answer, spans: outcome.spans }
          : { status: 'failed', error: outcome.error, reward: null, answer: outcome.answer, spans: outcome.spans },
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
      try {
        await store.stopWorker(workerId);
      } catch {
        // The store failed; the loop's own error (if any) says so, and a stale worker row is what the watchdog expects.
      }
    }
  })();
  return {
    workerId,
    stop: () => {
      stopping = true;
      wakeUp();
    },
    beat: async () => {
      beat();
      await beating;
    },
    done,
  };
}
