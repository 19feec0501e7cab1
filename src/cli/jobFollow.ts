// Following a long job in the terminal, the same for every command: Ctrl-C cancels it, throttling gets a
// note on stderr at most every 2 s, silence gets a waiting line every 10 s, and the final status becomes the
// exit code with a line saying why.
import type { Job } from '../core/jobs/runtime';
import type { GatewayEvent, ModelGateway } from '../core/models/types';
import type { RunStatus } from '../core/tuning/types';
import { EXIT, type CliClock, type CliIo } from './cliTypes';

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

/** "Cancelled by Ctrl-C" as it is, any other reason as "Cancelled: reason" (never "Cancelled: Cancelled by …"). */
export function cancelledText(reason: string): string {
  return /^cancell?ed\b/i.test(reason) ? reason : `Cancelled: ${reason}`;
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

/** The real clock; its timer does not keep the process alive. */
export const systemCliClock: CliClock = {
  now: () => Date.now(),
  every(ms, fn) {
    const timer = setInterval(fn, ms);
    timer.unref();
    return () => clearInterval(timer);
  },
};

/** Silence after which a waiting line is printed, and how often the silence is checked. */
export const WAITING_NOTE_MS = 10_000;
const WAITING_CHECK_MS = 1_000;

/** A gateway timeout event. */
export type TimeoutNote = Pick<
  Extract<GatewayEvent, { type: 'timeout' }>,
  'model' | 'afterS' | 'attempt' | 'maxAttempts' | 'retryInMs'
>;

/** "openai/gpt-4o-mini timed out after 60 s (attempt 1 of 6), retrying in 1.2 s". */
export function timeoutLine(e: TimeoutNote): string {
  const next = e.retryInMs !== undefined ? `, retrying in ${(e.retryInMs / 1000).toFixed(1)} s` : '';
  return `  ${e.model} timed out after ${e.afterS} s (attempt ${e.attempt} of ${e.maxAttempts})${next}\n`;
}

/** Lines that keep a long run from looking hung: the calls in flight after 10 s of silence, and every timeout. */
export interface WaitingNotes {
  /** The io to print through: any output through it counts as "something was printed". */
  io: CliIo;
  /** The gateway with its calls counted per model. */
  track<G extends ModelGateway>(gateway: G): G;
  /** Hears the gateway's events (timeouts become lines). */
  onGatewayEvent(e: GatewayEvent): void;
  /** Checks the silence now (the timer does this every second). */
  check(): void;
  stop(): void;
}

/**
 * Waiting lines on stderr. In human mode always; with --json/--events (`machine`) only when stderr is a
 * terminal, so a pipe reading stdout or stderr gets nothing it did not ask for.
 */
export function waitingNotes(io: CliIo, options: { machine: boolean; everyMs?: number }): WaitingNotes {
  const clock = io.clock ?? systemCliClock;
  const everyMs = options.everyMs ?? WAITING_NOTE_MS;
  const enabled = !options.machine || (io.stderrIsTTY ?? process.stderr.isTTY);
  const inFlight = new Map<string, number>();
  let lastOutput = clock.now();
  const mark = () => {
    lastOutput = clock.now();
  };
  const watched: CliIo = {
    ...io,
    out: (t) => {
      mark();
      io.out(t);
    },
    err: (t) => {
      mark();
      io.err(t);
    },
  };
  const check = () => {
    if (!enabled) return;
    const silentMs = clock.now() - lastOutput;
    const busy = [...inFlight].filter(([, n]) => n > 0);
    if (silentMs < everyMs || busy.length === 0) return;
    const what = busy.map(([m, n]) => `${m}: ${n} call${n === 1 ? '' : 's'} in flight`).join('; ');
    watched.err(`  waiting for ${what}, ${Math.round(silentMs / 1000)} s\n`);
  };
  const stopTimer = enabled ? clock.every(Math.min(everyMs, WAITING_CHECK_MS), check) : () => undefined;
  return {
    io: watched,
    track<G extends ModelGateway>(gateway: G): G {
      const call: ModelGateway['call'] = async (request, callOptions) => {
        inFlight.set(request.model, (inFlight.get(request.model) ?? 0) + 1);
        try {
          return await gateway.call(request, callOptions);
        } finally {
          inFlight.set(request.model, (inFlight.get(request.model) ?? 1) - 1);
        }
      };
      return { ...gateway, call };
    },
    onGatewayEvent(e) {
      if (enabled && e.type === 'timeout') watched.err(timeoutLine(e));
    },
    check,
    stop: stopTimer,
  };
}
