// The small pieces long jobs are built from (JobRuntime in runtime.ts uses them): ids, a typed event emitter, linked cancellation, an ETA.
import { randomUUID } from 'node:crypto';

/** A new job/run id (uuid v4). */
export function newJobId(): string {
  return randomUUID();
}

/** Listeners by event; a throwing listener never breaks the job (its error goes to onListenerError). */
export class TypedEmitter<E> {
  private readonly listeners = new Set<(event: E) => void>();

  constructor(private readonly onListenerError: (error: unknown) => void = () => undefined) {}

  on(listener: (event: E) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  emit(event: E): void {
    for (const l of [...this.listeners]) {
      try {
        l(event);
      } catch (e) {
        this.onListenerError(e);
      }
    }
  }

  clear(): void {
    this.listeners.clear();
  }
}

/**
 * Seconds left from the pace so far: elapsed / done × (planned − done).
 * Null until at least one unit is done, or when nothing is planned.
 */
export function etaSeconds(startedAtMs: number, nowMs: number, done: number, planned: number): number | null {
  if (done <= 0 || planned <= 0) return null;
  const left = Math.max(0, planned - done);
  if (left === 0) return 0;
  const elapsed = Math.max(0, nowMs - startedAtMs) / 1000;
  return Math.round((elapsed / done) * left * 10) / 10;
}

/**
 * Seconds the run was running up to `at`: a resumed run counts its time before the latest resume and the time
 * since, not the pause between. A run never resumed (or stored before resumes were timed) counts from its start.
 * Null when a time is unreadable.
 */
export function runningSeconds(
  s: { startedAt: string; resumedAt?: string; activeSecondsBefore?: number },
  at: string,
): number | null {
  const from = Date.parse(s.resumedAt ?? s.startedAt);
  const to = Date.parse(at);
  if (!Number.isFinite(from) || !Number.isFinite(to)) return null;
  return Math.round(((s.activeSecondsBefore ?? 0) + Math.max(0, to - from) / 1000) * 1000) / 1000;
}

/** An AbortController that also aborts when any parent signal does. */
export function linkedController(...parents: (AbortSignal | undefined)[]): AbortController {
  const controller = new AbortController();
  for (const p of parents) {
    if (!p) continue;
    if (p.aborted) {
      controller.abort(p.reason);
      break;
    }
    p.addEventListener('abort', () => controller.abort(p.reason), { once: true });
  }
  return controller;
}
