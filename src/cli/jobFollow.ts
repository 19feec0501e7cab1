// Following a long job in the terminal, the same for every command: Ctrl-C cancels it, throttling gets a
// note on stderr at most every 2 s, and the final status becomes the exit code with a line saying why.
import type { Job } from '../core/jobs/runtime';
import type { RunStatus } from '../core/tuning/types';
import { EXIT, type CliIo } from './cliTypes';

const THROTTLE_NOTE_MS = 2000;

/** Resolves with the job's final snapshot; `onEvent` hears every event until then, and Ctrl-C cancels the job. */
export async function followJob<E, S>(job: Job<E, S>, io: CliIo, onEvent: (event: E) => void): Promise<S> {
  const onAbort = () => job.cancel('Cancelled by Ctrl-C');
  if (io.signal.aborted) onAbort();
  io.signal.addEventListener('abort', onAbort, { once: true });
  const stop = job.onEvent(onEvent);
  try {
    return await job.done;
  } finally {
    stop();
    io.signal.removeEventListener('abort', onAbort);
  }
}

/** What the CLI shows of a job's throttle event. */
export interface ThrottleNote {
  provider: string;
  /** HTTP status that caused the retry, when one did. */
  status?: number;
  active: number;
  queued: number;
  /** Set when a call waits for a retry: only then is a note written. */
  retryInMs?: number;
}

/** A writer of "(throttled by …, retrying in …s)" notes on stderr, at most one every 2 s. */
export function throttleNotes(io: CliIo): (e: ThrottleNote) => void {
  let last = 0;
  return (e) => {
    if (e.retryInMs === undefined || Date.now() - last <= THROTTLE_NOTE_MS) return;
    last = Date.now();
    io.err(
      `  (throttled by ${e.provider}${e.status ? ` (${e.status})` : ''}: ${e.active} running, ${e.queued} queued, retrying in ${(e.retryInMs / 1000).toFixed(1)}s)\n`,
    );
  };
}

/** The stderr line for each way a run can end without completing (each ends with a newline). */
export interface UnfinishedLines {
  cancelled: string;
  budgetReached: string;
  failed: string;
}

/** The exit code of a followed run's final status; a run that did not complete says why on stderr. */
export function finalExitCode(status: RunStatus, io: CliIo, lines: UnfinishedLines): number {
  switch (status) {
    case 'completed':
      return EXIT.ok;
    case 'cancelled':
      io.err(lines.cancelled);
      return EXIT.cancelled;
    case 'budget_reached':
      io.err(lines.budgetReached);
      return EXIT.failed;
    default:
      io.err(lines.failed);
      return EXIT.failed;
  }
}
