// The one gateway every model call goes through: a queue per provider (concurrency), a pacer per provider
// that every attempt passes (rate learned from 429s and Retry-After), retries with jittered backoff for
// other failures, a per-attempt time limit, the response cache, cost, the budget, cancellation and events.
import PQueue from 'p-queue';
import { BudgetTracker, type BudgetLimits, estimateUsage } from './budget';
import { cacheKey } from './canonicalJson';
import { createPriceBook, type PriceBook } from './prices';
import { type ModelProvider, ProviderError, providerErrorFromSdk } from './providerTypes';
import type { ResponseCache } from './responseCache';
import { RatePacer, type RatePacerTuning } from './ratePacer';
import { DEFAULT_RETRY_POLICY, isRetryable, retryDelayMs, type RetryPolicy } from './retry';
import {
  type CallBudget,
  type CallOptions,
  type GatewayEvent,
  type GatewayStats,
  type ModelGateway,
  ModelError,
  type ModelRequest,
  type ModelResult,
} from './types';

/** Time, sleep and randomness, injectable so tests can measure waits without waiting. */
export interface GatewayClock {
  now(): number;
  /** Resolves after `ms`; rejects when the signal aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
  random(): number;
}

export const systemClock: GatewayClock = {
  now: () => performance.now(),
  random: Math.random,
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal.aborted) return reject(signal.reason);
      const timer = setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      const onAbort = (): void => {
        clearTimeout(timer);
        reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
    }),
};

export interface GatewayOptions {
  /** Providers by id; a model `x/y` goes to provider `x`. */
  providers: ModelProvider[];
  /** Concurrency per provider unless the provider sets its own. Default 8. */
  concurrency?: number;
  /** Retry limits; defaults in retry.ts. */
  retry?: Partial<RetryPolicy>;
  /**
   * Time limit of one attempt in ms, from when it is sent (setting `promptTuner.requestTimeoutSeconds`,
   * `--timeout-s`); wins over `retry.attemptTimeoutMs`. 1 to 600 000. Default 60 000.
   */
  requestTimeoutMs?: number;
  /** How the per-provider pacer learns the rate; defaults in ratePacer.ts (benchmarks and tests tune it). */
  pacer?: Partial<RatePacerTuning>;
  /** Response cache and latency store; without one nothing is cached and latency is kept in memory. */
  cache?: ResponseCache;
  /** False disables cache reads and writes for every call (`--no-cache`). Default true. */
  useCache?: boolean;
  /** Prices; the bundled table without overrides when absent. */
  prices?: PriceBook;
  /** Spending cap. */
  budget?: BudgetLimits;
  /** What to tell the user on 401/403 for a provider, e.g. "check the key with Prompt Tuner: Set API Key". */
  authHint?: (providerId: string) => string;
  clock?: GatewayClock;
  /** Diagnostic lines (no keys ever reach it: messages are redacted by the providers). */
  log?: (message: string) => void;
}

/** The gateway with a few extras for the host and the CLI. */
export interface Gateway extends ModelGateway {
  /** Zeroes the stats (the budget is not reset). */
  resetStats(): void;
  /** Resolves when no call is queued or running. */
  onIdle(): Promise<void>;
  /** Provider ids this gateway knows. */
  providerIds(): string[];
}

interface ProviderLane {
  provider: ModelProvider;
  queue: PQueue;
  pacer: RatePacer;
  concurrency: number;
  lastStateEventAt: number;
  throttled: boolean;
}

/**
 * When no budget needs the price before a call, the price table (tens of ms of loading) loads once the event loop
 * has been idle for PRICES_IDLE_TICKS ticks of PRICES_TICK_MS in a row: the first requests are on the wire by then
 * and their answers not yet back, so the load delays neither.
 */
const PRICES_TICK_MS = 5;
const PRICES_IDLE_TICKS = 2;
/** A tick this much later than asked for means the loop was busy (timers on a loaded machine are often 1–2 ms late). */
const PRICES_LATE_MS = 3;

const zeroUsage = () => ({ inputTokens: 0, outputTokens: 0, cachedInputTokens: 0 });

function errorDetail(message: string, status: number | undefined): string {
  let text = message.trim();
  if (status !== undefined && text.startsWith(String(status))) text = text.slice(String(status).length).trim();
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

/** Splits `provider/model` at the first slash (endpoint model names may contain more slashes). */
export function splitModelId(id: string): { provider: string; model: string } {
  const slash = id.indexOf('/');
  if (slash <= 0 || slash === id.length - 1) {
    throw new ModelError('config', `model "${id}" must be written provider/model, e.g. openai/gpt-4o-mini`);
  }
  return { provider: id.slice(0, slash), model: id.slice(slash + 1) };
}

/** Longest request timeout accepted (10 minutes, the SDKs' own limit). */
export const MAX_REQUEST_TIMEOUT_MS = 600_000;

export function createGateway(options: GatewayOptions): Gateway {
  const policy: RetryPolicy = {
    ...DEFAULT_RETRY_POLICY,
    ...options.retry,
    ...(options.requestTimeoutMs !== undefined ? { attemptTimeoutMs: options.requestTimeoutMs } : {}),
  };
  if (
    !Number.isFinite(policy.attemptTimeoutMs) ||
    policy.attemptTimeoutMs < 1 ||
    policy.attemptTimeoutMs > MAX_REQUEST_TIMEOUT_MS
  ) {
    throw new ModelError(
      'config',
      `requestTimeoutMs: expected 1 to ${MAX_REQUEST_TIMEOUT_MS} ms, got ${policy.attemptTimeoutMs}`,
    );
  }
  const clock = options.clock ?? systemClock;
  const prices = options.prices ?? createPriceBook();
  const budget = new BudgetTracker(options.budget ?? {});
  const useCache = options.useCache !== false && options.cache !== undefined;
  const authHint = options.authHint ?? ((id: string) => `check the API key for ${id}`);
  const listeners = new Set<(event: GatewayEvent) => void>();
  const memoryLatency = new Map<string, { calls: number; total: number }>();
  let budgetAnnounced = false;
  let stats: GatewayStats = {
    calls: 0,
    cacheHits: 0,
    retries: 0,
    usage: zeroUsage(),
    costUsd: 0,
    costIncomplete: false,
  };

  const lanes = new Map<string, ProviderLane>();
  for (const provider of options.providers) {
    const concurrency = Math.max(1, Math.floor(provider.concurrency ?? options.concurrency ?? 8));
    const queue = new PQueue({
      concurrency,
      ...(provider.intervalCap ? { intervalCap: provider.intervalCap, interval: provider.intervalMs ?? 1000 } : {}),
    });
    lanes.set(provider.id, {
      provider,
      queue,
      pacer: new RatePacer(clock, options.pacer),
      concurrency,
      lastStateEventAt: -Infinity,
      throttled: false,
    });
  }

  function emit(event: GatewayEvent): void {
    for (const listener of listeners) {
      try {
        listener(event);
      } catch (error) {
        // A throwing listener must not break calls (or end the process from inside p-queue).
        options.log?.(`gateway event listener failed: ${(error as Error).message}`);
      }
    }
  }

  /** Reports queue state while calls wait (at most every 200 ms), and once more when the wait is over. */
  function emitState(lane: ProviderLane, force = false): void {
    const queued = lane.queue.size;
    const now = clock.now();
    if (queued > 0) {
      if (!force && now - lane.lastStateEventAt < 200) return;
      lane.throttled = true;
    } else if (!lane.throttled) return;
    else lane.throttled = false;
    lane.lastStateEventAt = now;
    emit({
      type: 'throttle',
      provider: lane.provider.id,
      active: lane.queue.pending,
      concurrency: lane.concurrency,
      queued,
    });
  }

  /** `attempts`: all attempts made; `attempt`: which of the policy's maxAttempts failed last (429s not counted). */
  function toModelError(
    error: ProviderError,
    lane: ProviderLane,
    modelId: string,
    attempts: number,
    attempt = attempts,
  ): ModelError {
    const id = lane.provider.id;
    const status = error.status;
    const detail = errorDetail(error.message, status);
    const tries = attempts > 1 ? ` after ${attempts} attempts` : '';
    switch (error.failure) {
      case 'aborted':
        return new ModelError('cancelled', `call to ${modelId} was cancelled`, undefined, id);
      case 'config':
        return new ModelError('config', error.message, undefined, id);
      case 'timeout':
        return new ModelError(
          'timeout',
          `${modelId} timed out after ${timeoutSeconds()} s (attempt ${attempt} of ${policy.maxAttempts}); raise the request timeout, lower the concurrency or try again later`,
          undefined,
          id,
        );
      case 'network':
        return new ModelError(
          'network',
          `could not reach ${id}${lane.provider.baseUrl ? ` at ${lane.provider.baseUrl}` : ''}${tries}: ${detail}. Check the base URL and that the server is running`,
          undefined,
          id,
        );
      case 'invalid_response':
        return new ModelError('invalid_response', detail, status, id);
      case 'http':
        break;
    }
    if (status === 401 || status === 403) {
      return new ModelError('auth', `${status} from ${id}: ${authHint(id)}${detail ? ` (${detail})` : ''}`, status, id);
    }
    if (status === 404) {
      return new ModelError(
        'bad_request',
        `404 from ${id}: model "${modelId}" or the endpoint was not found; check the model id and the base URL${detail ? ` (${detail})` : ''}`,
        status,
        id,
      );
    }
    if (status === 429) {
      return new ModelError(
        'rate_limit',
        `429 from ${id}: still rate-limited${tries}; lower the concurrency or try again later${detail ? ` (${detail})` : ''}`,
        status,
        id,
      );
    }
    if (status !== undefined && status >= 500) {
      return new ModelError(
        'server',
        `${status} from ${id}${tries}: the provider failed; try again later${detail ? ` (${detail})` : ''}`,
        status,
        id,
      );
    }
    return new ModelError(
      'bad_request',
      `${status ?? 'error'} from ${id}: the request was refused${detail ? `: ${detail}` : ''}`,
      status,
      id,
    );
  }

  /** The time limit in whole seconds as the user set it (a sub-second limit only happens in tests). */
  function timeoutSeconds(): number {
    const s = policy.attemptTimeoutMs / 1000;
    return s >= 1 ? Math.round(s) : s;
  }

  async function attemptOnce(
    lane: ProviderLane,
    model: string,
    request: ModelRequest,
    signal: AbortSignal,
    sentAt: number,
  ) {
    const attempt = new AbortController();
    let timedOut = false;
    // The time limit starts once the request is sent, not while it waits at the gate.
    const timer = setTimeout(() => {
      timedOut = true;
      attempt.abort(new Error('attempt timed out'));
    }, policy.attemptTimeoutMs);
    const onAbort = (): void => attempt.abort(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    const started = clock.now();
    try {
      const response = await lane.provider.send(model, request, attempt.signal);
      lane.pacer.onSuccess();
      return { response, latencyMs: Math.max(0, Math.round(clock.now() - started)) };
    } catch (error) {
      if (signal.aborted) {
        lane.pacer.onOtherFailure();
        throw new ProviderError('aborted', 'cancelled');
      }
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- set by the timer callback, which TS does not see
      if (timedOut) {
        lane.pacer.onOtherFailure();
        throw new ProviderError('timeout', `${lane.provider.id} did not answer in time`);
      }
      const failure =
        error instanceof ProviderError
          ? error
          : providerErrorFromSdk(error, lane.provider.id, undefined, attempt.signal);
      if (failure.status === 429) {
        // A wait past the limit ends the call (below); it must not hold the whole provider that long.
        const retryAfter =
          failure.retryAfterMs === undefined ? undefined : Math.min(failure.retryAfterMs, policy.maxRetryAfterMs);
        lane.pacer.onRateLimited(sentAt, retryAfter);
      } else if (failure.retryAfterMs !== undefined) {
        // An overloaded server (503, Anthropic's 529) that says when to come back says it for every call.
        lane.pacer.onHeldOff(Math.min(failure.retryAfterMs, policy.maxRetryAfterMs));
      } else lane.pacer.onOtherFailure();
      throw failure;
    } finally {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
    }
  }

  let pricesPreload = false;
  /** Loads the price table in the first idle moment after the first call is sent: in the wait for its answer. */
  function preloadPrices(): void {
    if (pricesPreload) return;
    pricesPreload = true;
    let idleTicks = 0;
    const tick = (scheduledAt: number): void => {
      // A timer that fires late means the loop was busy (requests still being built and written).
      idleTicks = performance.now() - scheduledAt < PRICES_TICK_MS + PRICES_LATE_MS ? idleTicks + 1 : 0;
      if (idleTicks >= PRICES_IDLE_TICKS) void prices.ready();
      else schedule();
    };
    const schedule = (): void => {
      const at = performance.now();
      setTimeout(() => tick(at), PRICES_TICK_MS).unref();
    };
    schedule();
  }

  async function runCall(
    lane: ProviderLane,
    modelId: string,
    model: string,
    request: ModelRequest,
    signal: AbortSignal,
    key: string | null,
    jobBudget?: CallBudget,
  ): Promise<ModelResult> {
    emitState(lane);
    if (signal.aborted)
      throw new ModelError('cancelled', `call to ${modelId} was cancelled`, undefined, lane.provider.id);
    const estimating = budget.enabled || jobBudget !== undefined;
    // Only a budget needs the price before the call. Otherwise the table (tens of ms of loading) loads while the
    // first calls are on the wire, not in front of them.
    if (estimating) await prices.ready();
    else preloadPrices();
    const estimate = estimating ? prices.cost(modelId, lane.provider.priceProviderId, estimateUsage(request)) : null;
    // The job's own cap first (it is usually the smaller), then the gateway's.
    const jobSlot = jobBudget?.tryStart(estimate);
    if (jobSlot && !jobSlot.ok) throw new ModelError('budget', jobSlot.reason, undefined, lane.provider.id);
    const gatewaySlot = budget.tryStart(estimate);
    if (!gatewaySlot.ok) {
      if (jobSlot) jobSlot.release(0);
      if (!budgetAnnounced) {
        budgetAnnounced = true;
        const spent = budget.spent();
        emit({ type: 'budget_reached', costUsd: stats.costUsd, calls: spent.calls });
      }
      throw new ModelError('budget', gatewaySlot.reason, undefined, lane.provider.id);
    }
    const slot = {
      release(actualUsd: number | null): void {
        gatewaySlot.release(actualUsd);
        if (jobSlot) jobSlot.release(actualUsd);
      },
    };
    let spentUsd: number | null = null;
    try {
      let rateLimited = 0;
      let rateLimitedWaitMs = 0;
      let afterRateLimit = false;
      for (let attempt = 1; ; attempt++) {
        // Every attempt waits its turn at the provider's pacer; after a 429 that wait is the retry delay.
        const askedAt = clock.now();
        let sentAt: number;
        try {
          sentAt = await lane.pacer.acquire(signal);
        } catch {
          throw new ModelError('cancelled', `call to ${modelId} was cancelled`, undefined, lane.provider.id);
        }
        if (afterRateLimit) rateLimitedWaitMs += Math.max(0, sentAt - askedAt);
        try {
          const { response, latencyMs } = await attemptOnce(lane, model, request, signal, sentAt);
          await prices.ready();
          const costUsd = prices.cost(modelId, lane.provider.priceProviderId, response.usage);
          spentUsd = costUsd;
          stats.calls += 1;
          stats.usage = {
            inputTokens: stats.usage.inputTokens + response.usage.inputTokens,
            outputTokens: stats.usage.outputTokens + response.usage.outputTokens,
            cachedInputTokens: stats.usage.cachedInputTokens + response.usage.cachedInputTokens,
          };
          if (costUsd === null) stats.costIncomplete = true;
          else stats.costUsd += costUsd;
          const result: ModelResult = {
            model: modelId,
            text: response.text,
            toolCalls: response.toolCalls,
            usage: response.usage,
            latencyMs,
            costUsd,
            cached: false,
          };
          const l = memoryLatency.get(modelId) ?? { calls: 0, total: 0 };
          memoryLatency.set(modelId, { calls: l.calls + 1, total: l.total + latencyMs });
          // An answer whose tool-call arguments did not parse is often a transient fault: replaying it from
          // the cache would repeat the fault in every later evaluation. Its latency still counts.
          const cacheable = !response.toolCalls.some((c) => c.argumentsError !== undefined);
          try {
            options.cache?.put(
              cacheable ? key : null,
              { model: modelId, text: result.text, toolCalls: result.toolCalls, usage: result.usage, latencyMs },
              new Date(),
            );
          } catch (error) {
            // The answer is good even if it could not be cached; say so and go on.
            options.log?.(`response cache write failed: ${(error as Error).message}`);
          }
          return result;
        } catch (error) {
          const failure =
            error instanceof ProviderError ? error : providerErrorFromSdk(error, lane.provider.id, undefined, signal);
          // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- TS keeps an earlier `signal.aborted` narrowing across the awaits; it can be aborted by now
          if (failure.failure === 'aborted' || signal.aborted)
            throw toModelError(new ProviderError('aborted', 'cancelled'), lane, modelId, attempt);
          const isRateLimit = failure.status === 429;
          if (isRateLimit) rateLimited += 1;
          afterRateLimit = isRateLimit;
          const counted = attempt - rateLimited;
          const exhausted = isRateLimit
            ? rateLimited >= policy.maxRateLimitedAttempts || rateLimitedWaitMs >= policy.maxRateLimitedWaitMs
            : counted >= policy.maxAttempts;
          const retrying = isRetryable(failure) && !exhausted;
          // A 429, or another failure with a Retry-After (503 overloaded), holds the whole provider at its pacer.
          const pacerWaits = isRateLimit || failure.retryAfterMs !== undefined;
          const delay = !retrying
            ? undefined
            : pacerWaits
              ? lane.pacer.waitMs()
              : retryDelayMs(failure, counted, policy, clock.random);
          if (failure.failure === 'timeout') {
            emit({
              type: 'timeout',
              provider: lane.provider.id,
              model: modelId,
              afterS: timeoutSeconds(),
              attempt: counted,
              maxAttempts: policy.maxAttempts,
              ...(delay !== undefined ? { retryInMs: delay } : {}),
            });
          }
          if (delay === undefined) throw toModelError(failure, lane, modelId, attempt, counted);
          if (failure.retryAfterMs !== undefined && failure.retryAfterMs > policy.maxRetryAfterMs) {
            throw new ModelError(
              'rate_limit',
              `${failure.status ?? ''} from ${lane.provider.id}: asked to wait ${Math.round(failure.retryAfterMs / 1000)} s, more than the ${Math.round(policy.maxRetryAfterMs / 1000)} s limit; try again later`.trim(),
              failure.status,
              lane.provider.id,
            );
          }
          stats.retries += 1;
          if (failure.failure !== 'timeout') {
            emit({
              type: 'throttle',
              provider: lane.provider.id,
              active: lane.queue.pending,
              concurrency: lane.concurrency,
              queued: lane.queue.size,
              retryInMs: delay,
              ...(failure.status !== undefined ? { status: failure.status } : {}),
            });
          }
          // After a Retry-After the pacer is the wait (the Retry-After and this call's turn); other failures back off.
          if (!pacerWaits) {
            try {
              await clock.sleep(delay, signal);
            } catch {
              throw new ModelError('cancelled', `call to ${modelId} was cancelled`, undefined, lane.provider.id);
            }
          }
        }
      }
    } finally {
      slot.release(spentUsd);
      emitState(lane);
    }
  }

  const gateway: Gateway = {
    async call(request: ModelRequest, callOptions: CallOptions = {}): Promise<ModelResult> {
      const { provider: providerId, model } = splitModelId(request.model);
      const lane = lanes.get(providerId);
      if (!lane) {
        const known = [...lanes.keys()].join(', ') || 'none configured';
        throw new ModelError(
          'config',
          `unknown provider "${providerId}" in model "${request.model}"; known providers: ${known}`,
          undefined,
          providerId,
        );
      }
      if (!Array.isArray(request.messages) || request.messages.length === 0) {
        throw new ModelError(
          'bad_request',
          `request to ${request.model} has no messages: give at least one`,
          undefined,
          providerId,
        );
      }
      const signal = callOptions.signal ?? new AbortController().signal;
      if (signal.aborted)
        throw new ModelError('cancelled', `call to ${request.model} was cancelled`, undefined, providerId);
      const repeat = callOptions.repeat ?? 1;
      if (!Number.isInteger(repeat) || repeat < 1) {
        throw new ModelError(
          'bad_request',
          `repeat: expected a whole number ≥ 1, got ${repeat}`,
          undefined,
          providerId,
        );
      }
      const caching = useCache && callOptions.cache !== false;
      const key = caching ? cacheKey(providerId, model, request, repeat) : null;
      if (key !== null) {
        const hit = options.cache?.get(key);
        // Entries written before unparsable arguments stopped being cached are not replayed either.
        if (hit && !hit.toolCalls.some((c) => c.argumentsError !== undefined)) {
          stats.cacheHits += 1;
          return {
            model: request.model,
            text: hit.text,
            toolCalls: hit.toolCalls,
            usage: hit.usage,
            latencyMs: 0,
            costUsd: 0,
            cached: true,
            cachedAt: hit.createdAt,
          };
        }
      }
      try {
        // No `signal` for p-queue: every call of a run shares one signal, and p-queue adds and removes an abort
        // listener on it per queued call, which Node's EventTarget does in O(listeners): quadratic in the calls
        // queued (130 ms of a 320-call eval). runCall checks the signal when a call leaves the queue instead, so
        // a cancelled run's queued calls still end at once without a request.
        return await lane.queue.add(() =>
          runCall(lane, request.model, model, request, signal, key, callOptions.budget),
        );
      } catch (error) {
        if (error instanceof ModelError) throw error;
        // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- TS keeps the earlier `signal.aborted` check's narrowing across the await; it can be aborted by now
        if (signal.aborted)
          throw new ModelError('cancelled', `call to ${request.model} was cancelled`, undefined, providerId);
        throw error;
      } finally {
        emitState(lane);
      }
    },
    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    stats: () => ({ ...stats, usage: { ...stats.usage } }),
    measuredLatencyMs(model) {
      const stored = options.cache?.meanLatencyMs(model);
      if (stored !== undefined) return stored;
      const l = memoryLatency.get(model);
      return l && l.calls > 0 ? l.total / l.calls : undefined;
    },
    resetStats() {
      stats = { calls: 0, cacheHits: 0, retries: 0, usage: zeroUsage(), costUsd: 0, costIncomplete: false };
    },
    async onIdle() {
      await Promise.all([...lanes.values()].map((l) => l.queue.onIdle()));
    },
    providerIds: () => [...lanes.keys()],
  };
  return gateway;
}
