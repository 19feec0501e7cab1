// The trainer's watchdog: store.sweep() on a timer while a run goes on (silent or timed-out attempts are taken
// back and requeued or failed), its actions reported as `watchdog` events.
import type { RolloutStore, WatchdogAction } from './types';

export interface WatchdogOptions {
  store: RolloutStore;
  intervalMs: number;
  /** Called with every non-empty sweep's actions. */
  onActions: (actions: WatchdogAction[]) => void;
  /** A sweep that threw; the watchdog keeps going (the next sweep may succeed). */
  onError?: (error: unknown) => void;
  /**
   * Runs before each sweep: this process's own workers heartbeat first, so a stalled event loop (a long
   * synchronous step) never makes the watchdog take attempts of workers that are plainly alive.
   */
  beforeSweep?: () => Promise<void>;
}

export interface Watchdog {
  /** Sweeps now (the resume's first sweep, or a test), serialized with the timer's sweeps. */
  sweepNow(): Promise<WatchdogAction[]>;
  /** Stops the timer and waits for a sweep in flight. */
  stop(): Promise<void>;
}

export function startWatchdog(opts: WatchdogOptions): Watchdog {
  let chain: Promise<unknown> = Promise.resolve();
  let stopped = false;
  const sweep = (): Promise<WatchdogAction[]> => {
    const next = chain.then(async () => {
      await opts.beforeSweep?.();
      const actions = await opts.store.sweep();
      if (actions.length > 0) opts.onActions(actions);
      return actions;
    });
    chain = next.catch(() => undefined);
    return next;
  };
  let busy = false;
  const timer = setInterval(() => {
    if (busy || stopped) return;
    busy = true;
    sweep()
      .catch((e: unknown) => opts.onError?.(e))
      .finally(() => {
        busy = false;
      });
  }, opts.intervalMs);
  return {
    sweepNow: sweep,
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      await chain;
    },
  };
}
