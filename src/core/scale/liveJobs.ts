// Scale jobs running in this process, by run id: a second start with the same idempotency key gets the live
// job, and a run that is still going here cannot be resumed.
import type { ScaleJob } from './engine';
import type { ScaleRunsRepository } from './runsRepository';
import type { ScaleEstimate, ScaleRunSnapshot } from './types';

const liveJobs = new Map<string, ScaleJob>();

export function liveScaleJob(runId: string): ScaleJob | undefined {
  return liveJobs.get(runId);
}

/** Registers a started job until its `done` settles. */
export function trackLive(job: ScaleJob): void {
  liveJobs.set(job.runId, job);
}

export function forgetLive(runId: string): void {
  liveJobs.delete(runId);
}

/** The run a used idempotency key points at: the live job when this process runs it, else its stored snapshot. */
export function reusedJob(repo: ScaleRunsRepository, runId: string, estimate: ScaleEstimate): ScaleJob {
  const live = liveJobs.get(runId);
  if (live) return { ...live, reused: true };
  const snapshot = repo.getSnapshot(runId);
  if (!snapshot) throw new Error(`scale run ${runId} is not in the store`);
  return finishedJob(snapshot, estimate);
}

/** A stored run handed back as a finished job (idempotent start): no call, no event. */
export function finishedJob(snapshot: ScaleRunSnapshot, estimate: ScaleEstimate): ScaleJob {
  return {
    runId: snapshot.runId,
    estimate,
    reused: true,
    snapshot: () => snapshot,
    onEvent: () => () => undefined,
    onSnapshot: () => () => undefined,
    cancel: () => undefined,
    done: Promise.resolve(snapshot),
  };
}
