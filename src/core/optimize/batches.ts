// The trainer's batches of rollouts: a prompt scored on items becomes rollouts of the run (one already made for
// the same resources, item, purpose and round is reused, so a resume makes nothing twice), then the wait until
// all have ended, with Tau's completion poll and Tau's timeout message. A store that is briefly out of reach (a
// database restart) is waited out: the make step is retried as a whole (it finds what an earlier try committed),
// the wait's reads until the completion deadline.
import { rolloutId } from './store/ids';
import { retryWhileUnavailable } from './storeOutage';
import type {
  Counters,
  NewRollout,
  OptimizeConfig,
  ResourcesRow,
  RolloutConfig,
  RolloutMetadata,
  RolloutMode,
  RolloutRow,
  RolloutStatus,
  RolloutStore,
} from './types';

/** Scores one resources version on items of one set. */
export interface BatchRequest {
  resources: ResourcesRow;
  set: 'optimize' | 'validate';
  itemIndexes: number[];
  purpose: RolloutMetadata['purpose'];
  /** APO round; null for the baseline. */
  round: number | null;
}

export const ENDED: ReadonlySet<RolloutStatus> = new Set(['succeeded', 'failed', 'cancelled']);
const OPEN: RolloutStatus[] = ['queuing', 'preparing', 'running', 'requeuing'];

/** The run's timeout (Tau's message, Tau's Debug rendering of its summary). */
export class TrainerTimeoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TrainerTimeoutError';
  }
}

export function timeoutMessage(rows: readonly RolloutRow[]): string {
  const n = (s: RolloutStatus) => rows.filter((r) => r.status === s).length;
  return `trainer timeout waiting for rollouts to complete: TrainingSummary { total_rollouts: ${rows.length}, succeeded: ${n('succeeded')}, failed: ${n('failed')}, cancelled: ${n('cancelled')} }`;
}

/** Agent Lightning's RolloutConfig from the run's config: 3 missed heartbeats → unresponsive. */
export function rolloutConfigOf(config: OptimizeConfig): RolloutConfig {
  return {
    max_attempts: config.max_attempts,
    timeout_seconds: config.rollout_timeout_secs,
    unresponsive_seconds: (3 * config.heartbeat_interval_ms) / 1000,
    retry_condition: ['unresponsive', 'timeout', 'failed'],
  };
}

export const modeOf = (set: BatchRequest['set']): RolloutMode => (set === 'optimize' ? 'train' : 'val');

function keyOf(
  resourcesId: string,
  set: string,
  itemIndex: number,
  purpose: string,
  round: number | null | undefined,
): string {
  return `${resourcesId}\u0000${set}\u0000${itemIndex}\u0000${purpose}\u0000${round ?? 0}`;
}

export interface BatchOptions {
  store: RolloutStore;
  runId: string;
  runNumber: number;
  config: OptimizeConfig;
  /** Aborts the wait (cancel). */
  signal: AbortSignal;
  /** Rollouts made for a request (not reused ones). */
  onEnqueued(count: number, mode: RolloutMode, purpose: RolloutMetadata['purpose'], round: number | null): void;
  /** The run's counters whenever they changed during a wait. */
  onProgress(counters: Counters): void;
  /** A worker's failure, which ends the wait with that error. */
  fatal(): unknown;
  /** ms; default Date.now (the completion deadline). */
  clock?: () => number;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

export class RolloutBatches {
  private next: Record<RolloutMode, number> | undefined;
  private lock: Promise<unknown> = Promise.resolve();
  private lastProgress = '';

  constructor(private readonly opts: BatchOptions) {}

  /** Serializes find-or-make steps, so two batches at once never make the same rollout or the same id. */
  serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn);
    this.lock = run.catch(() => undefined);
    return run;
  }

  /** Rows of each request in its itemIndexes order, once every one of them has ended. */
  async run(requests: BatchRequest[]): Promise<RolloutRow[][]> {
    const ids = await this.serial(() =>
      retryWhileUnavailable(() => this.findOrMake(requests), { signal: this.opts.signal }),
    );
    const rows = await this.wait([...new Set(ids.flat())]);
    return ids.map((list) => list.map((id) => rows.get(id)!));
  }

  private async findOrMake(requests: BatchRequest[]): Promise<string[][]> {
    const { store, runId, runNumber, config } = this.opts;
    const existing = await store.rollouts({ run_id: runId });
    if (!this.next) {
      this.next = { train: 1, val: 1, test: 1 };
      for (const r of existing) {
        const n = Number(r.rollout_id.slice(r.rollout_id.lastIndexOf('-') + 1));
        if (Number.isInteger(n) && n >= this.next[r.mode]) this.next[r.mode] = n + 1;
      }
    }
    const next = this.next;
    // A cancelled rollout (a cancelled or failed earlier process) is made again; anything else is kept.
    const byKey = new Map<string, string>();
    for (const r of existing) {
      if (r.status === 'cancelled') continue;
      byKey.set(
        keyOf(r.resources_id, r.metadata.set, r.metadata.item_index, r.metadata.purpose, r.metadata.round),
        r.rollout_id,
      );
    }
    const made: NewRollout[] = [];
    const groups = new Map<
      string,
      { count: number; mode: RolloutMode; purpose: RolloutMetadata['purpose']; round: number | null }
    >();
    const rolloutConfig = rolloutConfigOf(config);
    const ids = requests.map((req) => {
      const items = req.set === 'optimize' ? config.optimize : config.validate;
      const mode = modeOf(req.set);
      return req.itemIndexes.map((index) => {
        const input = items[index];
        if (!input) throw new Error(`no ${req.set} item ${index} in the config (it has ${items.length})`);
        const key = keyOf(req.resources.resources_id, req.set, index, req.purpose, req.round);
        const found = byKey.get(key);
        if (found) return found;
        const id = rolloutId(mode, runNumber, next[mode]++);
        byKey.set(key, id);
        made.push({
          rollout_id: id,
          run_id: runId,
          input,
          mode,
          config: rolloutConfig,
          metadata: {
            run_id: runId,
            item_index: index,
            set: req.set,
            purpose: req.purpose,
            ...(req.round !== null ? { round: req.round } : {}),
          },
          resources_id: req.resources.resources_id,
        });
        const g = `${mode}\u0000${req.purpose}\u0000${req.round ?? ''}`;
        const group = groups.get(g) ?? { count: 0, mode, purpose: req.purpose, round: req.round };
        group.count++;
        groups.set(g, group);
        return id;
      });
    });
    await store.enqueue(made);
    for (const g of groups.values()) this.opts.onEnqueued(g.count, g.mode, g.purpose, g.round);
    return ids;
  }

  private throwIfStopped(): void {
    const fatal = this.opts.fatal();
    // eslint-disable-next-line @typescript-eslint/only-throw-error -- rethrows a worker's rejection unchanged, whatever it is
    if (fatal !== undefined) throw fatal;
    if (this.opts.signal.aborted) throw this.opts.signal.reason ?? new Error('cancelled');
  }

  private async ours(wanted: ReadonlySet<string>): Promise<Map<string, RolloutRow>> {
    const rows = new Map<string, RolloutRow>();
    for (const r of await this.opts.store.rollouts({ run_id: this.opts.runId }))
      if (wanted.has(r.rollout_id)) rows.set(r.rollout_id, r);
    return rows;
  }

  /**
   * Tau's wait_for_completion: poll until every id has ended, or fail at the deadline. The run's counters are
   * read every poll (cheap); the rows only when the counters moved, since a rollout of ours ending moves them.
   */
  private async wait(ids: string[]): Promise<Map<string, RolloutRow>> {
    const { store, runId, config, signal } = this.opts;
    const clock = this.opts.clock ?? Date.now;
    const deadline = clock() + config.completion_timeout_secs * 1000;
    const wanted = new Set(ids);
    // Reads wait out an unreachable store until the deadline (the clock is the run's, the retry's is Date.now).
    const read = <T>(fn: () => Promise<T>) =>
      retryWhileUnavailable(fn, { signal, deadlineMs: Date.now() + Math.max(0, deadline - clock()) });
    let readAt = '';
    for (;;) {
      this.throwIfStopped();
      const counters = await read(() => store.counters(runId));
      const seen = JSON.stringify(counters);
      if (seen !== this.lastProgress) {
        this.lastProgress = seen;
        this.opts.onProgress(counters);
      }
      if (seen !== readAt) {
        readAt = seen;
        // Only the run's open rows while some are open (a batch of APO may run beside this one); all rows once
        // none of ours is open, to return them.
        const open =
          counters.queuing + counters.running + counters.requeuing === 0
            ? []
            : await read(() => store.rollouts({ run_id: runId, status: OPEN }));
        const ours = open.filter((r) => wanted.has(r.rollout_id));
        if (ours.length === 0) {
          const rows = await read(() => this.ours(wanted));
          if (rows.size === wanted.size && [...rows.values()].every((r) => ENDED.has(r.status))) return rows;
        }
      }
      if (clock() >= deadline) throw new TrainerTimeoutError(timeoutMessage([...(await this.ours(wanted)).values()]));
      await sleep(config.completion_poll_interval_ms, signal).catch(() => undefined);
    }
  }
}
