// Following a prompt-optimization job in the terminal: progress lines (counters at most once a second, the
// phases, the watchdog), one JSON line per event (--events) or nothing until the report (--json); then the
// report and the exit code of the run's final status.
import { reportLines } from '../../../core/optimize/report';
import type { OptimizeJob } from '../../../core/optimize/trainer';
import type { Counters, OptimizeEvent, OptimizeRunSnapshot } from '../../../core/optimize/types';
import { EXIT, type CliIo } from '../../cliTypes';
import { cancelledText, followJob } from '../../jobFollow';
import { isPostgresUrl, withoutPassword } from '../../../core/optimize/store/pg/pgUrl';

export type FollowMode = 'human' | 'json' | 'events';

/** Counters lines are printed at most this often; phase lines always. */
export const PROGRESS_EVERY_MS = 1000;
const THROTTLE_NOTE_MS = 2000;

const reward = (r: number | null) => (r === null ? 'n/a' : r.toFixed(3));

export function countersLine(c: Counters): string {
  const done = c.succeeded + c.failed + c.cancelled;
  return `  rollouts ${done}/${c.total_rollouts} done: succeeded ${c.succeeded}, failed ${c.failed}, cancelled ${c.cancelled}; running ${c.running}, queued ${c.queuing + c.requeuing}`;
}

/** The human line of an event, or undefined for those shown otherwise (progress, throttle) or not at all. */
function eventLine(e: OptimizeEvent): string | undefined {
  switch (e.type) {
    case 'optimize_start': {
      const rounds = e.rounds_total ? `, ${e.rounds_total} APO round${e.rounds_total === 1 ? '' : 's'}` : '';
      return `${e.resumed ? 'Resuming' : 'Prompt optimization'} run ${e.runId}: model ${e.model_ref}, store ${e.store_path}\n  ${e.items.optimize} optimize + ${e.items.validate} validate items${rounds}`;
    }
    case 'rollouts_enqueued':
      return `  queued ${e.count} ${e.mode} rollout${e.count === 1 ? '' : 's'} (${e.purpose}${e.round === null ? '' : `, round ${e.round}`})`;
    case 'watchdog':
      return (
        e.actions
          .map((a) => `  watchdog: ${a.attempt_id} ${a.attempt_status}, rollout ${a.rollout_status} (${a.reason})`)
          .join('\n') || undefined
      );
    case 'baseline_scored':
      return `Baseline: mean reward optimize ${reward(e.mean_reward.optimize)}, validate ${reward(e.mean_reward.validate)}`;
    case 'round_start':
      return `APO round ${e.round}`;
    case 'round_complete': {
      const regressed = e.round.candidates.filter((c) => c.regressions.length > 0).length;
      return `  round ${e.round.round}: ${e.round.candidates.length} candidates${regressed ? ` (${regressed} with regressions)` : ''}; leader ${e.round.leader_version === null ? 'none' : `version ${e.round.leader_version}`}, validate ${reward(e.round.leader_reward)}`;
    }
    case 'best_saved':
      return e.best.library
        ? `Saved the best prompt (version ${e.best.resources_version}) to the library as "${e.best.library.name}" v${e.best.library.version}`
        : undefined;
    case 'optimize_error':
      return `Failed: ${e.message}`;
    case 'optimize_cancelled':
      return cancelledText(e.message);
    default:
      return undefined;
  }
}

/** Streams the job as the mode asks; Ctrl-C cancels it. Resolves with the final snapshot. */
export async function followOptimizeJob(job: OptimizeJob, mode: FollowMode, io: CliIo): Promise<OptimizeRunSnapshot> {
  let lastProgress = 0;
  let pending: Counters | undefined;
  let lastThrottle = 0;
  const human = (e: OptimizeEvent) => {
    if (e.type === 'progress') {
      pending = e.counters;
      if (Date.now() - lastProgress < PROGRESS_EVERY_MS) return;
      lastProgress = Date.now();
      io.out(`${countersLine(e.counters)}\n`);
      pending = undefined;
      return;
    }
    if (e.type === 'throttle') {
      if (e.retryInMs === null || Date.now() - lastThrottle <= THROTTLE_NOTE_MS) return;
      lastThrottle = Date.now();
      io.err(`  (throttled by ${e.provider}: ${e.queued} queued, retrying in ${(e.retryInMs / 1000).toFixed(1)}s)\n`);
      return;
    }
    const line = eventLine(e);
    if (line === undefined) return;
    // The counters a phase ends with are worth seeing even inside the second.
    if (pending && (e.type === 'baseline_scored' || e.type === 'round_complete')) {
      io.out(`${countersLine(pending)}\n`);
      lastProgress = Date.now();
      pending = undefined;
    }
    io.out(`${line}\n`);
  };
  return followJob(job, io, (e) => {
    if (mode === 'events') io.out(`${JSON.stringify(e)}\n`);
    else if (mode === 'human') human(e);
  });
}

/** How to carry on with a run that did not complete. */
export function resumeHint(storePath: string, runId: string): string {
  if (isPostgresUrl(storePath)) {
    return `Resume it with: prompt-tuner optimize resume --store ${JSON.stringify(withoutPassword(storePath))} --run ${runId} (the password from PGPASSWORD or ~/.pgpass)`;
  }
  return `Resume it with: prompt-tuner optimize resume --store ${JSON.stringify(storePath)} --run ${runId}`;
}

/** Prints the result the mode asks for and says why a run did not complete; the exit code of its status. */
export function finishOutput(final: OptimizeRunSnapshot, mode: FollowMode, command: string, io: CliIo): number {
  const report = final.report;
  if (mode === 'json' && report) io.out(`${JSON.stringify(report, null, 2)}\n`);
  if (mode === 'human' && report) io.out(`\n${reportLines(report)}\n`);
  const hint = resumeHint(final.store_path, final.runId);
  switch (final.status) {
    case 'completed':
      return EXIT.ok;
    case 'cancelled':
      io.err(`Cancelled: rollouts made so far are kept in the store (run ${final.runId}). ${hint}\n`);
      return EXIT.cancelled;
    default:
      io.err(
        `prompt-tuner ${command}: the run failed: ${final.error ?? 'unknown error'} (run ${final.runId}). ${hint}\n`,
      );
      return EXIT.failed;
  }
}
