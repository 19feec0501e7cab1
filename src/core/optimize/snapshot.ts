// A prompt-optimization run's events → the snapshot the CLI, the panel and a resume read. Pure: the trainer, the
// store and a reopened run fold the same way.
import { etaSeconds } from '../jobs/job';
import { emptyCounters } from './store/counters';
import type { Counters, OptimizeEvent, OptimizeRunSnapshot } from './types';

export interface OptimizeSnapshotInit {
  runId: string;
  model_ref: string;
  store_path: string;
  items: { optimize: number; validate: number };
  rounds_total: number;
  startedAt: string;
}

export function initialOptimizeSnapshot(init: OptimizeSnapshotInit): OptimizeRunSnapshot {
  return {
    runId: init.runId,
    status: 'running',
    phase: 'baseline',
    model_ref: init.model_ref,
    store_path: init.store_path,
    items: { ...init.items },
    counters: emptyCounters(),
    mean_reward: { optimize: null, validate: null },
    validate_passed: [],
    rounds_total: init.rounds_total,
    rounds: [],
    best: null,
    report: null,
    startedAt: init.startedAt,
    endedAt: null,
    error: null,
    detail: 'Starting',
    etaSeconds: null,
    throttle: null,
  };
}

function countersDetail(c: Counters): string {
  const ended = c.succeeded + c.failed + c.cancelled;
  return `${ended}/${c.total_rollouts} rollouts ended (${c.succeeded} succeeded, ${c.failed} failed${c.cancelled ? `, ${c.cancelled} cancelled` : ''}), ${c.running} running, ${c.queuing + c.requeuing} queued`;
}

function phaseDetail(s: OptimizeRunSnapshot): string {
  if (s.phase === 'baseline') return 'Scoring the initial prompt';
  if (s.phase === 'apo') return `APO round ${Math.min(s.rounds.length + 1, s.rounds_total)} of ${s.rounds_total}`;
  return 'Done';
}

/** The snapshot after one event. Unknown event types leave it as it was (an older reader of a newer store). */
export function foldOptimizeEvent(s: OptimizeRunSnapshot, e: OptimizeEvent): OptimizeRunSnapshot {
  switch (e.type) {
    case 'optimize_start':
      return {
        ...s,
        status: 'running',
        model_ref: e.model_ref,
        store_path: e.store_path,
        items: { ...e.items },
        rounds_total: e.rounds_total,
        // A resumed run goes on from where it was: its phase, rounds and counters stay.
        endedAt: null,
        error: null,
        report: null,
        detail: e.resumed ? `Resumed: ${phaseDetail(s)}` : 'Scoring the initial prompt',
        throttle: null,
      };
    case 'rollouts_enqueued':
      return {
        ...s,
        detail: `${e.count} ${e.mode} rollouts queued (${e.purpose}${e.round !== null ? `, round ${e.round}` : ''})`,
      };
    case 'progress': {
      // Only the baseline's size is known up front; APO's batches are planned round by round.
      const c = e.counters;
      const eta =
        s.phase === 'baseline'
          ? etaSeconds(
              Date.parse(s.startedAt),
              Date.parse(e.at),
              c.succeeded + c.failed + c.cancelled,
              c.total_rollouts,
            )
          : null;
      return {
        ...s,
        counters: { ...c },
        detail: `${phaseDetail(s)}: ${countersDetail(c)}`,
        etaSeconds: eta,
        throttle: null,
      };
    }
    case 'watchdog': {
      const requeued = e.actions.filter((a) => a.rollout_status === 'requeuing').length;
      const failed = e.actions.length - requeued;
      return {
        ...s,
        detail: `Watchdog: ${e.actions.length} attempt(s) reclaimed (${requeued} requeued, ${failed} failed)`,
      };
    }
    case 'baseline_scored':
      return {
        ...s,
        mean_reward: { ...e.mean_reward },
        validate_passed: [...e.validate_passed],
        phase: s.rounds_total > 0 ? 'apo' : 'done',
        detail: 'The initial prompt is scored',
      };
    case 'round_start':
      return { ...s, phase: 'apo', detail: `APO round ${e.round} of ${s.rounds_total}` };
    case 'round_complete': {
      // A round completed again after a resume replaces its first record.
      const rounds = [...s.rounds.filter((r) => r.round !== e.round.round), e.round].sort((a, b) => a.round - b.round);
      return {
        ...s,
        rounds,
        detail: `APO round ${e.round.round} of ${s.rounds_total} complete${e.round.leader_reward !== null ? `: leader ${e.round.leader_reward.toFixed(3)}` : ''}`,
      };
    }
    case 'best_saved':
      return {
        ...s,
        best: { ...e.best },
        detail: e.best.library
          ? `Best prompt saved as ${e.best.library.name} v${e.best.library.version}`
          : `Best prompt: version ${e.best.resources_version}`,
      };
    case 'optimize_complete':
      return {
        ...s,
        status: 'completed',
        phase: 'done',
        report: e.report,
        counters: {
          ...s.counters,
          total_rollouts: e.report.total_rollouts,
          succeeded: e.report.succeeded,
          failed: e.report.failed,
          cancelled: e.report.cancelled,
          queuing: 0,
          running: 0,
          requeuing: 0,
        },
        endedAt: e.at,
        etaSeconds: 0,
        throttle: null,
        detail: 'Completed',
      };
    case 'optimize_error':
      return {
        ...s,
        status: 'failed',
        endedAt: e.at,
        error: e.message,
        etaSeconds: null,
        throttle: null,
        detail: `Failed: ${e.message}`,
      };
    case 'optimize_cancelled':
      return {
        ...s,
        status: 'cancelled',
        endedAt: e.at,
        error: e.message,
        etaSeconds: null,
        throttle: null,
        detail: `Cancelled: ${e.message}`,
      };
    case 'throttle':
      return { ...s, throttle: { provider: e.provider, retryInMs: e.retryInMs, queued: e.queued } };
    default:
      return s;
  }
}
