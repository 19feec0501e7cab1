// The launch loop of a scale run: `concurrency` workers take the conversations in run order, each launch spaced
// from the previous one by a jittered stagger (so N conversations do not hit the provider in the same instant),
// and none starts before the budget lets it (budget.ts: wait while running ones may still end cheaper, stop
// once the cap is reached). The stagger is a minimum gap between any two launches, not only the first wave:
// it costs throughput only when conversations are shorter than concurrency × the gap (the simulator, not
// real models).
import type { CallBudget } from '../models/types';
import type { ScaleBudget } from './budget';

export interface PoolOptions {
  /** Run indexes to play, in order. */
  indexes: number[];
  concurrency: number;
  /** Gap between two launches in ms, drawn from [min, max]. */
  staggerMs: [number, number];
  signal: AbortSignal;
  budget: Pick<ScaleBudget, 'tryStartConversation' | 'whenOneEnds' | 'conversationEnded'>;
  idOf(index: number): string;
  /** The budget stopped the launches (a cap was reached). */
  onStopped(): void;
  /** Plays one conversation with its call budget; ends it in the budget (conversationEnded) itself. */
  play(index: number, budget: CallBudget): Promise<void>;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted || ms <= 0) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/** Resolves once every worker has stopped; the first failure is thrown after all have settled. */
export async function runConversationPool(o: PoolOptions): Promise<void> {
  const [lo, hi] = o.staggerMs;
  let nextLaunchAt = 0;
  let cursor = 0;
  const worker = async (): Promise<void> => {
    for (;;) {
      if (o.signal.aborted || cursor >= o.indexes.length) return;
      const i = o.indexes[cursor]!;
      // Checked and taken in one step (no await between), so two workers never take the same conversation.
      const start = o.budget.tryStartConversation(o.idOf(i));
      if (!start.ok) {
        if (!start.wait) {
          o.onStopped();
          return;
        }
        await o.budget.whenOneEnds(o.signal);
        continue;
      }
      cursor += 1;
      const now = Date.now();
      const at = Math.max(now, nextLaunchAt);
      nextLaunchAt = at + lo + Math.random() * Math.max(0, hi - lo);
      await sleep(at - now, o.signal);
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- TS keeps the loop's `aborted` check's narrowing across the await; it can be aborted by now
      if (o.signal.aborted) {
        o.budget.conversationEnded(o.idOf(i));
        return;
      }
      await o.play(i, start.budget);
    }
  };
  const settled = await Promise.allSettled(
    Array.from({ length: Math.min(o.concurrency, o.indexes.length) }, () => worker()),
  );
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
}
