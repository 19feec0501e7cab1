// What a provider adapter implements: one SDK call mapped from and to the neutral shapes in types.ts.
// The gateway owns queueing, retries, cache, cost and budget; providers only translate.
import type { ModelRequest, ToolCall, Usage } from './types';

/** Which wire protocol a provider speaks; used for prices and for messages. */
export type ProviderApi = 'openai' | 'anthropic' | 'vscode-lm';

/** What one successful provider call returns before the gateway adds model, latency, cost and cache. */
export interface ProviderResponse {
  /** Concatenated text output. */
  text: string;
  /** Tool calls in order, arguments parsed (or `argumentsError` set). */
  toolCalls: ToolCall[];
  /** Normalised usage: inputTokens includes cached input tokens. */
  usage: Usage;
}

/** A provider adapter. `send` gets the model name without the `provider/` prefix. */
export interface ModelProvider {
  /** Provider id, the part before the first `/` of a model id. */
  readonly id: string;
  /** Wire protocol. */
  readonly api: ProviderApi;
  /** genai-prices provider id used to look up prices (`openai`, `anthropic`); absent for local endpoints. */
  readonly priceProviderId?: string;
  /** Base URL it calls, named in connection errors. */
  readonly baseUrl?: string;
  /** Concurrency for this provider's queue; the gateway default when absent. */
  readonly concurrency?: number;
  /** Requests allowed per `intervalMs` (a rate cap); none when absent. */
  readonly intervalCap?: number;
  /** Window of `intervalCap` in ms. */
  readonly intervalMs?: number;
  send(model: string, request: ModelRequest, signal: AbortSignal): Promise<ProviderResponse>;
}

/** A failed provider call, normalised so the gateway can decide about retries without knowing the SDK. */
export class ProviderError extends Error {
  constructor(
    /** `http` when the server answered with an error status. */
    readonly failure: 'http' | 'timeout' | 'network' | 'aborted' | 'config' | 'invalid_response',
    message: string,
    /** HTTP status, for `http`. */
    readonly status?: number,
    /** Delay the server asked for (retry-after-ms, else retry-after), in ms. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'ProviderError';
  }
}

/** Supplies a key when a call is made, so keys can change (SecretStorage) without rebuilding providers. */
export type KeySource = () => Promise<string | undefined> | string | undefined;

/** Parses tool-call arguments; invalid JSON or a non-object is reported, never thrown. */
export function parseToolArguments(raw: string): Pick<ToolCall, 'arguments' | 'argumentsError'> {
  const text = raw.trim() === '' ? '{}' : raw;
  try {
    const value: unknown = JSON.parse(text);
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      return {
        arguments: undefined,
        argumentsError: `arguments are JSON but not an object (${Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value})`,
      };
    }
    return { arguments: value as Record<string, unknown> };
  } catch (error) {
    return { arguments: undefined, argumentsError: `arguments are not valid JSON: ${(error as Error).message}` };
  }
}

/** Reads `retry-after-ms` then `retry-after` (seconds or an HTTP date) from response headers. */
export function retryAfterFromHeaders(
  headers: { get(name: string): string | null } | undefined,
  now = Date.now(),
): number | undefined {
  if (!headers) return undefined;
  const ms = headers.get('retry-after-ms');
  if (ms !== null && ms.trim() !== '') {
    const n = Number(ms);
    if (Number.isFinite(n) && n >= 0) return n;
  }
  const ra = headers.get('retry-after');
  if (ra !== null && ra.trim() !== '') {
    const seconds = Number(ra);
    if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
    const date = Date.parse(ra);
    if (Number.isFinite(date)) return Math.max(0, date - now);
  }
  return undefined;
}

/** Removes a key (and anything shaped like a bearer key) from text that may be shown or logged. */
export function redactSecrets(text: string, keys: Array<string | undefined>): string {
  let out = text;
  for (const key of keys) {
    if (key && key.length >= 4) out = out.split(key).join('[redacted]');
  }
  // Providers echo partial keys ("Incorrect API key provided: sk-abc…xyz"): hide those too.
  return out.replace(/\b(sk|sk-ant|sk-proj|or)-[A-Za-z0-9_*.-]{6,}/g, '[redacted]');
}

/** Maps an SDK error (openai or anthropic share the shape) to a ProviderError with secrets removed. */
export function providerErrorFromSdk(
  error: unknown,
  providerId: string,
  key: string | undefined,
  signal: AbortSignal,
): ProviderError {
  if (error instanceof ProviderError) return error;
  // Anything can be thrown, null and undefined included.
  const e = error as
    { name?: string; status?: unknown; headers?: unknown; message?: unknown; error?: unknown } | null | undefined;
  // SDK error classes set no `name`, and minified bundles rename classes: match constructor names and messages.
  const ctor = (error as { constructor?: { name?: string } } | null | undefined)?.constructor?.name ?? '';
  const name = `${typeof e?.name === 'string' ? e.name : ''} ${ctor}`;
  const rawMessage = typeof e?.message === 'string' ? e.message : String(error);
  const message = redactSecrets(rawMessage, [key]);
  if (signal.aborted || /APIUserAbortError|AbortError/.test(name) || /^Request was aborted/.test(rawMessage)) {
    return new ProviderError('aborted', `call to ${providerId} was aborted`);
  }
  if (/APIConnectionTimeoutError/.test(name) || /^Request timed out/.test(rawMessage))
    return new ProviderError('timeout', `${providerId} did not answer in time`);
  if (typeof e?.status === 'number') {
    const headers =
      e.headers && typeof (e.headers as { get?: unknown }).get === 'function'
        ? (e.headers as { get(name: string): string | null })
        : undefined;
    return new ProviderError('http', message, e.status, retryAfterFromHeaders(headers));
  }
  if (
    /APIConnectionError/.test(name) ||
    /^Connection error/.test(rawMessage) ||
    /ECONNREFUSED|ECONNRESET|socket hang up|fetch failed|EPIPE|ENOTFOUND|other side closed|terminated/i.test(rawMessage)
  ) {
    const code = causeCode(error);
    return new ProviderError('network', `${message.replace(/\.$/, '')}${code ? ` (${code})` : ''}`);
  }
  return new ProviderError('invalid_response', `${providerId} answered something unreadable: ${message}`);
}

/** The errno-like code (ECONNREFUSED…) buried in an error's cause chain, if any. */
function causeCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current && typeof current === 'object'; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && /^E[A-Z]+$|^UND_ERR/.test(code)) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** What an SDK-backed provider (openai, anthropic) is configured with. */
export interface SdkProviderOptions {
  /** Provider id (`openai`, `anthropic` or an endpoint name). */
  id: string;
  /** Base URL; the SDK's public default when absent. */
  baseUrl?: string;
  /** Key at call time; local endpoints may have none. */
  apiKey: KeySource;
  /** When no key is found: `null` to send a placeholder (local servers), or the message that says how to set one. */
  missingKeyMessage: string | null;
  /** genai-prices provider id; absent for endpoints whose prices are unknown. */
  priceProviderId?: string;
  concurrency?: number;
  intervalCap?: number;
  intervalMs?: number;
}

/**
 * The shell both SDK providers share: one client per key, created on the first call (the SDK module loads
 * then, not at activation), the missing-key message, and SDK errors mapped with the key redacted.
 */
export function createSdkProvider<Sdk>(
  options: SdkProviderOptions,
  api: 'openai' | 'anthropic',
  makeSdk: (key: string) => Promise<Sdk>,
  send: (sdk: Sdk, model: string, request: ModelRequest, signal: AbortSignal) => Promise<ProviderResponse>,
): ModelProvider {
  let client: { key: string; sdk: Sdk } | undefined;
  async function clientFor(key: string): Promise<Sdk> {
    if (client && client.key === key) return client.sdk;
    const sdk = await makeSdk(key);
    client = { key, sdk };
    return sdk;
  }
  return {
    id: options.id,
    api,
    ...(options.baseUrl ? { baseUrl: options.baseUrl } : {}),
    ...(options.priceProviderId ? { priceProviderId: options.priceProviderId } : {}),
    ...(options.concurrency ? { concurrency: options.concurrency } : {}),
    ...(options.intervalCap ? { intervalCap: options.intervalCap, intervalMs: options.intervalMs ?? 1000 } : {}),
    async send(model, request, signal) {
      const key = (await options.apiKey())?.trim() || undefined;
      if (!key && options.missingKeyMessage !== null) throw new ProviderError('config', options.missingKeyMessage);
      try {
        return await send(await clientFor(key ?? 'no-key'), model, request, signal);
      } catch (error) {
        throw providerErrorFromSdk(error, options.id, key, signal);
      }
    },
  };
}
