// The money side of a scale run: the preflight refusal, the two caps (total and per conversation) as
// CallBudget objects the gateway reserves against before every call, and the ledger per role.
//
// A call reserves the gateway's estimate of its cost (price × an upper-bound token guess) and settles with the
// actual cost when it ends, so spent + in flight + the next call's estimate never passes a cap. A conversation
// does not start when its estimate, on top of what is spent and in flight and of what the conversations still
// running are estimated to spend yet, would pass the total cap.
// The per-conversation cap covers the conversation's own calls (agent and simulated user); judging and the
// summary count against the total cap only.
import { unknownPriceRefusal } from '../models/budget';
import type { CallBudget, ModelResult } from '../models/types';
import type { RoleLedger, ScaleConfig, ScaleEstimate, ScaleRole } from './types';
import { SCALE_ROLES } from './types';

const money = (x: number) => `$${x.toFixed(4)}`;

/**
 * Why a run may not start: a USD cap is set and some model has no known price, so the cap could not be
 * enforced. Null when the run may start. Nothing is called before this check.
 */
export function preflightRefusal(
  config: Pick<ScaleConfig, 'maxBudgetUsd' | 'maxConversationUsd'>,
  estimate: Pick<ScaleEstimate, 'unknownPrices'>,
): string | null {
  if (config.maxBudgetUsd === undefined && config.maxConversationUsd === undefined) return null;
  if (estimate.unknownPrices.length === 0) return null;
  return unknownPriceRefusal(estimate.unknownPrices, 'remove the budget');
}

/** Where a cap refused a call or a conversation. */
export interface CapHit {
  scope: 'total' | 'conversation';
  conversationId?: string;
  reason: string;
}

/** One USD cap: spent + reserved (calls in flight) + this call's estimate must stay within it. */
export class UsdCap implements CallBudget {
  private spentUsd: number;
  private reservedUsd = 0;
  /** True when a call's actual cost was unknown (spent is then a lower bound). */
  incomplete = false;

  constructor(
    /** The cap in USD; Infinity for none. */
    readonly capUsd: number,
    /** What the cap is, for messages ("total cap", "cap of conversation c3"). */
    private readonly label: string,
    spentUsd = 0,
    private readonly onRefused?: (reason: string) => void,
  ) {
    this.spentUsd = spentUsd;
  }

  get spent(): number {
    return this.spentUsd;
  }

  /** Spent plus reserved by calls in flight. */
  get committed(): number {
    return this.spentUsd + this.reservedUsd;
  }

  /** Would `usd` more fit under the cap, counting the calls in flight? */
  fits(usd: number): boolean {
    return this.committed + usd <= this.capUsd + 1e-12;
  }

  tryStart(
    estimateUsd: number | null,
  ): { ok: true; release: (actualUsd: number | null) => void } | { ok: false; reason: string } {
    const estimate = estimateUsd ?? 0;
    if (!this.fits(estimate)) {
      const reason = `${this.label} of $${this.capUsd.toFixed(2)} reached: ${money(this.committed)} spent or in flight, and the next call could cost up to ${money(estimate)}`;
      this.onRefused?.(reason);
      return { ok: false, reason };
    }
    this.reservedUsd += estimate;
    let settled = false;
    return {
      ok: true,
      release: (actualUsd) => {
        if (settled) return;
        settled = true;
        this.reservedUsd -= estimate;
        if (actualUsd === null) this.incomplete = true;
        else this.spentUsd += actualUsd;
      },
    };
  }
}

/** Both caps for one call: the total first, then the conversation's; a refusal by the second frees the first. */
function both(total: CallBudget, conversation: CallBudget): CallBudget {
  return {
    tryStart(estimateUsd) {
      const a = total.tryStart(estimateUsd);
      if (!a.ok) return a;
      const b = conversation.tryStart(estimateUsd);
      if (!b.ok) {
        a.release(0);
        return b;
      }
      return {
        ok: true,
        release: (actualUsd) => {
          b.release(actualUsd);
          a.release(actualUsd);
        },
      };
    },
  };
}

/** The caps of one run (a verification started with --verify shares its parent's total cap). */
export class ScaleBudget {
  readonly total: UsdCap;
  /** Every refusal, in order: the engine ends conversations and the run from these. */
  readonly hits: CapHit[] = [];
  /** What each running conversation has spent or has in flight. */
  private readonly running = new Map<string, UsdCap>();
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly config: Pick<ScaleConfig, 'maxBudgetUsd' | 'maxConversationUsd'>,
    private readonly estimate: Pick<ScaleEstimate, 'perConversationUsd'>,
    options: { shared?: UsdCap; spentUsd?: number } = {},
  ) {
    this.total =
      options.shared ?? new UsdCap(config.maxBudgetUsd ?? Infinity, 'total budget cap', options.spentUsd ?? 0);
  }

  /** True once the total cap refused something: no new conversation starts. */
  get totalReached(): boolean {
    return this.hits.some((h) => h.scope === 'total');
  }

  /**
   * Starts a conversation when its estimate fits under the total cap on top of what is spent, what is in flight
   * and what the running conversations are estimated to spend yet; it then counts as running and gets the
   * CallBudget of its agent and user calls. When it does not fit but conversations are running, they may end
   * cheaper than estimated: `wait` for one to end and ask again. When nothing runs and it still does not fit,
   * the cap is reached (recorded in `hits`) and no conversation starts any more.
   */
  tryStartConversation(
    conversationId: string,
  ): { ok: true; budget: CallBudget } | { ok: false; wait: true } | { ok: false; wait: false; reason: string } {
    const hit = this.hits.find((h) => h.scope === 'total');
    if (hit) return { ok: false, wait: false, reason: hit.reason };
    if (this.config.maxBudgetUsd !== undefined) {
      const next = this.estimate.perConversationUsd ?? 0;
      let ahead = 0;
      for (const cap of this.running.values()) ahead += Math.max(0, next - cap.committed);
      if (!this.total.fits(ahead + next)) {
        if (this.running.size > 0) return { ok: false, wait: true };
        const reason = `total budget cap of $${this.config.maxBudgetUsd.toFixed(2)}: ${money(this.total.committed)} spent, and one more conversation is estimated at ${money(next)}`;
        this.hits.push({ scope: 'total', reason });
        return { ok: false, wait: false, reason };
      }
    }
    const cap = new UsdCap(
      this.config.maxConversationUsd ?? Infinity,
      `cap of conversation ${conversationId}`,
      0,
      (reason) => this.hits.push({ scope: 'conversation', conversationId, reason }),
    );
    this.running.set(conversationId, cap);
    return { ok: true, budget: both(this.guardTotal(), cap) };
  }

  /** The conversation's calls are over: it no longer counts as spending yet. */
  conversationEnded(conversationId: string): void {
    this.running.delete(conversationId);
    const waiting = this.waiting.splice(0);
    for (const wake of waiting) wake();
  }

  /** Resolves when a running conversation ends (or the signal aborts). */
  whenOneEnds(signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal.aborted) return resolve();
      const done = (): void => {
        signal.removeEventListener('abort', done);
        resolve();
      };
      this.waiting.push(done);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  /** The CallBudget of judge and summarizer calls (total cap only). */
  forRun(): CallBudget {
    return this.guardTotal();
  }

  /** A shared total cap records its refusals on the run that asked. */
  private guardTotal(): CallBudget {
    return {
      tryStart: (estimateUsd) => {
        const r = this.total.tryStart(estimateUsd);
        if (!r.ok && !this.hits.some((h) => h.reason === r.reason))
          this.hits.push({ scope: 'total', reason: r.reason });
        return r;
      },
    };
  }
}

/** Estimated vs actual per role; an unknown actual cost makes that role's actualUsd null, never 0. */
export class RoleLedgerBook {
  private readonly rows: Map<ScaleRole, RoleLedger>;

  constructor(models: Record<ScaleRole, string>, estimate: Pick<ScaleEstimate, 'byRole'>, restored?: RoleLedger[]) {
    this.rows = new Map(
      SCALE_ROLES.map((role) => {
        const planned = estimate.byRole.find((r) => r.role === role);
        const prior = restored?.find((r) => r.role === role);
        return [
          role,
          {
            role,
            model: models[role],
            estimatedCalls: planned?.calls ?? 0,
            estimatedUsd: planned ? planned.usd : null,
            calls: prior?.calls ?? 0,
            actualUsd: prior ? prior.actualUsd : 0,
            promptTokens: prior?.promptTokens ?? 0,
            completionTokens: prior?.completionTokens ?? 0,
          },
        ];
      }),
    );
  }

  record(role: ScaleRole, r: Pick<ModelResult, 'usage' | 'costUsd'>): void {
    const row = this.rows.get(role)!;
    row.calls += 1;
    row.promptTokens += r.usage.inputTokens;
    row.completionTokens += r.usage.outputTokens;
    row.actualUsd = row.actualUsd === null || r.costUsd === null ? null : row.actualUsd + r.costUsd;
  }

  /** A copy, in role order. */
  ledger(): RoleLedger[] {
    return SCALE_ROLES.map((role) => ({ ...this.rows.get(role)! }));
  }
}

/** Sum of the roles' actual USD; null when any role's is unknown. */
export function actualUsdOf(ledger: RoleLedger[]): number | null {
  let sum = 0;
  for (const r of ledger) {
    if (r.actualUsd === null) return null;
    sum += r.actualUsd;
  }
  return sum;
}
