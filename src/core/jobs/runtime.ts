// The one runtime every long job runs on (tuning, scale testing, prompt optimization): typed events stored
// before anyone hears them, a snapshot folded from events, batched writes for frequent events, cancel, the
// gateway's throttle events, and one closing event however the job stops. An engine keeps only its own logic.
import { ModelError, type GatewayEvent, type ModelGateway } from '../models/types';
import { linkedController, newJobId, TypedEmitter } from './job';
import type { JobWrite } from './jobWrite';

/** What every job event carries. */
export interface JobEventBase {
  type: string;
  /** Run id of the job. */
  runId: string;
  /** ISO time. */
  at: string;
}

/** How a job stopped when its body threw: the engine turns it into its closing event. */
export interface JobStop {
  /** store: a write failed (the run could not be kept); cancelled: cancel() or a parent signal; budget: a cap refused a call. */
  kind: 'store' | 'cancelled' | 'budget' | 'error';
  /** One line for the user. */
  message: string;
  /** What was thrown. */
  error: unknown;
}

export type { JobWrite } from './jobWrite';

export interface JobRuntimeOptions<E extends JobEventBase, S> {
  /** The run id; a new uuid when absent (resume passes the stored one). */
  runId?: string;
  /** The snapshot before the first event. */
  initial: S;
  /** Pure: the snapshot after one event. */
  fold(snapshot: S, event: E): S;
  /** Frequent events (progress, throttle) that are heard at once and stored with the next write, not one commit each. */
  ephemeral(event: E): boolean;
  /**
   * Writes the snapshot and events durably, with whatever rows the engine buffered since the last call, in one
   * transaction. Synchronous: when it returns, the write is on disk. A throw stops the job (kind "store").
   */
  persist(write: JobWrite<E, S>): void;
  /** Sequence number of the last stored event (resume continues after it); default 0. */
  lastSeq?: number;
  /** The gateway whose throttle events the job reports. */
  gateway?: Pick<ModelGateway, 'onEvent'>;
  /** This job's event for a gateway throttle event; absent: throttling is not reported. */
  throttleEvent?(event: Extract<GatewayEvent, { type: 'throttle' }>, base: { runId: string; at: string }): E;
  /** The closing event for a body that threw. */
  stopEvent(stop: JobStop, base: { runId: string; at: string }): E;
  /** Ms between batched writes of ephemeral events and dirty rows (default 250). */
  flushIntervalMs?: number;
  /** A signal that cancels the job too (the CLI's Ctrl-C). */
  signal?: AbortSignal;
}

/** A running (or finished) job as its callers see it. */
export interface Job<E, S> {
  runId: string;
  snapshot(): S;
  onEvent(listener: (event: E) => void): () => void;
  onSnapshot(listener: (snapshot: S) => void): () => void;
  /** Stops new calls and aborts the ones in flight; partial results stay. No-op once finished. */
  cancel(reason?: string): void;
  /** Resolves with the final snapshot; never rejects. */
  done: Promise<S>;
}

const DEFAULT_FLUSH_MS = 250;

export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export class JobRuntime<E extends JobEventBase, S> {
  readonly runId: string;
  private readonly controller: AbortController;
  private readonly events = new TypedEmitter<E>();
  private readonly snapshots = new TypedEmitter<S>();
  private snap: S;
  private seq: number;
  private pending: { seq: number; event: E }[] = [];
  private timer: NodeJS.Timeout | undefined;
  private storeError: unknown;
  private finishing = false;
  private finished = false;
  private cancelReason = 'Cancelled by the user';

  constructor(private readonly options: JobRuntimeOptions<E, S>) {
    this.runId = options.runId ?? newJobId();
    this.snap = options.initial;
    this.seq = options.lastSeq ?? 0;
    this.controller = linkedController(options.signal);
  }

  /** Aborted on cancel, on a store failure, or by the parent signal. Pass it to every call. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** True once the body has returned or thrown (late callbacks must not emit). */
  get isFinished(): boolean {
    return this.finished;
  }

  snapshot(): S {
    return this.snap;
  }

  /** ISO time now. */
  at(): string {
    return new Date().toISOString();
  }

  /**
   * Folds the event; a stored event is written (with everything pending) before any listener hears it, so an
   * event the panel or `--events` saw survives a kill -9. Throws when that write fails while the job runs.
   */
  emit(event: E): void {
    this.snap = this.options.fold(this.snap, event);
    if (this.options.ephemeral(event)) {
      this.publish(event);
      this.flushSoon();
      return;
    }
    this.pending.push({ seq: ++this.seq, event });
    try {
      this.flush();
    } catch (e) {
      this.storeError ??= e;
      this.controller.abort(e);
      this.publish(event);
      if (!this.finishing) throw e;
      return;
    }
    this.publish(event);
  }

  /** The engine buffered rows of its own (results, messages): they ride on the next write, at most flushIntervalMs later. */
  flushSoon(): void {
    if (this.timer || this.finished) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      try {
        this.flush();
      } catch (e) {
        this.storeError ??= e;
        this.controller.abort(e);
      }
    }, this.options.flushIntervalMs ?? DEFAULT_FLUSH_MS);
  }

  /** Writes now: the snapshot, pending events and the engine's buffered rows. */
  flush(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const events = this.pending;
    this.pending = [];
    this.options.persist({ snapshot: this.snap, events });
  }

  cancel(reason?: string): void {
    if (this.finished || this.controller.signal.aborted) return;
    if (reason) this.cancelReason = reason;
    this.controller.abort(new ModelError('cancelled', this.cancelReason));
  }

  /**
   * Runs the body on the next tick (so the caller can subscribe before the first event) and closes the job:
   * a throw becomes the engine's stop event; the last write happens whatever went wrong.
   */
  start(body: (rt: JobRuntime<E, S>) => Promise<void>): Job<E, S> {
    const { gateway, throttleEvent } = this.options;
    const unsubscribe =
      gateway && throttleEvent
        ? gateway.onEvent((ge) => {
            if (this.finished || ge.type !== 'throttle') return;
            this.emit(throttleEvent(ge, { runId: this.runId, at: this.at() }));
          })
        : () => undefined;
    const done = (async (): Promise<S> => {
      try {
        await Promise.resolve();
        await body(this);
      } catch (e) {
        this.finishing = true;
        this.emit(this.options.stopEvent(this.classify(e), { runId: this.runId, at: this.at() }));
      } finally {
        this.finished = true;
        unsubscribe();
        try {
          this.flush();
        } catch {
          // the stop event above already says the store failed
        }
      }
      return this.snap;
    })();
    return {
      runId: this.runId,
      snapshot: () => this.snap,
      onEvent: (l) => this.events.on(l),
      onSnapshot: (l) => this.snapshots.on(l),
      cancel: (reason) => this.cancel(reason),
      done,
    };
  }

  /**
   * Runs tasks in parallel under one child signal; the first failure aborts the rest and is thrown once all
   * have settled (so no task is left writing after the phase ends).
   */
  async allOrAbort<T>(tasks: ((signal: AbortSignal) => Promise<T>)[]): Promise<T[]> {
    const phase = linkedController(this.signal);
    let firstError: unknown;
    const settled = await Promise.allSettled(
      tasks.map((t) =>
        t(phase.signal).catch((e: unknown) => {
          if (firstError === undefined) firstError = e;
          phase.abort(e);
          throw e;
        }),
      ),
    );
    // eslint-disable-next-line @typescript-eslint/only-throw-error -- rethrows the first task's rejection unchanged, whatever it is
    if (firstError !== undefined) throw firstError;
    return settled.map((x) => (x as PromiseFulfilledResult<T>).value);
  }

  private classify(e: unknown): JobStop {
    if (this.storeError !== undefined) {
      return {
        kind: 'store',
        message: `could not write the run to the store: ${errorMessage(this.storeError)}`,
        error: this.storeError,
      };
    }
    if (this.controller.signal.aborted) return { kind: 'cancelled', message: this.cancelReason, error: e };
    if (e instanceof ModelError && e.kind === 'budget') return { kind: 'budget', message: e.message, error: e };
    return { kind: 'error', message: errorMessage(e), error: e };
  }

  private publish(event: E): void {
    this.events.emit(event);
    this.snapshots.emit(this.snap);
  }
}
