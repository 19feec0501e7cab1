// Counters: rollouts of a store (or a run) by status. The one zero value (a new snapshot, a view with no store
// yet, each backend's count) and the fold of the per-status counts both backends read.
import type { Counters, RolloutStatus } from '../types';

/** Counters with every field zero; a new object each call. */
export function emptyCounters(): Counters {
  return { total_rollouts: 0, queuing: 0, running: 0, requeuing: 0, succeeded: 0, failed: 0, cancelled: 0 };
}

/** Counters from `SELECT status, count(*) … GROUP BY status`: preparing and running count as running. */
export function countersFrom(counts: Iterable<{ status: RolloutStatus; n: number }>): Counters {
  const c = emptyCounters();
  for (const { status, n } of counts) {
    c.total_rollouts += n;
    if (status === 'preparing' || status === 'running') c.running += n;
    else c[status] += n;
  }
  return c;
}
