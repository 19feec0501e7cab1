// The watchdog's decisions, the same in both backends; the reads, locks and writes around them stay in each.
import type { AttemptStatus, RolloutConfig } from '../types';

export type WatchdogVerdict = { status: 'unresponsive' | 'timeout'; reason: string };

/**
 * Whether an active attempt is reclaimed at `nowMs`, and as what; undefined: leave it. In this order: its
 * worker's process is gone (judged only on this host: elsewhere the pid is another machine's process), it ran
 * past the rollout's timeout, its heartbeat is older than the unresponsive limit. `here.ms` reads a time column
 * as ms since the epoch (each only when its test is reached).
 */
export function watchdogVerdict<T>(
  attempt: { worker_id: string; started_at: T; last_heartbeat_at: T },
  config: RolloutConfig,
  worker: { pid: number | null; host: string | null },
  here: { nowMs: number; host: string; pidAlive: (pid: number) => boolean; ms: (time: T) => number },
): WatchdogVerdict | undefined {
  if (worker.pid !== null && worker.host === here.host && !here.pidAlive(worker.pid)) {
    return { status: 'unresponsive', reason: `worker ${attempt.worker_id} (pid ${worker.pid}) is gone` };
  }
  if (config.timeout_seconds !== null && here.nowMs - here.ms(attempt.started_at) > config.timeout_seconds * 1000) {
    return { status: 'timeout', reason: `attempt ran longer than ${config.timeout_seconds} s` };
  }
  if (here.nowMs - here.ms(attempt.last_heartbeat_at) > config.unresponsive_seconds * 1000) {
    return { status: 'unresponsive', reason: `no heartbeat for ${config.unresponsive_seconds} s` };
  }
  return undefined;
}

/** After an attempt ended badly: its rollout is requeued while attempts remain and the ending is retried, else failed. */
export function retryOrFailDecision(
  attemptCount: number,
  config: RolloutConfig,
  ending: AttemptStatus,
): 'requeuing' | 'failed' {
  return attemptCount < config.max_attempts && config.retry_condition.includes(ending) ? 'requeuing' : 'failed';
}
