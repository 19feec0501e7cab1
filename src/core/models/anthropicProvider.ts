// Anthropic Messages through @anthropic-ai/sdk 1.x. That API refuses temperature/top_p/top_k, so they are
// never sent. The SDK is imported on the first call so activation stays cheap.
import type Anthropic from '@anthropic-ai/sdk';
import type * as AnthropicModule from '@anthropic-ai/sdk';
import type {
  MessageCreateParamsNonStreaming,
  MessageParam,
  ContentBlockParam,
} from '@anthropic-ai/sdk/resources/messages';
import {
  type ModelProvider,
  type ProviderResponse,
  type SdkProviderOptions,
  ProviderError,
  createSdkProvider,
  parseToolArguments,
} from './providerTypes';
import type { ModelRequest, ToolCall } from './types';

/** Anthropic requires max_tokens; used when the request has none. */
export const ANTHROPIC_DEFAULT_MAX_TOKENS = 1024;

/** Options of an Anthropic-protocol provider. */
export type AnthropicProviderOptions = SdkProviderOptions;

/** Maps the neutral request to a Messages body (no temperature: the 1.x API answers 400 to it). */
export function toAnthropicBody(model: string, request: ModelRequest): MessageCreateParamsNonStreaming {
  const messages: MessageParam[] = [];
  const push = (role: 'user' | 'assistant', block: ContentBlockParam): void => {
    const last = messages[messages.length - 1];
    // Consecutive tool results must share one user turn; merging keeps roles alternating.
    if (last && last.role === role && Array.isArray(last.content)) last.content.push(block);
    else messages.push({ role, content: [block] });
  };
  for (const m of request.messages) {
    if (m.role === 'user') push('user', { type: 'text', text: m.content });
    else if (m.role === 'assistant') {
      if (m.content) push('assistant', { type: 'text', text: m.content });
      for (const [i, c] of (m.toolCalls ?? []).entries()) {
        push('assistant', { type: 'tool_use', id: c.id ?? `toolu_${i}`, name: c.name, input: c.arguments ?? {} });
      }
    } else push('user', { type: 'tool_result', tool_use_id: m.toolCallId, content: m.content });
  }
  const body: MessageCreateParamsNonStreaming = {
    model,
    max_tokens: request.maxTokens ?? ANTHROPIC_DEFAULT_MAX_TOKENS,
    messages,
  };
  if (request.system) body.system = request.system;
  if (request.tools && request.tools.length > 0) {
    body.tools = request.tools.map((t) => ({
      name: t.name,
      ...(t.description ? { description: t.description } : {}),
      input_schema: { type: 'object' as const, ...t.parameters },
    }));
  }
  return body;
}

/**
 * A Messages response as it may arrive. The SDK does not check responses, and a compatible server (custom base
 * URL) or proxy may send no body, no `content` or no `usage`, or usage without some counts.
 */
export type AnthropicWireMessage = Omit<Anthropic.Messages.Message, 'content' | 'usage'> & {
  content?: Anthropic.Messages.ContentBlock[] | null;
  usage?: Partial<Anthropic.Messages.Usage> | null;
};

/** Maps a Messages response to the neutral result; input tokens include cache reads and writes. */
export function fromAnthropicResponse(
  message: AnthropicWireMessage | null | undefined,
  providerId: string,
): ProviderResponse {
  if (!message || !Array.isArray(message.content))
    throw new ProviderError('invalid_response', `${providerId} answered without content`);
  let text = '';
  const toolCalls: ToolCall[] = [];
  for (const block of message.content) {
    if (block.type === 'text') text += block.text;
    else if (block.type === 'tool_use') {
      const input: unknown = block.input;
      const rawArguments = typeof input === 'string' ? input : JSON.stringify(input ?? {});
      const parsed = typeof input === 'string' ? parseToolArguments(input) : parseToolArguments(rawArguments);
      toolCalls.push({ id: block.id, name: block.name, rawArguments, ...parsed });
    }
  }
  const u = message.usage;
  const cacheRead = u?.cache_read_input_tokens ?? 0;
  const cacheWrite = u?.cache_creation_input_tokens ?? 0;
  return {
    text,
    toolCalls,
    usage: {
      inputTokens: (u?.input_tokens ?? 0) + cacheRead + cacheWrite,
      outputTokens: u?.output_tokens ?? 0,
      cachedInputTokens: cacheRead,
    },
  };
}

export function createAnthropicProvider(options: AnthropicProviderOptions): ModelProvider {
  return createSdkProvider(
    options,
    'anthropic',
    async (key): Promise<Anthropic> => {
      // require, not import(): see openaiProvider.ts (the ESM loader pre-parses the whole SDK).
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy: the SDK loads on the first call
      const { default: AnthropicSdk } = require('@anthropic-ai/sdk') as typeof AnthropicModule;
      return new AnthropicSdk({
        apiKey: key,
        baseURL: options.baseUrl ?? 'https://api.anthropic.com',
        maxRetries: 0,
        timeout: 10 * 60_000,
      });
    },
    async (sdk, model, request, signal) =>
      fromAnthropicResponse(await sdk.messages.create(toAnthropicBody(model, request), { signal }), options.id),
  );
}
