// OpenAI Chat Completions, also the protocol of every OpenAI-compatible endpoint (Ollama, LM Studio, vLLM,
// OpenRouter, the simulator). The SDK is imported on the first call so activation stays cheap.
import type { ChatCompletionCreateParamsNonStreaming, ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import type OpenAI from 'openai';
import { type KeySource, type ModelProvider, type ProviderResponse, ProviderError, parseToolArguments, providerErrorFromSdk } from './providerTypes';
import type { ModelRequest, ToolCall } from './types';

export interface OpenAiProviderOptions {
  /** Provider id (`openai` or an endpoint name). */
  id: string;
  /** Base URL including `/v1`; the SDK's public default when absent. */
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

/** Maps the neutral request to a Chat Completions body. */
export function toOpenAiBody(model: string, request: ModelRequest): ChatCompletionCreateParamsNonStreaming {
  const messages: ChatCompletionMessageParam[] = [];
  if (request.system) messages.push({ role: 'system', content: request.system });
  for (const m of request.messages) {
    if (m.role === 'user') messages.push({ role: 'user', content: m.content });
    else if (m.role === 'assistant') {
      messages.push({
        role: 'assistant',
        content: m.content,
        ...(m.toolCalls && m.toolCalls.length > 0
          ? {
              tool_calls: m.toolCalls.map((c, i) => ({
                id: c.id ?? `call_${i}`,
                type: 'function' as const,
                function: { name: c.name, arguments: c.rawArguments },
              })),
            }
          : {}),
      });
    } else messages.push({ role: 'tool', tool_call_id: m.toolCallId, content: m.content });
  }
  const body: ChatCompletionCreateParamsNonStreaming = { model, messages };
  if (request.tools && request.tools.length > 0) {
    body.tools = request.tools.map((t) => ({
      type: 'function' as const,
      function: { name: t.name, ...(t.description ? { description: t.description } : {}), parameters: t.parameters },
    }));
  }
  if (request.maxTokens !== undefined) body.max_tokens = request.maxTokens;
  if (request.temperature !== undefined) body.temperature = request.temperature;
  return body;
}

/** Maps a Chat Completions response to the neutral result. */
export function fromOpenAiResponse(completion: OpenAI.Chat.Completions.ChatCompletion, providerId: string): ProviderResponse {
  const choice = completion.choices?.[0];
  if (!choice || !choice.message) throw new ProviderError('invalid_response', `${providerId} answered without a choice`);
  const toolCalls: ToolCall[] = [];
  for (const call of choice.message.tool_calls ?? []) {
    if (call.type !== 'function') continue;
    const raw = call.function.arguments ?? '';
    toolCalls.push({ id: call.id, name: call.function.name, rawArguments: raw, ...parseToolArguments(raw) });
  }
  const usage = completion.usage;
  return {
    text: typeof choice.message.content === 'string' ? choice.message.content : '',
    toolCalls,
    usage: {
      // prompt_tokens already includes cached tokens.
      inputTokens: usage?.prompt_tokens ?? 0,
      outputTokens: usage?.completion_tokens ?? 0,
      cachedInputTokens: usage?.prompt_tokens_details?.cached_tokens ?? 0,
    },
  };
}

export function createOpenAiProvider(options: OpenAiProviderOptions): ModelProvider {
  let client: { key: string; sdk: OpenAI } | undefined;
  async function clientFor(key: string): Promise<OpenAI> {
    if (client && client.key === key) return client.sdk;
    const { default: OpenAISdk } = await import('openai');
    // Explicit baseURL and key: inside the editor the SDK's env defaults would be surprising.
    const sdk = new OpenAISdk({ apiKey: key, baseURL: options.baseUrl ?? 'https://api.openai.com/v1', maxRetries: 0, timeout: 10 * 60_000 });
    client = { key, sdk };
    return sdk;
  }
  return {
    id: options.id,
    api: 'openai',
    ...(options.baseUrl ? { baseUrl: options.baseUrl } : {}),
    ...(options.priceProviderId ? { priceProviderId: options.priceProviderId } : {}),
    ...(options.concurrency ? { concurrency: options.concurrency } : {}),
    ...(options.intervalCap ? { intervalCap: options.intervalCap, intervalMs: options.intervalMs ?? 1000 } : {}),
    async send(model, request, signal) {
      const key = (await options.apiKey())?.trim() || undefined;
      if (!key && options.missingKeyMessage !== null) throw new ProviderError('config', options.missingKeyMessage);
      try {
        const sdk = await clientFor(key ?? 'no-key');
        const completion = await sdk.chat.completions.create(toOpenAiBody(model, request), { signal });
        return fromOpenAiResponse(completion, options.id);
      } catch (error) {
        throw providerErrorFromSdk(error, options.id, key, signal);
      }
    },
  };
}
