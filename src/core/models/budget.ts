// A spending cap in USD and/or calls. A call is refused before it starts when it could cross the cap:
// spent + reserved (calls in flight) + a conservative estimate of this call.
import type { ModelRequest, Usage } from './types';

export interface BudgetLimits {
  /** Cap in USD; none when absent. */
  usd?: number;
  /** Cap on provider calls (cache hits are free); none when absent. */
  calls?: number;
}

/** Output tokens assumed when the request has no cap (what a reply to a tool-calling case rarely exceeds). */
export const ESTIMATE_DEFAULT_OUTPUT_TOKENS = 1024;

/** Upper-bound token guess: ~3 characters per token over everything sent, plus the output cap. */
export function estimateUsage(request: ModelRequest): Usage {
  const chars =
    (request.system?.length ?? 0) +
    request.messages.reduce(
      (n, m) => n + m.content.length + ('toolCalls' in m && m.toolCalls ? JSON.stringify(m.toolCalls).length : 0),
      0,
    ) +
    (request.tools ? JSON.stringify(request.tools).length : 0);
  return {
    inputTokens: Math.ceil(chars / 3) + 16,
    outputTokens: request.maxTokens ?? ESTIMATE_DEFAULT_OUTPUT_TOKENS,
    cachedInputTokens: 0,
  };
}

/**
 * Why a USD cap cannot be accepted: some model has no known price, so the cap could not count its calls.
 * `alternative` is what else the user can do ("use a call budget", "remove the budget").
 */
export function unknownPriceRefusal(models: readonly string[], alternative: string): string {
  return `no price known for ${models.join(', ')}: add ${models.length === 1 ? 'it' : 'them'} to prices, or ${alternative}`;
}

export class BudgetTracker {
  private spentUsd = 0;
  private reservedUsd = 0;
  private started = 0;
  constructor(private readonly limits: BudgetLimits) {}

  get enabled(): boolean {
    return this.limits.usd !== undefined || this.limits.calls !== undefined;
  }

  /** Reserves a call or returns why it may not start. `estimateUsd` null = unknown price (USD cap cannot bind). */
  tryStart(
    estimateUsd: number | null,
  ): { ok: true; release: (actualUsd: number | null) => void } | { ok: false; reason: string } {
    const { usd, calls } = this.limits;
    if (calls !== undefined && this.started + 1 > calls)
      return { ok: false, reason: `budget reached: ${this.started} of ${calls} calls used` };
    const estimate = estimateUsd ?? 0;
    if (usd !== undefined && this.spentUsd + this.reservedUsd + estimate > usd) {
      return {
        ok: false,
        reason: `budget reached: $${(this.spentUsd + this.reservedUsd).toFixed(4)} spent of $${usd.toFixed(2)}, and the next call could cost up to $${estimate.toFixed(4)}`,
      };
    }
    this.started += 1;
    this.reservedUsd += estimate;
    let released = false;
    return {
      ok: true,
      release: (actualUsd) => {
        if (released) return;
        released = true;
        this.reservedUsd -= estimate;
        this.spentUsd += actualUsd ?? 0;
      },
    };
  }

  /** Started calls (including failed ones) and USD spent so far. */
  spent(): { usd: number; calls: number } {
    return { usd: this.spentUsd, calls: this.started };
  }
}
