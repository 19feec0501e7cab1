// The one request and result shape every provider speaks, and the gateway every caller goes through.
// Owned by the model layer; suites, tuning and the host only import these types.

/** A JSON Schema object, as written in a suite's tool `parameters`. */
export type JsonSchema = { [key: string]: unknown };

/** A tool the model may call. */
export interface ToolSpec {
  /** Function name, unique within a request. */
  name: string;
  /** What the tool does, shown to the model. */
  description?: string;
  /** JSON Schema of the arguments object. */
  parameters: JsonSchema;
}

/** One message of the conversation after the system prompt. */
export type ChatMessage =
  | { role: 'user'; content: string }
  | { role: 'assistant'; content: string; toolCalls?: ToolCall[] }
  | { role: 'tool'; toolCallId: string; name: string; content: string };

/** A provider-neutral request. `model` is `provider/model`, e.g. `openai/gpt-4o-mini`. */
export interface ModelRequest {
  /** `provider/model`. */
  model: string;
  /** The system prompt; omitted when empty. */
  system?: string;
  /** Conversation after the system prompt; at least one message. */
  messages: ChatMessage[];
  /** Tools offered to the model; none when absent or empty. */
  tools?: ToolSpec[];
  /** Output token cap; provider default when absent. */
  maxTokens?: number;
  /** Sampling temperature; sent only to providers that accept it (not Anthropic's 1.x API). */
  temperature?: number;
  /** Sampling seed, so a run can be replayed; sent only to providers that accept one (OpenAI-style APIs). */
  seed?: number;
}

/** One tool call the model made. */
export interface ToolCall {
  /** Provider's call id, when it gives one. */
  id?: string;
  /** Name of the called tool. */
  name: string;
  /** Parsed arguments; undefined when `rawArguments` is not valid JSON (see `argumentsError`). */
  arguments: Record<string, unknown> | undefined;
  /** Arguments exactly as the provider sent them (a JSON string). */
  rawArguments: string;
  /** Why `rawArguments` could not be parsed into an object; absent when parsing worked. */
  argumentsError?: string;
}

/** Token usage normalised across providers. */
export interface Usage {
  /** All input tokens, cached ones included. */
  inputTokens: number;
  /** Output tokens. */
  outputTokens: number;
  /** Input tokens served from the provider's prompt cache (a subset of inputTokens). */
  cachedInputTokens: number;
}

/** A provider-neutral result. */
export interface ModelResult {
  /** `provider/model` that answered. */
  model: string;
  /** Concatenated text output; empty when the model only called tools. */
  text: string;
  /** Tool calls in the order the model made them. */
  toolCalls: ToolCall[];
  /** Normalised usage (zeros when the provider reports none, e.g. vscode-lm). */
  usage: Usage;
  /** Wall time of the successful attempt in ms (0 for a cache hit). */
  latencyMs: number;
  /** Cost in USD; null when the model's price is unknown (never shown as 0). */
  costUsd: number | null;
  /** True when served from the response cache. */
  cached: boolean;
  /** On a cache hit: ISO time of the provider call that made the answer (absent for older cache entries). */
  cachedAt?: string;
}

/** Options of one gateway call. */
export interface CallOptions {
  /** Aborts a queued or in-flight call (and its retries). */
  signal?: AbortSignal;
  /** Use the response cache: on for evaluations, off for creative meta-model calls. Default true. */
  cache?: boolean;
  /**
   * A spending cap of one job (a tuning run in the editor, which shares one gateway), checked with the same
   * price-based estimate as the gateway's own budget; a refused call throws ModelError('budget').
   */
  budget?: CallBudget;
  /**
   * Which repeat of the same request this is (1-based; default 1). Repeat k > 1 is a fresh sample: it has
   * a cache entry of its own instead of replaying repeat 1's answer.
   */
  repeat?: number;
}

/** A per-job spending cap the gateway reserves against before a call and settles after it. */
export interface CallBudget {
  /** Reserves a call or says why it may not start; `estimateUsd` null = unknown price. */
  tryStart(
    estimateUsd: number | null,
  ): { ok: true; release: (actualUsd: number | null) => void } | { ok: false; reason: string };
}

/** Why a call failed, typed so callers can say what to fix. */
export type ModelErrorKind =
  | 'auth' // 401/403: the key is wrong or missing
  | 'bad_request' // 400/404/422: the request or model name is wrong
  | 'rate_limit' // 429 after all retries
  | 'server' // 5xx after all retries
  | 'timeout' // no answer in time after all retries
  | 'network' // connection refused/reset after all retries
  | 'budget' // the budget would be exceeded; the call was not made
  | 'cancelled' // the AbortSignal fired
  | 'config' // unknown provider, missing key or endpoint
  | 'invalid_response'; // the provider answered something we cannot read

/** The one error type the gateway throws. `message` says what happened and what to do. */
export class ModelError extends Error {
  constructor(
    readonly kind: ModelErrorKind,
    message: string,
    /** HTTP status when there was one. */
    readonly status?: number,
    /** Provider id, e.g. `openai`. */
    readonly provider?: string,
  ) {
    super(message);
    this.name = 'ModelError';
  }
}

/** Throttling and progress of the gateway, reported so the UI and the CLI can show it. */
export type GatewayEvent =
  | {
      type: 'throttle';
      /** Provider id. */
      provider: string;
      /** Calls running now for that provider. */
      active: number;
      /** Configured concurrency for that provider. */
      concurrency: number;
      /** Calls waiting in that provider's queue. */
      queued: number;
      /** When waiting on a Retry-After or backoff: ms until the retry; absent otherwise. */
      retryInMs?: number;
      /** HTTP status that caused the wait, when there was one. */
      status?: number;
    }
  | {
      type: 'timeout';
      /** Provider id. */
      provider: string;
      /** `provider/model` of the call. */
      model: string;
      /** The request timeout that passed, in seconds. */
      afterS: number;
      /** Which attempt timed out (1-based; 429s not counted). */
      attempt: number;
      /** Attempts the retry policy allows. */
      maxAttempts: number;
      /** Ms until the next attempt; absent when this was the last one. */
      retryInMs?: number;
    }
  | { type: 'budget_reached'; /** Spent so far in USD. */ costUsd: number; /** Calls made so far. */ calls: number };

/** Totals since the gateway was created (or since `resetStats`). */
export interface GatewayStats {
  /** Calls answered by a provider (not cache hits). */
  calls: number;
  /** Calls answered from the cache. */
  cacheHits: number;
  /** Retries made (each 429/5xx/timeout retry counts once). */
  retries: number;
  /** Summed usage of provider calls. */
  usage: Usage;
  /** Summed cost of provider calls whose price is known. */
  costUsd: number;
  /** True when at least one call had an unknown price (so costUsd is a lower bound). */
  costIncomplete: boolean;
}

/** What every caller uses to reach a model. Implemented in gateway.ts. */
export interface ModelGateway {
  call(request: ModelRequest, options?: CallOptions): Promise<ModelResult>;
  onEvent(listener: (event: GatewayEvent) => void): () => void;
  stats(): GatewayStats;
  /** Mean latency in ms measured for a model (from the store), or undefined when never measured. */
  measuredLatencyMs(model: string): number | undefined;
}
